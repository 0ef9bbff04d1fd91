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


def test_profile_shows_the_granted_school_and_offers_no_school_to_choose(page, live_server_info, sign_in):
    sign_in(page, live_server_info.personas["teacher"])
    page.goto("/profil/")

    # the school is a function the school granted, shown read-only beside the form
    expect(page.get_by_role("complementary")).to_contain_text("Gesamtschule Meiderich: Lehrkraft")
    profile_form = (
        page.get_by_role("main").locator("form").filter(has=page.get_by_role("button", name="Profil speichern"))
    )
    expect(profile_form.get_by_label("Schulen")).to_have_count(0)
    # asking another school stays possible, and its fields do not cover the profile's subjects
    page.get_by_text("Bestätigung durch eine Schule anfragen").click()
    school = page.get_by_label("Schule", exact=True).bounding_box()
    subjects = page.get_by_role("group", name="Fächer").bounding_box()
    overlap_x = school["x"] < subjects["x"] + subjects["width"] and subjects["x"] < school["x"] + school["width"]
    overlap_y = school["y"] < subjects["y"] + subjects["height"] and subjects["y"] < school["y"] + school["height"]
    assert not (overlap_x and overlap_y), f"Schule {school} overlaps Fächer {subjects}"
