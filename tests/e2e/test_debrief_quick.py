"""A quicker debrief (issue 16, point 7): the emotions in one grid, filled by keyboard alone.

The debrief used to ask for thirteen dropdowns, two clicks each. Now each emotion is a row of
pills (a radio group): Tab reaches a row, the arrow keys pick its intensity. The grid posts the
same field names and values as the dropdowns did, so what is saved is the same.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_notes_flow import make_record, server_fields, start_debrief

DESK = {"width": 1280, "height": 900}


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def test_emotions_are_filled_by_keyboard_alone_and_saved(signed_in, live_server, admin_account):
    browse, page = signed_in, signed_in.page
    page.set_viewport_size(DESK)
    record = make_record(live_server, admin_account)
    note_path = start_debrief(browse, record)
    browse.check("debrief-quick-new")
    print(f"\nnew debrief at 1280 px: {page_height(page)} px tall")

    grid = page.get_by_role("group", name="Emotions")
    peace = grid.get_by_role("radiogroup", name="Peace, calm")
    expect(peace.get_by_role("radio", name="Not present")).to_be_checked()

    # Into the grid from the field before it; then Tab from row to row, arrows within a row.
    page.get_by_role("textbox", name="The experience, in the client's words", exact=True).focus()
    keys = 0
    page.keyboard.press("Tab")  # "+ insight" beside the experience
    page.keyboard.press("Tab")  # the Emotions section's fold
    page.keyboard.press("Tab")  # onto Peace, calm (its checked pill: "Not present")
    keys += 3
    expect(peace.get_by_role("radio", name="Not present")).to_be_focused()
    for _ in range(3):  # Peace: 3 · moderate
        page.keyboard.press("ArrowRight")
        keys += 1
    page.keyboard.press("Tab")  # Joy: left unset
    page.keyboard.press("Tab")  # Love, connection
    keys += 2
    page.keyboard.press("ArrowRight")  # 1 · faint
    page.keyboard.press("ArrowRight")  # 2 · mild
    keys += 2
    for _ in range(4):  # on past Gratitude, Awe and Relief to Grief, sadness
        page.keyboard.press("Tab")
        keys += 1
    for _ in range(4):  # Grief: 4 · strong
        page.keyboard.press("ArrowRight")
        keys += 1
    print(f"three emotions set with {keys} keypresses, no clicks")

    expect(peace.get_by_role("radio", name="3 · moderate")).to_be_checked()
    expect(grid.get_by_role("radiogroup", name="Grief, sadness").get_by_role("radio", name="4 · strong")).to_be_checked()
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved "))

    page.reload()
    expect(peace.get_by_role("radio", name="3 · moderate")).to_be_checked()
    expect(grid.get_by_role("radiogroup", name="Love, connection").get_by_role("radio", name="2 · mild")).to_be_checked()
    expect(grid.get_by_role("radiogroup", name="Joy").get_by_role("radio", name="Not present")).to_be_checked()
    browse.check("debrief-quick-emotions-saved")

    # A skipped section folds to one line; a folded section with text says what it holds, and is still saved.
    body = page.get_by_role("textbox", name="Body sensations", exact=True)
    body.fill("Heavy legs, then lightness in the chest.")
    page.locator("#s-body").click()  # the section's heading is its fold
    expect(body).to_be_hidden()
    expect(page.locator("section[aria-labelledby=s-body] [data-fold-summary]")).to_have_text(
        "Heavy legs, then lightness in the chest.")
    page.locator("#s-imagery").click()
    expect(page.locator("section[aria-labelledby=s-imagery] [data-fold-summary]")).to_have_text("Nothing written")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved "))

    # "+ insight" beside a section opens the insight form below the note, the cursor in it.
    page.get_by_role("link", name="+ insight from challenging moments").click()
    expect(page.locator("#insights").get_by_role("textbox", name="Insight", exact=True)).to_be_focused()
    browse.check("debrief-quick-folded")

    fields = server_fields(live_server, note_path)
    assert fields["body"] == "Heavy legs, then lightness in the chest."
    assert (fields["emotion-peace"], fields["emotion-love"], fields["emotion-grief"]) == ("3", "2", "4")
    assert fields["emotion-joy"] == "", "an emotion left alone stays unset"
