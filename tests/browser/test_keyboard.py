"""Everything reachable without a mouse: the skip link and the sign-in form."""

from playwright.sync_api import expect

from tests.browser.helpers import tab_to


def test_teacher_signs_in_with_keyboard_only(page, live_server_info):
    teacher = live_server_info.personas["teacher"]
    page.goto("/accounts/login/")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()  # moved on screen while focused
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#main :focus")).to_have_count(1)  # the header is skipped

    tab_to(page, "#id_login")
    page.keyboard.type(teacher.email)
    tab_to(page, "#id_password")
    page.keyboard.type(teacher.password)
    page.keyboard.press("Enter")

    expect(page).to_have_url("/")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Willkommen, {teacher.name}")
