"""axe on the admin pages our roles use, as the SMZ and as an administrator (both sign in with their code).

The people, a document and an image are seeded into the running server's database by the
``admin_people`` fixture (``_seed`` below, run under ``manage.py shell``). Every page must show no
axe violation (WCAG 2.1 A/AA), Wagtail's own markup included, with one exception of Wagtail's making
in the collapsed sidebar (``WAGTAIL_SLIM_ACCOUNT_BUTTON``); the results are saved as
test-artifacts/axe/admin-*.json.
"""

from __future__ import annotations

import inspect
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, AXE_OPTIONS, SIGN_IN, _describe, _manage, _server_env
from tests.factories import fresh_totp_code as totp_code

PASSWORD = "Duisburg-Ruhrort-2026!"
PEOPLE = {
    # Svenja works at the SMZ and has set up her authenticator app.
    "smz": {"email": "svenja.stein@smz.duisburg.de", "first_name": "Svenja", "last_name": "Stein"},
    # Ada administers the platform (superuser) and has set up hers.
    "admin": {"email": "ada.admin@lernen25.de", "first_name": "Ada", "last_name": "Arndt"},
}
SECRETS = {"smz": "JLNPMKNEAYL6QMMM4J2WKKASWF5TPAMR", "admin": "BF7TJDGCWB35AJWKIZNPMLHTT2RLNZ7G"}

# Wagtail's own, in the collapsed sidebar only: its account menu button is named by the person's name
# beside the avatar, which the slim sidebar hides (display: none), so the button has no name there
# (WCAG 4.1.2, axe "button-name"). Wagtail relies on that visible text since it dropped the button's
# aria-label for wagtail/wagtail#11372 ("Label in Name"); no upstream report of the slim state found.
WAGTAIL_SLIM_ACCOUNT_BUTTON = ".sidebar-footer__account"


def _seed() -> None:
    import io

    from allauth.account.models import EmailAddress
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP
    from django.core.files.base import ContentFile
    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Collection

    from lernen25.models import User
    from lernen25.roles import Role
    from lernen25.services import assign_role

    for key, person in PEOPLE.items():
        user = User.objects.create_user(password=PASSWORD, **person)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        if key == "admin":
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        else:
            assign_role(actor=None, user=user, role=Role.SMZ_MODERATION)
        TOTP.activate(user, SECRETS[key])
        RecoveryCodes.activate(user)
    # Something in the listings: a document and an image in the root collection.
    root = Collection.get_first_root_node()
    document = get_document_model()(title="Medienentwicklungsplan 2022-2032", collection=root)
    document.file.save("mep.txt", ContentFile(b"Medienentwicklungsplan der Stadt Duisburg"), save=False)
    document.save()
    png = io.BytesIO()
    PILImage.new("RGB", (64, 48), (32, 68, 170)).save(png, format="PNG")
    get_image_model().objects.create(
        title="MediaLab", collection=root, file=ImageFile(io.BytesIO(png.getvalue()), name="medialab.png")
    )
    print("admin people", *(person["email"] for person in PEOPLE.values()))


def _seed_script() -> str:
    """``_seed`` with the constants it reads, as text for ``manage.py shell -c``."""
    constants = f"PASSWORD = {PASSWORD!r}\nPEOPLE = {PEOPLE!r}\nSECRETS = {SECRETS!r}\n"
    return f"{constants}\n{inspect.getsource(_seed)}\n_seed()\n"


@pytest.fixture(scope="module")
def admin_people(live_server_info):
    port = int(live_server_info.base_url.rsplit(":", 1)[1])
    env = _server_env(live_server_info.mail_dir.parent, port)
    _manage(env, "shell", "-c", _seed_script())
    return PEOPLE


def sign_in_with_code(page, key: str) -> None:
    person = PEOPLE[key]
    page.goto("/accounts/login/?next=/admin/")
    page.get_by_label("E-Mail-Adresse").fill(person["email"])
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()
    expect(page).to_have_url("/accounts/2fa/authenticate/")
    page.get_by_role("main").get_by_role("textbox").fill(totp_code(SECRETS[key]))
    page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()
    expect(page).to_have_url("/admin/")


