"""The legal pages in a browser: the footer leads to them, the barrier report is sent by keyboard."""

from playwright.sync_api import expect

from tests.browser.helpers import tab_to


def test_a_barrier_is_reported_by_keyboard_from_the_accessibility_statement(page, audit_page):
    page.goto("/")
    footer = page.get_by_role("contentinfo")
    for label in ("Impressum", "Datenschutz", "Barrierefreiheit"):
        expect(footer.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.locator('a[href="/healthz"]')).to_have_count(0)

    footer.get_by_role("link", name="Barrierefreiheit", exact=True).click()
    expect(page).to_have_url("/barrierefreiheit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Erklärung zur Barrierefreiheit")
    expect(page.get_by_text("Noch vom SMZ oder juristisch zu bestätigen").first).to_be_visible()
    audit_page(page, "legal-accessibility-statement")

    # From the skip link to the feedback form, keyboard only.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Zum Inhalt springen")).to_be_focused()
    page.keyboard.press("Enter")
    tab_to(page, 'main a[href="/barrierefreiheit/barriere-melden/"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url("/barrierefreiheit/barriere-melden/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Barriere melden")
    audit_page(page, "legal-report-form")

    # Sent empty: the German error summary, then the report.
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#form-errors")).to_contain_text("Bitte beschreiben Sie die Barriere.")
    page.l25_errors.clear()  # the browser logs the form error's 400, which is exactly what should happen
    audit_page(page, "legal-report-form-errors")

    tab_to(page, "#id_page_address")
    page.keyboard.type("/plg/")
    tab_to(page, "#id_description")
    page.keyboard.type("Der Knopf „Beitreten“ wird vom Screenreader nicht vorgelesen.")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")

    expect(page).to_have_url("/barrierefreiheit/barriere-melden/gesendet/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank für Ihre Meldung")
    audit_page(page, "legal-report-sent")
