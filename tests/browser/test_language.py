"""The language switch in the header: German by default, English on request."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SIGN_IN


def test_visitor_switches_to_english_and_back(page):
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("button", name="English")).to_have_attribute("lang", "en")  # WCAG 3.1.2

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url("/accounts/login/")
    expect(page.get_by_role("button", name="Deutsch")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")

    page.get_by_role("button", name="Deutsch").click()

    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGN_IN)
    expect(page.get_by_role("button", name="English")).to_be_visible()


@pytest.mark.browser_context_args(locale="en-US", extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
def test_page_stays_german_for_a_browser_set_to_english(page):
    page.goto("/")

    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("banner").get_by_role("link", name="Anmelden")).to_be_visible()
