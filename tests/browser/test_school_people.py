"""A principal confirms a new colleague: sign-in with the second factor, the request, the decision.

The people come from seed_school_people.py; codes are computed from the principal's secret, as an
authenticator app would. Every page is checked with axe.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_DIR, SIGN_IN, _manage, _server_env
from tests.browser.seed_school_people import JONAS, PASSWORD, PETRA, PETRA_SECRET
from tests.factories import fresh_totp_code as totp_code


@pytest.fixture(scope="module")
def school_people(live_server_info):
    port = int(live_server_info.base_url.rsplit(":", 1)[1])
    env = _server_env(live_server_info.mail_dir.parent, port)
    _manage(env, "shell", "-c", (BROWSER_DIR / "seed_school_people.py").read_text(encoding="utf-8"))


def sign_in_with_code(page, person, secret=None) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-Mail-Adresse").fill(person["email"])
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()
    if secret:
        expect(page).to_have_url("/accounts/2fa/authenticate/")
        page.get_by_role("main").get_by_role("textbox").fill(totp_code(secret))
        page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


@pytest.fixture
def second_page(new_context):
    """Jonas's own browser (own cookies)."""
    return new_context().new_page()


def test_principal_confirms_a_new_colleague(page, second_page, school_people, audit_page):
    sign_in_with_code(page, PETRA, PETRA_SECRET)

    # From her profile to the people of her school.
    page.goto("/profil/")
    page.get_by_role("link", name="Personen der Schule Gesamtschule Meiderich").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personen der Schule Gesamtschule Meiderich")
    requests = page.get_by_role("region", name="Anfragen zur Bestätigung")
    expect(requests).to_contain_text("Jonas Jung")
    expect(requests).to_contain_text("Ich unterrichte seit August Physik.")
    audit_page(page, "school-people-request")

    requests.get_by_role("button", name="Als Lehrkraft bestätigen Jonas Jung").click()

    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text(
        "Jonas Jung ist als Lehrkraft Ihrer Schule bestätigt."
    )
    expect(page.get_by_role("region", name="Anfragen zur Bestätigung")).to_contain_text("Es liegen keine Anfragen vor.")
    staff = page.get_by_role("table", name="Funktionen an dieser Schule")
    expect(staff.get_by_role("row", name="Jonas Jung")).to_contain_text("Lehrkraft")
    expect(staff.get_by_role("row", name="Jonas Jung")).to_contain_text("Petra Prinz")
    audit_page(page, "school-people-confirmed")

    # Jonas, in his own browser, sees the confirmation on his profile and may now join PLCs.
    sign_in_with_code(second_page, JONAS)
    second_page.goto("/profil/")
    expect(second_page.get_by_role("complementary")).to_contain_text("Gesamtschule Meiderich: Lehrkraft")
    expect(second_page.get_by_text("Noch von keiner Schule bestätigt")).to_have_count(0)
    audit_page(second_page, "profile-confirmed-teacher")
