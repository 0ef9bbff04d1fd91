"""The sign-in form in keyboard order: e-mail, password, then the rest (issue 20).

allauth puts "Passwort vergessen?" into the password's help text, which our fields showed above the
input: Tab went from the e-mail address to the link, and Enter there opened the reset page instead
of signing in. The link now follows the password's input.
"""

from playwright.sync_api import expect

from tests.browser.helpers import tab_to

# What has the focus: an input by its id, anything else (link, button) by its text.
FOCUSED = "() => { const el = document.activeElement; return el.id || el.textContent.trim(); }"


def test_tab_goes_from_email_to_password_to_remember_me_to_the_button(page, audit_page):
    page.goto("/accounts/login/")
    audit_page(page, "login-order")

    tab_to(page, "#id_login")
    order = [page.evaluate(FOCUSED)]
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate(FOCUSED))

    assert order == ["id_login", "id_password", "Passwort vergessen?", "id_remember", "Anmelden"]
    # and in the document, for screen readers' reading order too
    link_after_password = page.evaluate(
        """() => Boolean(document.getElementById("id_password").compareDocumentPosition(
            document.querySelector("a[href$='/accounts/password/reset/']")) & Node.DOCUMENT_POSITION_FOLLOWING)"""
    )
    assert link_after_password


def test_teacher_types_address_tab_password_enter_and_is_signed_in(page, live_server_info):
    teacher = live_server_info.personas["teacher"]
    page.goto("/accounts/login/")

    tab_to(page, "#id_login")
    page.keyboard.type(teacher.email)
    page.keyboard.press("Tab")  # one press: straight to the password
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.type(teacher.password)
    page.keyboard.press("Enter")

    expect(page).to_have_url("/")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
