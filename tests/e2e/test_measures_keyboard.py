"""Entering a PHQ-9 with the keyboard alone (issue 12): Tab from item to item, Space to answer, the arrow
keys to move to another answer, Enter to save; the scores, the chart and the item-9 alert follow. Every
page is axe-checked."""
from __future__ import annotations

from playwright.sync_api import expect

from integration.extensions import db
from tests.e2e.conftest import Account, Browsing, sign_in
from tests.factories import PASSWORD, ClientFactory, PracticeFactory, UserFactory

# The score for each of the nine items: how many times the right arrow moves on from "Not at all".
ANSWERS = [1, 2, 0, 1, 3, 0, 1, 0, 1]


def test_a_clinician_enters_a_phq9_by_keyboard_only(browse: Browsing, live_server):
    with live_server.app.app_context():
        practice = PracticeFactory(name="Cedar Integration Practice")
        theo = UserFactory(practice=practice, role="therapist", profession="therapist", name="Theo Marchetti",
                           email="theo@cedar.example")
        client_id = ClientFactory.for_team(theo, first_name="Wren", last_name="Halloway").id
        account = Account(theo.email, PASSWORD, theo.name, practice.name)
        db.session.remove()
    page = browse.page
    browse.goto("/login")
    browse.check("measures-login")
    sign_in(browse, account)
    browse.check("measures-clients")
    browse.goto(f"/clients/{client_id}/measures/new?measure=phq9")
    browse.check("measures-phq9-entry")

    page.locator("#dosing_session_id").focus()  # the field before the items (the date field has segments)
    for score in ANSWERS:
        page.keyboard.press("Tab")  # into the next item's radio group
        page.keyboard.press("Space")  # "Not at all" (0)
        for _ in range(score):
            page.keyboard.press("ArrowRight")  # moves to the next answer and chooses it
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # "Not difficult at all"
    for number, score in enumerate(ANSWERS, start=1):
        expect(page.locator(f"input[name=item_{number}][value='{score}']")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save PHQ-9")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(browse.server / f"/clients/{client_id}/measures#measure-phq9")
    expect(page.locator(".flash").first).to_contain_text("PHQ-9 saved: 9, mild. 1 alert raised")
    expect(page.locator(".measure-table")).to_contain_text("9 of 27")
    expect(page.locator("#alerts")).to_contain_text("item 9 answered “Several days” (1)")
    expect(page.locator("svg.measure-svg circle.chart-point")).to_have_count(1)
    browse.check("measures-after-entry")
