"""After a form is sent, focus lands on the message that says what happened (issue 20).

The page comes back after the redirect with a Django message; ``js/focus-message.js`` moves the
focus there, so that a screen reader reads it and Tab goes on from there, not from the page's top.
"""

from playwright.sync_api import expect


def test_saved_profile_puts_the_focus_on_the_message(page, live_server_info, sign_in, audit_page):
    sign_in(page, live_server_info.personas["teacher"])
    page.goto("/profil/")
    expect(page.locator("[data-l25-message]")).to_have_count(0)

    page.get_by_role("button", name="Profil speichern").click()

    expect(page).to_have_url("/profil/")
    message = page.get_by_role("status").filter(has_text="Ihr Profil wurde gespeichert.")
    expect(message).to_be_focused()
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Ihr Profil wurde gespeichert."
    # Tab goes on inside the page's content, not back to the header
    page.keyboard.press("Tab")
    expect(page.locator("#main :focus")).to_have_count(1)
    audit_page(page, "profile-saved-focus")


def test_a_page_without_a_message_keeps_the_focus_where_it_was(page, live_server_info, sign_in):
    sign_in(page, live_server_info.personas["teacher"])
    page.goto("/profil/")

    assert page.evaluate("() => document.activeElement === document.body")
