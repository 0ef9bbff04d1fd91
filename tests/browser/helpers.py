"""Helpers of the browser tests that several test modules use (fixtures live in conftest.py)."""

from __future__ import annotations

MAX_TABS = 30  # more than the header and the form have; a loop that never finds its target fails


def tab_to(page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    target = page.locator(selector)
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} was not reached with {MAX_TABS} presses of Tab")
