"""Signing up with an e-mail address and confirming it by the link in the mail."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, mail_text

CONFIRM_LINK = re.compile(r"/accounts/confirm-email/[^/\s]+/")


def test_teacher_signs_up_and_verifies_email(page, live_server_info, audit_page):
    address = "neu.lehrer@schule-a.de"
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="Registrieren").click()

    expect(page).to_have_url("/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrieren")
    audit_page(page, "signup")
    page.get_by_label("E-Mail-Adresse").fill(address)
    page.get_by_label("Vorname").fill("Nils")
    page.get_by_label("Nachname").fill("Neumann")
    page.get_by_label("Ihre Schule").select_option(label="Gesamtschule Meiderich (165432)")
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_label("Passwort (Wiederholung)").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Registrieren").click()

    expect(page).to_have_url("/accounts/confirm-email/")
    expect(page.get_by_role("status")).to_contain_text(address)  # "Bestätigungs-E-Mail wurde an … verschickt."
    expect(page.get_by_role("heading", level=1)).to_contain_text("E-Mail-Adresse")
    expect(page.get_by_role("banner").get_by_role("link", name="Anmelden")).to_be_visible()
    audit_page(page, "verification-sent")

    mail = live_server_info.last_mail_to(address)
    assert str(mail["Subject"]).strip().startswith("[Lernen 25] ")
    link = CONFIRM_LINK.search(mail_text(mail))
    assert link, f"no confirmation link in:\n{mail_text(mail)}"
    page.goto(link.group(0))

    expect(page.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse bestätigen")
    expect(page.get_by_role("main")).to_contain_text(address)
    audit_page(page, "confirm-email")
    page.get_by_role("main").get_by_role("button", name="Bestätigen").click()

    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=re.compile(rf"{re.escape(address)} bestätigt"))).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Nils Neumann")
    # a guest until the school confirms him: the home page says so, the profile shows the open request
    expect(page.get_by_role("main")).to_contain_text("Noch von keiner Schule bestätigt")
    page.goto("/profil/")
    expect(page.get_by_role("complementary")).to_contain_text("Gesamtschule Meiderich: Offen")
