"""Layout defects that a screenshot shows and a unit test cannot: checked by element boxes and styles.

Row actions (a member's "Zur Leitung machen" and "Entfernen", a message's "Bearbeiten", "Löschen",
"Ausblenden") must not overlap, must share a line and be 44 px targets at phone, iPad and desktop
widths; the header marks exactly the current item and uses one type size; mentions are an
autocomplete in the text box, not a Tab stop per member.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import VIEWPORTS, Persona
from tests.browser.seed_discussion import MEMBERS, PASSWORD, PLG_TITLE, TOPIC_TITLE

CLARA, DAVID = (Persona(m["email"], PASSWORD, m["first_name"], m["last_name"], "A") for m in MEMBERS)
WIDTHS = (375, 810, 1440)
MIN_TARGET = 44  # px, WCAG 2.5.5 (target size, enhanced)


def boxes(page: Page, selector: str) -> list[dict]:
    return page.locator(selector).evaluate_all(
        "els => els.filter(e => e.offsetParent !== null).map(e => {"
        " const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height, text: e.innerText}; })"
    )


def overlap(a: dict, b: dict) -> bool:
    apart_x = a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
    apart_y = a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"]
    return not (apart_x or apart_y)


def assert_actions_apart(page: Page, rows: str) -> int:
    """Each row's actions: no two overlap, each at least 44 px high, on one line where they fit."""
    checked = 0
    for row in page.locator(rows).all():
        if not row.is_visible():
            continue
        actions = boxes(row, ".l25-action")
        for i, a in enumerate(actions):
            assert a["h"] >= MIN_TARGET, f"{a['text']!r} is {a['h']} px high"
            for b in actions[i + 1 :]:
                assert not overlap(a, b), f"{a['text']!r} and {b['text']!r} overlap: {a} {b}"
        checked += len(actions)
    return checked


def open_plg(page: Page) -> None:
    page.goto("/plg/")
    page.get_by_role("link", name=PLG_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PLG_TITLE)


@pytest.mark.parametrize("width", WIDTHS)
def test_row_actions_neither_overlap_nor_shrink_below_44_px(page, sign_in, width):
    page.set_viewport_size({"width": width, "height": VIEWPORTS["ipad"]["height"]})
    sign_in(page, CLARA)  # leads the PLG: may promote and remove David
    open_plg(page)

    assert assert_actions_apart(page, "#mitglieder .l25-items > li") >= 2
    member_row = page.locator("#mitglieder .l25-items > li", has_text=DAVID.name)
    expect(member_row.locator(".l25-action")).to_have_text(["Zur Leitung machen David Dietz", "Entfernen David Dietz"])

    page.get_by_role("link", name=TOPIC_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TOPIC_TITLE)
    assert assert_actions_apart(page, "#messages .l25-message") >= 2
    first = page.locator("#messages .l25-message").first
    centres = {round(b["y"] + b["h"] / 2) for b in boxes(first, ".l25-action")}
    if width >= 810:
        assert len(centres) == 1, f"the message's actions are not on one line: {boxes(first, '.l25-action')}"


def test_mentions_are_an_autocomplete_in_the_text_box(page, sign_in):
    sign_in(page, CLARA)
    open_plg(page)
    page.get_by_role("link", name=TOPIC_TITLE).click()
    box = page.get_by_label("Ihr Beitrag")
    expect(box).to_have_attribute("aria-autocomplete", "list")  # js/mentions.js has started
    box.click()

    # No Tab stop per member between the text box and "Senden" (the hint's "Material" link at most).
    stops = 0
    send = page.get_by_role("button", name="Senden")
    while not send.evaluate("b => b === document.activeElement"):
        page.keyboard.press("Tab")
        stops += 1
        assert stops <= 3, "more than two Tab stops between the text box and the send button"

    box.focus()
    page.keyboard.type("Danke @da")
    option = page.get_by_role("option", name=f"@{DAVID.name}")
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "mention-option-0")
    expect(page.locator("#mention-status")).to_have_text("1 Mitglied gefunden")
    page.keyboard.press("Enter")
    expect(box).to_have_value(f"Danke @{DAVID.name} ")
    expect(box).to_be_focused()
    expect(page.get_by_role("listbox")).to_be_hidden()

    page.keyboard.type("und @niemand ")
    expect(page.get_by_role("listbox")).to_be_hidden()
    page.keyboard.press("Escape")
    assert page.l25_errors == []


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/plg/", "PLGs"),
        ("/plg-ergebnisse/", "Ergebnisse"),
        ("/benachrichtigungen/", "Benachrichtigungen"),
        ("/", "Start"),
    ],
)
def test_the_header_marks_exactly_the_current_item(page, sign_in, path, current):
    sign_in(page, CLARA)
    page.goto(path)

    marked = page.locator("header [aria-current=page]")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text(current)


def test_header_items_share_one_type_size_and_neutral_badges_have_a_frame(page, sign_in):
    sign_in(page, CLARA)
    open_plg(page)

    sizes = page.locator("header a, header button, .l25-header__user").evaluate_all(
        "els => els.filter(e => !e.classList.contains('l25-brand') && e.offsetParent !== null)"
        ".map(e => getComputedStyle(e).fontSize)"
    )
    assert len(set(sizes)) == 1, sizes
    neutral = page.locator(".kern-badge:not([class*='kern-badge--'])").first
    assert neutral.evaluate("b => parseFloat(getComputedStyle(b).borderTopWidth)") >= 1


@pytest.mark.parametrize("width", WIDTHS)
def test_a_checkbox_hint_runs_under_its_label_not_squeezed_beside_the_box(page, sign_in, width):
    page.set_viewport_size({"width": width, "height": VIEWPORTS["ipad"]["height"]})
    sign_in(page, CLARA)
    page.goto("/profil/")

    hints = boxes(page, ".kern-form-check > .kern-hint")
    assert hints, "the profile has checkboxes with hints"
    for hint in hints:
        assert hint["w"] >= min(250, width - 100), f"hint squeezed to {hint['w']} px: {hint['text']!r}"
        assert hint["h"] <= 120, f"hint {hint['h']} px tall: {hint['text']!r}"
