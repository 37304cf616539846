"""Break-glass through a real browser (issue 10): a practice admin without clinical access opens one
client's record in an emergency, with a reason, for an hour; the care team then sees who, when and why.

Only the setting is made in the database (a clinician with a client and a signed debrief, and a
practice admin who is no clinician); the rest is done the way people do it. Every page is axe-checked.
"""
from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import expect

from integration.extensions import db
from tests.e2e.conftest import Account, Browsing, sign_in
from tests.factories import PASSWORD, ClientFactory, NoteFactory, PracticeFactory, UserFactory, debrief_content

REASON = "The client's partner phoned at 2 am; no one on the care team answers."
SAFETY_ANSWER = "No thoughts of harming themselves tonight."


@dataclass
class Setting:
    admin: Account
    clinician: Account
    client_id: int
    note_id: int


def make_setting(live_server) -> Setting:
    with live_server.app.app_context():
        practice = PracticeFactory(name="Cedar Integration Practice")
        admin = UserFactory(practice=practice, role="admin", name="Morgan Ellery", credentials="",
                            email="morgan@cedar.example")
        theo = UserFactory(practice=practice, role="therapist", profession="therapist", name="Theo Marchetti",
                           credentials="PsyD", email="theo@cedar.example")
        wren = ClientFactory.for_team(theo, first_name="Wren", last_name="Halloway")
        note = NoteFactory.signed(client=wren, author=theo, kind="debrief", content=debrief_content(**{"safety-answer": SAFETY_ANSWER}))
        setting = Setting(admin=Account(admin.email, PASSWORD, admin.name, practice.name),
                          clinician=Account(theo.email, PASSWORD, theo.name, practice.name),
                          client_id=wren.id, note_id=note.id)
        db.session.remove()
    return setting


def test_an_admin_breaks_the_glass_with_a_reason_and_the_care_team_sees_it(browse: Browsing, live_server):
    setting = make_setting(live_server)
    page = browse.page
    browse.goto("/login")
    browse.check("break-glass-login")
    sign_in(browse, setting.admin)
    browse.check("break-glass-clients")

    # The admin sees the client's details and care team, not the clinical record.
    page.get_by_role("link", name="Halloway, Wren").click()
    expect(page.get_by_role("heading", name="Clinical record")).to_be_visible()
    expect(page.get_by_role("heading", name="Timeline")).to_have_count(0)
    expect(page.locator("#care-team")).to_contain_text("Theo Marchetti")
    expect(page.get_by_role("navigation", name="Client record").get_by_role("link")).to_have_text(
        ["Overview", "Group circles"])
    browse.check("break-glass-closed")

    # A reason is required; the form says so and keeps the page.
    page.get_by_text("Emergency access (break-glass)").click()
    browse.allow_status(422, f"/clients/{setting.client_id}/break-glass")
    page.get_by_role("button", name="Open the clinical record for 60 minutes").click()
    expect(page.locator(".field-error")).to_contain_text("Write the reason")
    browse.check("break-glass-no-reason")
    page.get_by_label("Why you need the clinical record now").fill(REASON)
    page.get_by_role("button", name="Open the clinical record for 60 minutes").click()
    expect(page).to_have_url(browse.server / f"/clients/{setting.client_id}")
    expect(page.get_by_role("status").first).to_contain_text("The clinical record is open to you for 60 minutes")
    expect(page.locator(".break-glass-banner")).to_contain_text("Emergency access (break-glass)")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    browse.check("break-glass-open")

    # The record reads now: the debrief with its safety check; nothing can be changed.
    page.get_by_role("link", name="Post-session debrief").first.click()
    expect(page.get_by_text(SAFETY_ANSWER)).to_be_visible()
    expect(page.get_by_role("button", name="Add addendum")).to_have_count(0)
    browse.check("break-glass-note")

    # The audit log has the opening as its own action, with the reason.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    opened = page.get_by_role("row").filter(has_text=REASON)  # (the refused first try is a row of its own)
    expect(opened).to_contain_text("break-glass")
    expect(opened).to_contain_text("Wren Halloway")
    browse.check("break-glass-audit")
    page.locator("details.dropdown summary").click()
    page.get_by_role("button", name="Sign out").click()
    browse.check("break-glass-signed-out")

    # The clinician on the care team sees who opened the record, when, and why.
    sign_in(browse, setting.clinician)
    browse.check("break-glass-clinician-clients")
    page.get_by_role("link", name="Halloway, Wren").click()
    notice = page.locator(".break-glass-log")
    expect(notice).to_contain_text("Morgan Ellery")
    expect(notice).to_contain_text(REASON)
    browse.check("break-glass-seen-by-the-care-team")
