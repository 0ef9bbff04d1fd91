"""The live discussion of a PLG: two teachers in two browsers on the same topic, by mouse and by keyboard.

The PLG, its two members and the topic come from seed_discussion.py. The server runs one daphne
process with the in-memory channel layer, which is enough for sockets of the same process.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Persona
from tests.browser.helpers import tab_to
from tests.browser.seed_discussion import FIRST_MESSAGE, MEMBERS, PASSWORD, PLG_TITLE, TOPIC_TITLE

CLARA, DAVID = (Persona(m["email"], PASSWORD, m["first_name"], m["last_name"], "A") for m in MEMBERS)


def watch_errors(page: Page) -> Page:
    """Record console errors like the ``page`` fixture does (for pages of further contexts)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.l25_errors = errors
    return page


def open_topic(page: Page) -> None:
    """From the PLG directory to the PLG's page and into its topic, as a member finds it."""
    page.goto("/plg/")
    page.get_by_role("link", name=PLG_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PLG_TITLE)
    page.get_by_role("link", name=TOPIC_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TOPIC_TITLE)
    expect(page.locator("#live-status")).to_have_text("Live verbunden")


def mark_page(page: Page) -> None:
    """A flag in the page's JavaScript state: still there later means no reload happened."""
    page.evaluate("window.l25NoReload = true")


def not_reloaded(page: Page) -> bool:
    return page.evaluate("window.l25NoReload === true")


@pytest.fixture
def second_page(new_context) -> Page:
    """A second, independent browser (own cookies) for the other teacher."""
    return watch_errors(new_context().new_page())


def test_two_members_see_each_others_messages_live(page, second_page, sign_in):
    sign_in(page, CLARA)
    open_topic(page)
    sign_in(second_page, DAVID)
    open_topic(second_page)
    expect(page.locator("#messages")).to_contain_text("Wir testen Lernpfade")
    for p in (page, second_page):
        expect(p.locator("#presence")).to_contain_text(CLARA.name)
        expect(p.locator("#presence")).to_contain_text(DAVID.name)
        mark_page(p)

    page.get_by_label("Ihr Beitrag").fill("Hallo David, kommt das **live** an?")
    page.get_by_role("button", name="Senden").click()
    sent = second_page.locator("#messages .l25-message").filter(has_text="Hallo David, kommt das live an?")
    expect(sent).to_have_count(1)
    expect(sent.locator("strong", has_text="live")).to_be_visible()
    expect(sent).to_contain_text(CLARA.name)
    expect(page.get_by_label("Ihr Beitrag")).to_have_value("")
    expect(page.locator("#messages")).to_contain_text("Hallo David, kommt das live an?")

    second_page.get_by_label("Ihr Beitrag").fill("Ja, ohne Neuladen!")
    second_page.get_by_role("button", name="Senden").click()
    answer = page.locator("#messages .l25-message").filter(has_text="Ja, ohne Neuladen!")
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text(DAVID.name)
    expect(page.locator("#live-status")).to_have_text(f"Neuer Beitrag von {DAVID.name}")

    # Both messages are in id order in both browsers, and neither page was reloaded.
    for p in (page, second_page):
        texts = p.locator("#messages .l25-message .l25-message__body").all_inner_texts()
        assert texts[-2:] == ["Hallo David, kommt das live an?", "Ja, ohne Neuladen!"]
        assert not_reloaded(p)
    assert not second_page.l25_errors, second_page.l25_errors


def test_member_posts_with_the_keyboard_only(page, second_page, sign_in):
    sign_in(page, DAVID)
    open_topic(page)
    sign_in(second_page, CLARA)
    open_topic(second_page)
    mark_page(page)

    tab_to(page, "#post-form textarea")
    page.keyboard.type("Per Tastatur geschrieben und gesendet.")
    tab_to(page, "#post-form button[type=submit]")
    expect(page.locator("#post-form button[type=submit]")).to_have_text("Senden")
    page.keyboard.press("Enter")

    expect(page.locator("#messages")).to_contain_text("Per Tastatur geschrieben und gesendet.")
    expect(second_page.locator("#messages")).to_contain_text("Per Tastatur geschrieben und gesendet.")
    expect(page.locator("#post-form textarea")).to_be_focused()  # ready for the next message
    expect(page.locator("#post-form textarea")).to_have_value("")
    assert not_reloaded(page)


def test_topic_and_plg_pages_pass_the_audit(page, sign_in, audit_page):
    sign_in(page, CLARA)
    open_topic(page)
    expect(page.locator("#presence")).to_contain_text(CLARA.name)
    expect(page.locator("#messages")).to_contain_text(FIRST_MESSAGE.replace("**", ""))
    audit_page(page, "plg-topic-live")

    page.locator("nav.l25-breadcrumb").get_by_role("link", name=PLG_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PLG_TITLE)
    expect(page.get_by_role("link", name=TOPIC_TITLE)).to_be_visible()
    audit_page(page, "plg-page-with-discussion")


def test_signing_out_in_another_tab_ends_the_live_discussion_at_once(page, sign_in):
    """The socket lives no longer than the session: it closes (4401), tries once more, and stops."""
    sign_in(page, CLARA)
    open_topic(page)
    mark_page(page)

    other_tab = watch_errors(page.context.new_page())
    other_tab.goto("/accounts/logout/")
    other_tab.locator("main").get_by_role("button", name="Abmelden").click()
    expect(other_tab.get_by_role("link", name="Anmelden").first).to_be_visible()

    expect(page.locator("#live-status")).to_have_text(
        "Sie sind abgemeldet. Bitte laden Sie die Seite neu und melden Sie sich wieder an."
    )
    expect(page.locator("#post-form")).to_be_hidden()
    assert not_reloaded(page)
    assert not other_tab.l25_errors, other_tab.l25_errors
