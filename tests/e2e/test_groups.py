"""A group circle through a real browser (issue 5): attendance for the whole roster from one screen,
an individual note written and signed, and the session on the client's own record.

Only the setting is made in the database (two clients on the admin's care team, a circle the admin
facilitates with both enrolled, and yesterday's session); everything else is done the way a
facilitator does it. Every page landed on is screenshotted and axe-checked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from playwright.sync_api import expect

from integration.auth.models import User
from integration.clock import utcnow
from integration.extensions import db
from tests.e2e.conftest import Account, Browsing
from tests.factories import ClientFactory, EnrollmentFactory, GroupSeriesFactory, GroupSessionFactory

SERIES = "Tuesday evening integration circle"
THEME = "The body remembers"


@dataclass
class Circle:
    series_id: int
    session_id: int
    wren_id: int


def make_circle(live_server, account: Account) -> Circle:
    with live_server.app.app_context():
        admin = User.by_email(account.email)
        wren = ClientFactory.for_team(admin, first_name="Wren", last_name="Halloway")
        juno = ClientFactory.for_team(admin, first_name="Juno", last_name="Pike")
        series = GroupSeriesFactory.run_by(admin, name=SERIES, capacity=6, place="The garden room")
        for person in (wren, juno):
            EnrollmentFactory(series=series, client=person)
        session = GroupSessionFactory(series=series, theme=THEME, starts_at=utcnow() - timedelta(days=1))
        circle = Circle(series_id=series.id, session_id=session.id, wren_id=wren.id)
        db.session.remove()
    return circle


def test_a_facilitator_runs_a_circle_from_roster_to_signed_note(signed_in: Browsing, live_server, admin_account):
    circle = make_circle(live_server, admin_account)
    browse, page = signed_in, signed_in.page

    browse.goto("/clients/")
    browse.check("groups-clients")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Circles").click()
    expect(page.get_by_role("heading", name="Group circles", level=1)).to_be_visible()
    browse.check("groups-index")
    page.get_by_role("link", name=SERIES).click()
    expect(page).to_have_url(browse.server / f"/groups/{circle.series_id}")
    roster = page.locator("#roster")
    expect(roster).to_contain_text("Wren Halloway")
    expect(roster).to_contain_text("Juno Pike")
    browse.check("groups-series")

    # Attendance for the whole roster, one radio group each, one submit.
    page.get_by_role("link", name=re.compile(r"6:?\d* ?[AP]M|\d{4} ·")).first.click()
    expect(page).to_have_url(browse.server / f"/groups/{circle.series_id}/sessions/{circle.session_id}")
    expect(page.get_by_role("heading", name="Attendance")).to_be_visible()
    browse.check("groups-attendance-empty")
    page.get_by_role("group", name="Attendance for Wren Halloway").get_by_label("Present").check()
    page.get_by_role("group", name="Attendance for Juno Pike").get_by_label("Late").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("status").first).to_contain_text("Attendance saved: 1 present, 1 late.")
    expect(page.get_by_role("group", name="Attendance for Wren Halloway").get_by_label("Present")).to_be_checked()
    browse.check("groups-attendance")

    # The group note: themes and process, for facilitators only, in the same editor as every note
    # (it saves itself as you write).
    session_path = browse.path
    page.get_by_role("button", name="Write the group note").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Group note · "))).to_be_visible()
    page.get_by_role("textbox", name="Themes and process").fill("Themes of rest and return. The circle was warm and unhurried.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_contain_text(re.compile(r"^Saved \d"))
    browse.check("groups-group-note")
    page.goto(browse.server / session_path)
    expect(page.get_by_role("link", name="Open the group note")).to_be_visible()
    browse.check("groups-attendance-group-note")

    # Wren's individual note, through her own record's note pages.
    page.get_by_role("button", name="Write note for Wren Halloway").click()
    expect(page).to_have_url(re.compile(rf"/clients/{circle.wren_id}/notes/\d+$"))
    note_path = browse.path
    expect(page.get_by_role("heading", name=re.compile(r"^Group circle · "))).to_be_visible()
    expect(page.get_by_role("link", name=SERIES)).to_be_visible()
    page.get_by_role("textbox", name="Participation", exact=True).fill("Spoke twice; stayed for tea.")
    page.get_by_role("textbox", name="What they brought", exact=True).fill(
        "Wren described the orchard at dusk, and how her shoulders dropped.")
    page.get_by_role("textbox", name="Next steps", exact=True).fill("Evening walk three times this week.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d{1,2}:\d{2} [AP]M$"))
    browse.check("groups-individual-note-draft")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_role("status").first).to_contain_text("Signed. The note is locked now")
    expect(page.locator("article.note-read")).to_contain_text("orchard at dusk")
    browse.check("groups-individual-note-signed")

    # Back on the attendance screen, her row says the note is signed; Juno's still waits.
    page.get_by_role("link", name="back to the session’s attendance").click()
    wren_row = page.locator("table.attendance-table tr").filter(has_text="Wren Halloway")
    expect(wren_row.get_by_role("link", name="Open note for Wren Halloway")).to_have_attribute("href", note_path)
    expect(wren_row).to_contain_text("Signed")
    expect(page.get_by_role("button", name="Write note for Juno Pike")).to_be_visible()
    browse.check("groups-attendance-after-note")

    # Her overview shows the session (series, date, theme) and her own note, never Juno.
    browse.goto(f"/clients/{circle.wren_id}")
    timeline = page.locator("section.timeline")
    circle_entry = timeline.locator("li.timeline-group")
    expect(circle_entry).to_contain_text(SERIES)
    expect(circle_entry).to_contain_text(THEME)
    expect(circle_entry).to_contain_text("Present")
    expect(timeline.locator("li.timeline-note")).to_contain_text(f"Group circle: {SERIES}")
    expect(timeline.locator("li.timeline-note").get_by_role("link")).to_have_attribute("href", note_path)
    expect(page.locator("main")).not_to_contain_text("Juno")
    expect(page.locator("main")).not_to_contain_text("Themes of rest and return")
    browse.check("groups-client-overview")

    # Her circle tab: attendance history with her own note.
    page.get_by_role("navigation", name="Client record").get_by_role("link", name="Group circles").click()
    expect(page).to_have_url(browse.server / f"/clients/{circle.wren_id}/groups")
    row = page.locator("table.attendance-history tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(THEME)
    expect(row.get_by_role("link", name="Signed note")).to_have_attribute("href", note_path)
    expect(page.locator("main")).not_to_contain_text("Juno")
    browse.check("groups-client-tab")
