"""A quicker debrief (issue 16, point 7): the emotions in one grid, filled by keyboard alone.

The debrief used to ask for thirteen dropdowns, two clicks each. Now each emotion is a row of
pills (a radio group): Tab reaches a row, the arrow keys pick its intensity. The grid posts the
same field names and values as the dropdowns did, so what is saved is the same.
"""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from integration.clients.models import Client
from integration.clock import utcnow
from integration.extensions import db
from tests.factories import DosingSessionFactory

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


PHONE = {"width": 390, "height": 844}


def test_a_debrief_starts_from_a_practice_template(signed_in, live_server, admin_account):
    """The admin writes a debrief template in practice settings; the debrief started from the session's
    page with it shows its prompts and starting text. Clicks and heights are printed for the report."""
    browse, page = signed_in, signed_in.page
    page.set_viewport_size(DESK)
    record = make_record(live_server, admin_account)

    page.wait_for_load_state("networkidle")  # signing in just landed on the clients' list
    browse.goto("/clients/")
    browse.check("templates-clients")
    browse.goto(record.session_path())  # before any template: the session's page as it was
    browse.check("templates-session-before")
    before = {DESK["width"]: page_height(page)}
    page.set_viewport_size(PHONE)
    before[PHONE["width"]] = page_height(page)
    page.set_viewport_size(DESK)
    browse.goto("/settings/practice")
    browse.check("templates-practice-settings")
    page.get_by_role("link", name="Note templates").click()
    expect(page.get_by_role("heading", name="Note templates")).to_be_visible()
    browse.check("templates-index-empty")
    page.get_by_role("link", name="New post-session debrief template").click()
    page.get_by_role("textbox", name="Name").fill("First debrief")
    experience = page.get_by_role("group", name="The experience, in the client's words")
    experience.get_by_role("textbox", name="Prompt").fill("Start with their first words after the session.")
    page.get_by_role("group", name="Next steps").get_by_role("textbox", name="Starting text").fill(
        "Check-in call within 48 hours.")
    browse.check("templates-new")
    page.get_by_role("button", name="Create the template").click()
    expect(page.get_by_role("link", name="First debrief")).to_be_visible()
    browse.check("templates-index")
    page.set_viewport_size(PHONE)
    browse.check("templates-index-390")
    page.get_by_role("link", name="First debrief").click()
    expect(page.get_by_role("button", name="Save a new version")).to_be_visible()
    browse.check("templates-edit-390")

    page.set_viewport_size(PHONE)
    browse.goto(record.session_path())
    picker = page.get_by_role("combobox", name="Template")
    expect(picker).to_have_value("0")  # never used: none picked
    browse.check("templates-session-390")
    after_phone = page_height(page)
    page.set_viewport_size(DESK)
    print(f"\nsession page without templates {before[1280]} px at 1280, {before[390]} at 390; with the picker "
          f"{page_height(page)} at 1280, {after_phone} at 390")
    picker.select_option(label="First debrief")  # with a mouse: two clicks, open and pick
    page.get_by_role("button", name="Start the debrief for session 1").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Post-session debrief · "))).to_be_visible()
    expect(page.get_by_text("Start with their first words after the session.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Next steps", exact=True)).to_have_value("Check-in call within 48 hours.")
    expect(page.get_by_text("from the template “First debrief” (version 1)")).to_be_visible()
    browse.check("debrief-from-template")
    desk = page_height(page)
    page.set_viewport_size(PHONE)
    phone = page_height(page)
    print(f"\ndebrief from a template: 1 click to start once it is remembered (3 the first time: open the list, "
          f"pick, start); {desk} px tall at 1280, {phone} px at 390")

    # The next session's debrief: the template is already picked, so starting it is one click again.
    with live_server.app.app_context():
        second = DosingSessionFactory(client=db.session.get(Client, record.client_id), number=2, started_at=utcnow() - timedelta(hours=3))
        second_path = f"/clients/{record.client_id}/sessions/{second.id}"
        db.session.remove()
    browse.goto(second_path)
    expect(page.get_by_role("combobox", name="Template")).not_to_have_value("0")
    browse.check("templates-session-remembered")
