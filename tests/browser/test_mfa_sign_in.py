"""Two-factor sign-in of the powerful: the code step after the password, and the set-up a new SMZ member is led to.

The people come from seed_mfa_sign_in.py, seeded into the running server's database by the
``mfa_people`` fixture below. Codes are computed here from the secret, as an authenticator app would.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_DIR, SIGN_IN, _manage, _server_env
from tests.browser.seed_mfa_sign_in import NICO, PASSWORD, SINA, SINA_SECRET
from tests.factories import fresh_totp_code as totp_code

REQUIRED = "Zwei-Faktor-Anmeldung erforderlich"
SET_UP = "Zwei-Faktor-Anmeldung einrichten"


@pytest.fixture(scope="module")
def mfa_people(live_server_info):
    """Seeds this module's people into the server's database (once, after conftest's seeding)."""
    port = int(live_server_info.base_url.rsplit(":", 1)[1])
    env = _server_env(live_server_info.mail_dir.parent, port)
    _manage(env, "shell", "-c", (BROWSER_DIR / "seed_mfa_sign_in.py").read_text(encoding="utf-8"))
    return {"sina": SINA, "nico": NICO}


def enter_password(page, person) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-Mail-Adresse").fill(person["email"])
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_smz_signs_in_with_password_and_the_code_of_her_authenticator_app(page, mfa_people, audit_page):
    enter_password(page, mfa_people["sina"])

    # The password alone signs nobody in: the code step follows.
    expect(page).to_have_url("/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Zwei-Faktor-Authentifizierung"))
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    audit_page(page, "mfa-authenticate")

    code_field = page.get_by_role("main").get_by_role("textbox")
    code_field.fill(wrong(totp_code(SINA_SECRET)))
    page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()

    expect(page).to_have_url("/accounts/2fa/authenticate/")
    expect(page.get_by_role("main")).to_contain_text("Falscher Code.")
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    audit_page(page, "mfa-authenticate-error")

    code_field.fill(totp_code(SINA_SECRET))
    page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()

    expect(page).to_have_url("/")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Sina Sommer")
    # Her powers hold: the administration is offered, and no two-factor banner is shown.
    expect(page.get_by_role("banner").get_by_role("link", name="Verwaltung")).to_be_visible()
    expect(page.get_by_text(REQUIRED)).to_have_count(0)
    audit_page(page, "home-smz-with-second-factor")


def test_new_smz_member_is_led_to_set_up_an_authenticator_app(page, mfa_people, audit_page):
    enter_password(page, mfa_people["nico"])

    # Led to the set-up; allauth first asks for the password once more (a change to the second factor).
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F$"))
    expect(page.get_by_role("main")).to_contain_text("Richten Sie jetzt eine Authenticator-App ein")
    expect(page.get_by_text(REQUIRED)).to_have_count(0)  # the message says it; no banner besides
    audit_page(page, "mfa-led-to-setup")

    # Elsewhere on the site a banner explains why the role's powers wait, and links to the set-up.
    page.goto("/")
    banner = page.get_by_role("status").filter(has_text=REQUIRED)
    expect(banner).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Verwaltung")).to_have_count(0)
    audit_page(page, "home-mfa-pending")
    banner.get_by_role("link", name=SET_UP).click()

    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Bestätigen").click()

    expect(page).to_have_url("/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Authenticator-App aktivieren"))
    expect(page.get_by_text(REQUIRED)).to_have_count(0)  # no banner on the set-up page itself
    audit_page(page, "mfa-setup")
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.get_by_label("Authentifizierungscode").fill(totp_code(secret))
    page.get_by_role("main").get_by_role("button", name="Aktivieren").click()

    # Recovery codes come with the app; the role's powers hold from this moment.
    expect(page).to_have_url("/accounts/2fa/recovery-codes/")
    expect(page.get_by_role("main")).to_contain_text("Die Befugnisse Ihrer Rolle sind jetzt aktiv.")
    audit_page(page, "mfa-recovery-codes")
    page.goto("/")
    expect(page.get_by_text(REQUIRED)).to_have_count(0)
    expect(page.get_by_role("banner").get_by_role("link", name="Verwaltung")).to_be_visible()
