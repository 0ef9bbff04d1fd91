"""The living style guide (``/komponenten/``) in a real browser: axe finds nothing, and every section
looks as approved, in German and English.

Each section is screenshotted at iPad width and compared with its baseline in
``tests/browser/baselines/styleguide/``: a change that moves, recolours or breaks a component fails
here. A deliberate change of the look: run this module with ``UPDATE_BASELINES=1``, look at the new
images (``git diff`` shows them as changed files) and commit them. On a difference the actual image
and a diff image are written to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import inspect
import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, SIGN_IN, VIEWPORTS, _manage, _server_env
from tests.factories import fresh_totp_code

BASELINES = Path(__file__).parent / "baselines" / "styleguide"
SECTIONS = (
    "sg-buttons",
    "sg-badges",
    "sg-alerts",
    "sg-forms",
    "sg-tables",
    "sg-lists",
    "sg-pagination",
    "sg-discussion",
)
PASSWORD = "Duisburg-Homberg-2026!"
PERSON = {"email": "stella.stil@smz.duisburg.de", "first_name": "Stella", "last_name": "Stil"}
SECRET = "KZ3QF6WMTB2XG5JHLP7RDN4CYV6SEA2U"
CHANNEL_TOLERANCE = 40  # a pixel differs when a colour channel moves by more (anti-aliasing stays below)
SHARE_TOLERANCE = 0.002  # at most this share of a section's pixels may differ


def _seed() -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP

    from lernen25.models import User
    from lernen25.roles import Role
    from lernen25.services import assign_role

    user = User.objects.create_user(password=PASSWORD, **PERSON)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    assign_role(actor=None, user=user, role=Role.SMZ_MODERATION)
    TOTP.activate(user, SECRET)


@pytest.fixture(scope="module")
def staff(live_server_info):
    port = int(live_server_info.base_url.rsplit(":", 1)[1])
    env = _server_env(live_server_info.mail_dir.parent, port)
    constants = f"PASSWORD = {PASSWORD!r}\nPERSON = {PERSON!r}\nSECRET = {SECRET!r}\n"
    _manage(env, "shell", "-c", f"{constants}\n{inspect.getsource(_seed)}\n_seed()\n")


def sign_in(page) -> None:
    page.goto("/accounts/login/?next=/komponenten/")
    page.get_by_label("E-Mail-Adresse").fill(PERSON["email"])
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()
    expect(page).to_have_url("/accounts/2fa/authenticate/")
    page.get_by_role("main").get_by_role("textbox").fill(fresh_totp_code(SECRET))
    page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()
    expect(page).to_have_url("/komponenten/")


def differs(actual: Image.Image, baseline: Image.Image) -> tuple[float, Image.Image | None]:
    """The share of pixels that differ (1.0 for another size) and an image marking them."""
    if actual.size != baseline.size:
        return 1.0, None
    diff = ImageChops.difference(actual.convert("RGB"), baseline.convert("RGB"))
    mask = diff.point(lambda value: 255 if value > CHANNEL_TOLERANCE else 0).convert("L")
    changed = sum(mask.histogram()[1:])  # every pixel that is not 0
    return changed / (actual.width * actual.height), mask


def compare_with_baseline(png: bytes, name: str) -> str | None:
    """None when the screenshot matches its baseline (or the baseline was just written), else why not."""
    baseline_path = BASELINES / f"{name}.png"
    actual = Image.open(io.BytesIO(png))
    if os.environ.get("UPDATE_BASELINES") == "1":
        BASELINES.mkdir(parents=True, exist_ok=True)
        baseline_path.write_bytes(png)
        return None
    if not baseline_path.exists():
        return f"{name}: no baseline; run with UPDATE_BASELINES=1 and commit {baseline_path.relative_to(Path.cwd())}"
    share, mask = differs(actual, Image.open(baseline_path))
    if share <= SHARE_TOLERANCE:
        return None
    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"styleguide-{name}-actual.png").write_bytes(png)
    if mask is not None:
        mask.save(out / f"styleguide-{name}-diff.png")
    return f"{name}: {share:.2%} of the pixels differ from the baseline (see {out})"


def test_the_style_guide_passes_axe_and_matches_its_baselines_in_both_languages(page, staff, check_accessibility):
    page.set_viewport_size(VIEWPORTS["ipad"])
    sign_in(page)
    page.evaluate("document.fonts.ready")
    problems = []
    for language, switch_to in (("de", "English"), ("en", None)):
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Komponentenbibliothek" if language == "de" else "Component library"
        )
        check_accessibility(page, f"styleguide-{language}")
        for section in SECTIONS:
            element = page.locator(f"#{section}")
            problem = compare_with_baseline(
                element.screenshot(animations="disabled", caret="hide"), f"{language}-{section}"
            )
            if problem:
                problems.append(problem)
        if switch_to:
            page.get_by_role("button", name=switch_to).click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.l25_errors == []
    assert not problems, "\n".join(problems)