def save_results(results: dict, name: str) -> None:
    folder = ARTIFACTS / "axe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


def settle(page) -> None:
    """Wait until the admin page is complete for axe."""
    page.wait_for_load_state("load")
    # Wagtail renders the sidebar with JavaScript.
    expect(page.locator(".sidebar-custom-branding")).to_be_visible()
    # Messages fade in: axe measures contrast mid-transition otherwise (a lighter green than Wagtail's).
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")


@pytest.fixture
def check_admin_page(check_accessibility):
    """axe (conftest's check: WCAG 2.1 A/AA, zero violations, results saved) once the admin has settled."""

    def _check(page, name: str) -> None:
        settle(page)
        check_accessibility(page, f"admin-{name}")

    return _check


def _visit_admin_pages(page, check_admin_page, who: str) -> None:
    # The dashboard: the platform's name and look.
    expect(page).to_have_title("Übersicht - Lernen 25")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verwaltung von Lernen 25")
    check_admin_page(page, f"{who}-dashboard")

    sidebar = page.locator("#wagtail-sidebar")
    for label in ("Seiten", "Dokumente", "Bilder", "Schulen"):
        expect(
            sidebar.get_by_role("link", name=label, exact=True)
            .or_(sidebar.get_by_role("button", name=label, exact=True))
            .first
        ).to_be_visible()

    page.goto("/admin/pages/")
    expect(page).to_have_title(re.compile(r" - Lernen 25$"))
    check_admin_page(page, f"{who}-pages")

    page.goto("/admin/documents/")
    expect(page.get_by_text("Medienentwicklungsplan 2022-2032")).to_be_visible()
    check_admin_page(page, f"{who}-documents")

    page.goto("/admin/images/")
    expect(page.get_by_text("MediaLab").first).to_be_visible()
    check_admin_page(page, f"{who}-images")

    page.goto("/admin/schools/")
    expect(page.get_by_role("link", name="Gesamtschule Meiderich")).to_be_visible()
    check_admin_page(page, f"{who}-schools")

    page.get_by_role("link", name="Gesamtschule Meiderich").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gesamtschule Meiderich")
    check_admin_page(page, f"{who}-school-edit")
    school_id = re.search(r"/admin/schools/edit/(\d+)/", page.url).group(1)

    page.goto(f"/admin/schools/{school_id}/people/")
    check_admin_page(page, f"{who}-school-people")

    page.goto("/admin/schools/import/")
    check_admin_page(page, f"{who}-school-import")

    page.goto("/admin/audit/")
    check_admin_page(page, f"{who}-audit")


def test_the_smz_uses_the_admin_without_axe_violations(page, admin_people, check_admin_page, axe):
    sign_in_with_code(page, "smz")

    _visit_admin_pages(page, check_admin_page, "smz")

    # The collapsed sidebar shows the "25" mark instead of the wordmark.
    page.goto("/admin/")
    page.locator(".sidebar__collapse-toggle").click()
    expect(page.locator(".sidebar-custom-branding .l25-admin-logo--mark")).to_be_visible()
    expect(page.locator(".sidebar-custom-branding .l25-admin-logo--full")).to_be_hidden()
    settle(page)
    results = axe.run(page, context={"exclude": [[WAGTAIL_SLIM_ACCOUNT_BUTTON]]}, options=AXE_OPTIONS).response
    save_results(results, "admin-smz-dashboard-slim-sidebar")
    assert not results["violations"], _describe(results["violations"])


def test_an_administrator_uses_the_admin_without_axe_violations(page, admin_people, check_admin_page):
    sign_in_with_code(page, "admin")

    _visit_admin_pages(page, check_admin_page, "admin")

    page.goto("/admin/subjects/")
    check_admin_page(page, "admin-subjects")
