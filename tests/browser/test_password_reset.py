"""A forgotten password, reset through the link in the mail."""

import re
from dataclasses import replace

from playwright.sync_api import expect

from tests.browser.conftest import mail_text

RESET_LINK = re.compile(r"/accounts/password/reset/key/[^\s]+/")


def test_forgotten_password_is_reset_by_mail(page, live_server_info, sign_in, audit_page):
    person = live_server_info.personas["forgetful"]
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Passwort vergessen?").click()

    expect(page).to_have_url("/accounts/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort zurücksetzen")
    audit_page(page, "password-reset")
    page.get_by_label("E-Mail-Adresse").fill(person.email)
    page.get_by_role("main").get_by_role("button", name="Passwort zurücksetzen").click()

    expect(page).to_have_url("/accounts/password/reset/done/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort zurücksetzen")
    audit_page(page, "password-reset-done")

    mail = live_server_info.last_mail_to(person.email)
    link = RESET_LINK.search(mail_text(mail))
    assert link, f"no reset link in:\n{mail_text(mail)}"
    page.goto(link.group(0))

    expect(page.get_by_role("heading", level=1)).to_have_text("Passwort ändern")
    audit_page(page, "password-reset-key")
    new_password = "Neues-Rhein-Passwort-2026"
    page.get_by_label("Neues Passwort", exact=True).fill(new_password)
    page.get_by_label("Neues Passwort (Wiederholung)").fill(new_password)
    page.get_by_role("main").get_by_role("button", name="Passwort ändern").click()

    expect(page.get_by_role("main")).to_contain_text(re.compile(r"Passwort wurde geändert\."))
    audit_page(page, "password-reset-key-done")
    sign_in(page, replace(person, password=new_password))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Willkommen, {person.name}")
