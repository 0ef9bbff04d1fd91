"""Signing in and out with e-mail address and password."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import SIGN_IN


def test_guest_sees_home_page_with_sign_in_links(page, audit_page):
    page.goto("/")

    expect(page).to_have_title("Start – Lernen 25")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lernen 25 – das Schulnetzwerk Duisburg")
    expect(page.get_by_role("banner").get_by_role("link", name="Anmelden")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Registrieren")).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    audit_page(page, "home-guest")


def test_teacher_signs_in_and_out(page, live_server_info, audit_page):
    teacher = live_server_info.personas["teacher"]
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="Anmelden").click()

    expect(page).to_have_url("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGN_IN)
    audit_page(page, "login")
    page.get_by_label("E-Mail-Adresse").fill(teacher.email)
    page.get_by_label("Passwort", exact=True).fill(teacher.password)
    page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()

    expect(page).to_have_url("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Willkommen, {teacher.name}")
    expect(page.get_by_role("status").filter(has_text=f"Erfolgreich als {teacher.name} angemeldet.")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text(teacher.name)
    expect(page.get_by_role("banner").get_by_role("link", name="Anmelden")).to_have_count(0)
    audit_page(page, "home-signed-in")

    page.get_by_role("banner").get_by_role("button", name="Abmelden").click()

    expect(page.get_by_role("banner").get_by_role("link", name="Anmelden")).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text=re.compile(r"abgemeldet\."))).to_be_visible()
    page.goto("/profil/")
    expect(page).to_have_url("/accounts/login/?next=/profil/")


def test_wrong_password_shows_error_and_stays_signed_out(page, live_server_info, audit_page):
    teacher = live_server_info.personas["teacher"]
    page.goto("/accounts/login/")
    page.get_by_label("E-Mail-Adresse").fill(teacher.email)
    page.get_by_label("Passwort", exact=True).fill("Falsches-Passwort-123")
    page.get_by_role("main").get_by_role("button", name=SIGN_IN).click()

    expect(page.get_by_role("alert")).to_contain_text("Die E-Mail-Adresse und/oder das Passwort sind leider falsch.")
    expect(page).to_have_url("/accounts/login/")
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value(teacher.email)
    expect(page.get_by_label("Passwort", exact=True)).to_have_value("")
    audit_page(page, "login-error")
