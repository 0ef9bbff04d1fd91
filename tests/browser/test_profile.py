"""The signed-in person's own profile page."""

from playwright.sync_api import expect


def test_teacher_changes_display_name_and_sees_it_in_header(page, live_server_info, sign_in, audit_page):
    editor = live_server_info.personas["profile_editor"]
    sign_in(page, editor)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Mein Profil").click()

    expect(page).to_have_url("/profil/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Profil")
    expect(page.get_by_role("main")).to_contain_text(editor.email)
    audit_page(page, "profile")
    page.get_by_label("Anzeigename").fill("Frau Pohl (Mathe)")
    page.get_by_role("button", name="Profil speichern").click()

    expect(page).to_have_url("/profil/")
    expect(page.get_by_role("status").filter(has_text="Ihr Profil wurde gespeichert.")).to_be_visible()
    expect(page.get_by_label("Anzeigename")).to_have_value("Frau Pohl (Mathe)")
    expect(page.locator(".l25-header__user")).to_have_text("Frau Pohl (Mathe)")
    audit_page(page, "profile-saved")


def test_school_list_on_profile_does_not_cover_the_subjects(page, live_server_info, sign_in):
    sign_in(page, live_server_info.personas["teacher"])
    page.goto("/profil/")

    schools = page.get_by_label("Schulen").bounding_box()
    subjects = page.get_by_role("group", name="Fächer").bounding_box()
    assert schools["y"] + schools["height"] <= subjects["y"], f"Schulen {schools} overlaps Fächer {subjects}"
