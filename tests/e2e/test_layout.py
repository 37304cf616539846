"""Everyday use on a phone and at a desk (issue 16): every main page reflows down to 320 px.

The demo practice is loaded (every area's story: notes, insights, goals, history, plans with
appointments, circles, audit rows), then a therapist, a coach and an admin each visit the pages
they use at 320 and 390 px wide (and at 1280, for the screenshots). No page may scroll sideways:
`document.documentElement.scrollWidth` stays within the window. Wide tables scroll inside their
own keyboard-reachable region instead, and the top menu folds into a disclosure button.

The pages run under the real Content-Security-Policy (`strict_browse`): the compact menu must
work without inline script.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from integration.auth.models import User
from integration.clients.models import CareTeamMember, Client, Goal, HistoryItem
from integration.demo import PEOPLE, load_demo
from integration.extensions import db
from integration.groups.models import GroupNote, GroupSeries, GroupSession
from integration.notes.models import DosingSession, Note
from integration.plans.models import LibraryPractice, Plan
from tests.e2e.conftest import Account, shot, sign_in
from tests.factories import PlanFactory, PlanItemFactory

WIDTHS = (320, 390)
SCREENSHOT_WIDTHS = (320, 390, 1280)
SCREENSHOTS = ("/clients/", "/audit/", "/team", "/groups/", "/library")  # and every plan, note and new goal


@dataclass
class Visit:
    account: Account
    paths: list[str]


def _account(role: str, first_of_role: int = 0) -> Account:
    people = [p for p in PEOPLE if p[0] == role]
    _, email, name, _, password = people[first_of_role]
    return Account(email=email, password=password, name=name, practice="demo")


def _client_of(user: User) -> Client:
    """The care-team client of this person with the most in their record."""
    clients = db.session.scalars(select(Client).join(CareTeamMember).where(CareTeamMember.user_id == user.id)
                                 .order_by(Client.id)).all()
    return max(clients, key=lambda c: (len(db.session.scalars(select(Note).where(Note.client_id == c.id)).all()),
                                       len(db.session.scalars(select(Plan).where(Plan.client_id == c.id)).all())))


def _first(model, *where):
    found = db.session.scalars(select(model).where(*where).order_by(model.id)).first()
    assert found is not None, f"the demo practice has no {model.__name__} for {where}"
    return found


def _draft_plan(client: Client, goal: Goal) -> Plan:
    """A plan still being built (the demo's plans are all delivered), with appointments and items."""
    plan = PlanFactory(client=client, appointments=[
        {"on": "2026-12-03", "at": "15:00", "what": "Integration session with a long description of where to go"},
        {"on": "2026-12-10", "at": "", "what": ""}])
    PlanItemFactory(plan=plan, title="Write down what stayed with you, in as many words as it takes to say it")
    PlanItemFactory(plan=plan, title="Walk", schedule_kind="weekly", schedule_values=[2])
    db.session.commit()
    return plan


def _record_paths(client: Client) -> list[str]:
    base = f"/clients/{client.id}"
    goal = _first(Goal, Goal.client_id == client.id)
    plan = _draft_plan(client, goal)
    return [f"{base}", f"{base}/goals", f"{base}/goals/{goal.id}", f"{base}/goals/new", f"{base}/goals/{goal.id}/edit",
            f"{base}/plans", f"{base}/plans/{plan.id}", f"{base}/plans/{plan.id}/preview",
            f"{base}/plans/{plan.id}/edit", f"{base}/plans/{plan.id}/items/new"]


def _pages(app) -> dict[str, Visit]:
    """Load the demo practice; return, for each role, the pages that person uses."""
    with app.app_context():
        load_demo()
        therapist = User.by_email(_account("therapist").email)
        coach = User.by_email(_account("coach").email)
        mine = _client_of(therapist)
        coached = _client_of(coach)
        base = f"/clients/{mine.id}"
        dosing = _first(DosingSession, DosingSession.client_id == mine.id)
        note = _first(Note, Note.client_id == mine.id)
        history = _first(HistoryItem, HistoryItem.client_id == mine.id)
        group_note = _first(GroupNote, GroupNote.group_session_id.in_(
            select(GroupSession.id).join(GroupSeries).where(GroupSeries.facilitators.contains(therapist))))
        group_session = group_note.group_session
        series = group_session.series
        library = _first(LibraryPractice, LibraryPractice.practice_id == therapist.practice_id)
        clinical = [
            "/clients/", "/search?q=sleep", "/clients/new", f"{base}/edit",
            f"{base}/sessions", f"{base}/sessions/{dosing.id}", f"{base}/sessions/new",
            f"{base}/notes/{note.id}", f"{base}/notes/new?session={dosing.id}",
            f"{base}/insights", f"{base}/history", f"{base}/history/{history.id}", f"{base}/history/new",
            f"{base}/groups", f"{base}/search?q=sleep", f"{base}/export",
            *_record_paths(mine),
            "/groups/", f"/groups/{series.id}", f"/groups/{series.id}/sessions/{group_session.id}",
            f"/groups/{series.id}/sessions/{group_session.id}/note", "/groups/new",
            "/library", "/library/new", "/account/password", "/account/security",
            "/worklist", f"{base}/measures", f"{base}/measures/new?measure=phq9",
        ]
        coaching = ["/clients/", *_record_paths(coached), "/library", "/library/new",
                    "/groups/", "/account/security"]
        admin_user = User.by_email(_account("admin").email)
        running = ["/clients/", "/team", f"/team/{therapist.id}/edit", "/team/new", "/audit/",
                   "/audit/?action=view", "/settings/plans", "/settings/security", "/library", f"/library/{library.id}/edit",
                   "/groups/", "/account/password", "/account/security", "/settings/practice",
                   "/measures/practice"]
        assert admin_user is not None
        db.session.remove()
    return {"therapist": Visit(_account("therapist"), clinical),
            "coach": Visit(_account("coach"), coaching),
            "admin": Visit(_account("admin"), running)}


_OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [];
  if (root.scrollWidth > window.innerWidth) {
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.right > window.innerWidth + 0.5 && el.checkVisibility() && !el.closest(".table-scroll")) {
        wide.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : ""} right=${Math.round(box.right)}`);
      }
    }
  }
  return {scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, wide: wide.slice(0, 8)};
}"""


def _measure(page, width: int) -> dict:
    page.set_viewport_size({"width": width, "height": 800})
    return page.evaluate(_OVERFLOW)


@pytest.mark.parametrize("role", ["therapist", "coach", "admin"])
def test_every_main_page_reflows_to_320_px_without_scrolling_sideways(strict_browse, live_server, role):
    visit = _pages(live_server.app)[role]
    page = strict_browse.page
    page.set_viewport_size({"width": 390, "height": 800})
    strict_browse.goto("/login")
    sign_in(strict_browse, visit.account)
    too_wide = []
    for path in visit.paths:
        response = strict_browse.goto(path)
        assert response is not None and response.ok, f"{role}: {path} answered {response and response.status}"
        for width in WIDTHS:
            seen = _measure(page, width)
            if seen["scrollWidth"] > seen["innerWidth"]:
                too_wide.append(f"{path} at {width}px: {seen['scrollWidth']}px wide; sticking out: {seen['wide']}")
        if path in SCREENSHOTS or "/plans/" in path or "/notes/" in path or path.endswith("/goals/new"):
            for width in SCREENSHOT_WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                shot(page, f"layout-{role}-{width}-{path}")
    assert not too_wide, f"{role}: pages wider than the window:\n" + "\n".join(too_wide)


def test_the_compact_menu_opens_with_the_keyboard_and_reaches_sign_out(strict_browse, live_server):
    visit = _pages(live_server.app)["admin"]
    page = strict_browse.page
    page.set_viewport_size({"width": 320, "height": 700})
    strict_browse.goto("/login")
    sign_in(strict_browse, visit.account)
    menu = page.locator(".site-menu > summary")
    team = page.get_by_role("link", name="Team")
    expect(menu).to_be_visible()
    expect(team).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(team).to_be_visible()
    _assert_on_screen(team, 320)
    # Escape folds it again, and the keyboard is back on the button.
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(team).to_be_hidden()
    expect(menu).to_be_focused()
    page.keyboard.press("Space")
    expect(team).to_be_visible()
    # The account menu (settings, sign out) sits inside the compact menu, on screen too.
    account = page.locator(".account-menu > summary")
    account.focus()
    page.keyboard.press("Enter")
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    _assert_on_screen(sign_out, 320)
    _assert_on_screen(page.get_by_role("link", name="Security settings"), 320)
    sign_out.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server / "login")


def _assert_on_screen(locator, width: int) -> None:
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, f"off-screen: {box}"


def test_at_a_desk_the_menu_is_a_plain_row_of_links(strict_browse, live_server):
    visit = _pages(live_server.app)["admin"]
    page = strict_browse.page
    page.set_viewport_size({"width": 1280, "height": 800})
    strict_browse.goto("/login")
    sign_in(strict_browse, visit.account)
    expect(page.locator(".site-menu > summary")).to_be_hidden()
    expect(page.get_by_role("link", name="Audit log")).to_be_visible()


def test_a_wide_table_scrolls_inside_a_region_the_keyboard_reaches(strict_browse, live_server):
    visit = _pages(live_server.app)["admin"]
    page = strict_browse.page
    page.set_viewport_size({"width": 320, "height": 700})
    strict_browse.goto("/login")
    sign_in(strict_browse, visit.account)
    strict_browse.goto("/audit/")
    region = page.get_by_role("region", name="Audit events")
    expect(region).to_have_attribute("tabindex", "0")
    sizes = region.evaluate("el => ({scroll: el.scrollWidth, client: el.clientWidth})")
    assert sizes["scroll"] > sizes["client"], "the audit table fits at 320 px: this test shows nothing"
    region.focus()
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("End")
    # Scrolling may be smooth: wait for it to move (the test fails on the timeout if it never does).
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())
