"""PLG journeys in a real browser: find and join a PLG by keyboard, ask to join and be accepted
by the lead in another browser, share a file. axe and screenshots on every page visited."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.seed_plg_journeys import LEAD, OPEN_TITLE, PASSWORD, REQUEST_TITLE, TEACHER


def _sign_in(page: Page, person: dict) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-Mail-Adresse").fill(person["email"])
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def _tab_to(page: Page, locator, limit: int = 80) -> None:
    """Press Tab until ``locator`` has the focus (keyboard only, no clicks)."""
    for _ in range(limit):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} never got the keyboard focus")


def _open_panel(page: Page, summary: str) -> None:
    """Open a folded <details> panel (once; a second click would fold it again)."""
    panel = page.locator("details", has=page.locator("summary", has_text=summary))
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()


def test_teacher_finds_and_joins_an_open_plg_by_keyboard(page: Page, audit_page):
    _sign_in(page, TEACHER)
    page.goto("/plg/")
    audit_page(page, "plg-directory")

    search = page.get_by_label("Suche")
    if not search.is_visible():  # the filter panel is folded on small screens
        page.get_by_text("Filter", exact=True).click()
    _tab_to(page, search)
    page.keyboard.type("Lesen")
    page.keyboard.press("Enter")
    result = page.get_by_role("link", name=OPEN_TITLE)
    expect(result).to_be_visible()
    expect(page.get_by_role("link", name=REQUEST_TITLE)).to_have_count(0)
    _tab_to(page, result)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1, name=OPEN_TITLE)).to_be_visible()
    audit_page(page, "plg-page-outsider")
    _tab_to(page, page.get_by_role("button", name="Beitreten"))
    page.keyboard.press("Enter")

    expect(page.get_by_text("Willkommen! Sie sind jetzt Mitglied dieser PLG.")).to_be_visible()
    expect(page.get_by_text("Sie sind Mitglied dieser PLG.")).to_be_visible()


def test_lead_accepts_a_join_request_seen_in_another_browser(browser, base_url, audit_page):
    teacher = browser.new_context(base_url=base_url, locale="de-DE").new_page()
    lead = browser.new_context(base_url=base_url, locale="de-DE").new_page()
    _sign_in(teacher, TEACHER)
    _sign_in(lead, LEAD)

    teacher.goto("/plg/")
    teacher.get_by_role("link", name=REQUEST_TITLE).click()
    teacher.get_by_label("Nachricht an die PLG-Leitung").fill("Meine 4b baut gern Roboter.")
    teacher.get_by_role("button", name="Beitritt anfragen").click()
    expect(teacher.get_by_text("Ihre Anfrage wurde gesendet")).to_be_visible()

    lead.goto("/benachrichtigungen/")
    expect(lead.get_by_text(f"Erik Eder möchte der PLG „{REQUEST_TITLE}“ beitreten.")).to_be_visible()
    audit_page(lead, "notifications")
    lead.get_by_role("link", name=re.compile("Erik Eder möchte der PLG")).click()
    requests = lead.locator("#anfragen")
    expect(requests.get_by_text("Meine 4b baut gern Roboter.")).to_be_visible()
    audit_page(lead, "plg-page-lead")
    requests.get_by_role("button", name=re.compile("^Annehmen")).click()
    expect(lead.get_by_text("Die Anfrage wurde angenommen.")).to_be_visible()

    teacher.reload()
    expect(teacher.get_by_text("Sie sind Mitglied dieser PLG.")).to_be_visible()
    expect(teacher.locator(".l25-header__notifications .l25-count")).to_be_visible()
    teacher.context.close()
    lead.context.close()


def test_member_shares_a_file_and_a_wrong_type_is_refused(page: Page, audit_page, tmp_path):
    _sign_in(page, TEACHER)
    page.goto("/plg/")
    page.get_by_role("link", name=OPEN_TITLE).click()
    join = page.get_by_role("button", name="Beitreten")
    if join.count():
        join.click()

    upload = page.locator("form[action$='/dateien/']")
    _open_panel(page, "Datei teilen")
    wrong = tmp_path / "makro.exe"
    wrong.write_bytes(b"MZ\x90\x00")
    upload.get_by_label("Datei", exact=True).set_input_files(wrong)
    upload.get_by_role("button", name="Datei hochladen").click()
    refused = re.compile("Dateien vom Typ „exe“ können nicht geteilt werden")
    # The summary at the top says it, and the form says it again where the eye is.
    expect(page.locator("#form-errors").get_by_text(refused)).to_be_visible()
    expect(page.get_by_role("region", name="Material").get_by_role("alert")).to_have_text(refused)
    page.l25_errors.clear()  # the browser logs the refusal's 400, which is exactly what should happen
    audit_page(page, "plg-page-upload-refused")  # the error summary at the top: axe, 810 and 1,440 px

    plan = tmp_path / "unterrichtsplan.pdf"
    plan.write_bytes(b"%PDF-1.4\n% Lernen 25\n")
    _open_panel(page, "Datei teilen")  # still open after the error, with the message beside the field
    upload.get_by_label("Datei", exact=True).set_input_files(plan)
    upload.get_by_label("Titel").fill("Unterrichtsplan Lesen")
    upload.get_by_role("button", name="Datei hochladen").click()

    expect(page.get_by_text("Die Datei wurde geteilt.")).to_be_visible()
    link = page.locator("#material").get_by_role("link", name="Unterrichtsplan Lesen", exact=True)
    expect(link).to_be_visible()
    audit_page(page, "plg-page-member")
    download = page.request.get(link.get_attribute("href"))
    assert download.status == 200
    assert download.body().startswith(b"%PDF-1.4")
