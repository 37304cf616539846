"""A plan's content changes only as a draft, each change moving its revision on; finalizing stores the
PDF and the calendar of one plan document, and is refused when the plan changed while they were made;
what was delivered is served exactly as stored; a link is revoked once."""
import hashlib
import threading

import pytest
from icalendar import Calendar
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.extensions import db
from integration.plans.models import Plan, PlanExport, PlanItem, ShareLink
from tests.factories import (PASSWORD, ClientFactory, GoalFactory, LibraryPracticeFactory, PlanFactory,
                             PlanItemFactory)

CHANGED_WHILE_PREPARING = "The plan changed while it was being prepared. Look it over, then finalize again."


@pytest.fixture
def person(coach):
    return ClientFactory.for_team(coach, preferred_name="June")


@pytest.fixture
def plan(person):
    plan = PlanFactory(client=person)
    PlanItemFactory(plan=plan, title="Evening pages", schedule_kind="days", schedule_values=[0, 1, 2])
    PlanItemFactory(plan=plan, title="Walk by the water", schedule_kind="weekly", schedule_values=[5])
    return plan


def item_form(title: str, **extra) -> dict:
    return {"category": "journaling", "title": title, "instructions": "Write for ten minutes.",
            "schedule_kind": "days", "days": ["0", "1"], "time_of_day": "evening", "prompts": "", **extra}


def url(plan, tail: str = "") -> str:
    return f"/clients/{plan.client_id}/plans/{plan.id}{tail}"


def stored(plan_id: int) -> Plan:
    return db.session.get(Plan, plan_id)


def titles(plan_id: int) -> list[str]:
    return [item.title for item in stored(plan_id).items]


# Every way a plan's content changes: (name, request, what the plan shows afterwards).
CHANGES = {
    "message and dates": lambda http, plan, ids: http.post(url(plan, "/edit"), data={
        "dosing_session_id": "0", "start_date": "2025-03-04", "message": "New words"}),
    "add from the library": lambda http, plan, ids: http.post(url(plan, "/items/from-library"),
                                                              data={"library_id": ids["library"]}),
    "new item": lambda http, plan, ids: http.post(url(plan, "/items/new"), data=item_form("Morning pages")),
    "edit an item and its goals": lambda http, plan, ids: http.post(
        url(plan, f"/items/{ids['first']}/edit"), data=item_form("Evening pages, slowly", goals=[ids["goal"]])),
    "remove an item": lambda http, plan, ids: http.post(url(plan, f"/items/{ids['first']}/delete")),
    "move an item": lambda http, plan, ids: http.post(url(plan, f"/items/{ids['first']}/move"),
                                                      data={"direction": "down"}),
    "reorder": lambda http, plan, ids: http.post(url(plan, "/items/order"),
                                                 data={"item_id": [ids["second"], ids["first"]]}),
}


@pytest.fixture
def ids(plan, person, practice):
    first, second = stored(plan.id).items
    return {"first": first.id, "second": second.id, "goal": GoalFactory(client=person, title="Rest").id,
            "library": LibraryPracticeFactory(practice_id=practice.id, title="A slow walk").id}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_of_a_drafts_content_moves_its_revision_on(client, auth, coach, plan, ids, change):
    auth.login(coach)
    before = (stored(plan.id).revision, titles(plan.id), stored(plan.id).message)
    response = CHANGES[change](client, plan, ids)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert stored(plan.id).revision == before[0] + 1
    assert (titles(plan.id), stored(plan.id).message) != before[1:], "the change was not saved"


@pytest.mark.parametrize("change", [*CHANGES, "discard"])
def test_a_finalized_plan_refuses_every_change_and_stays_as_delivered(client, auth, coach, plan, ids, change):
    auth.login(coach)
    assert client.post(url(plan, "/finalize")).status_code == 302
    before = (stored(plan.id).revision, titles(plan.id), stored(plan.id).message)
    if change == "discard":
        response = client.post(url(plan, "/delete"))
    else:
        response = CHANGES[change](client, plan, ids)
    assert response.status_code == 409
    assert "This plan is finalized and cannot change. Make a new version to change it." in response.get_data(
        as_text=True)
    assert (stored(plan.id).revision, titles(plan.id), stored(plan.id).message) == before


def test_a_refused_reorder_from_the_script_answers_briefly_and_leaves_the_message_for_the_reload(
        client, auth, coach, plan, ids):
    auth.login(coach)
    client.post(url(plan, "/finalize"))
    response = client.post(url(plan, f"/items/{ids['first']}/move"), data={"direction": "down"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 409 and response.json["error"] == "refused"
    assert "finalized and cannot change" in client.get(url(plan)).get_data(as_text=True)


def _as(app, email: str):
    http = app.test_client()
    http.post("/login", data={"email": email, "password": PASSWORD})
    return http


def _while_rendering(monkeypatch, action):
    """Run `action` (another person's request, in another thread, so with nothing of this request's
    session: give it plain values) while the PDF renders."""
    from integration.plans import pdf

    render, answers = pdf.render_plan_pdf, []

    def render_while_someone_acts(document):
        data = render(document)
        worker = threading.Thread(target=lambda: answers.append(action()))
        worker.start()
        worker.join()
        return data

    monkeypatch.setattr(pdf, "render_plan_pdf", render_while_someone_acts)
    return answers


@pytest.mark.parametrize("meanwhile", ["an item is edited", "the practice's plan settings are saved"])
def test_finalize_is_refused_and_stores_nothing_when_the_plan_changes_while_its_pdf_renders(
        app, client, auth, coach, admin, plan, monkeypatch, meanwhile):
    edit_url = url(plan, f"/items/{stored(plan.id).items[0].id}/edit")
    coach_email, admin_email = coach.email, admin.email
    settings = {"integration_window_days": "1", "paper_size": "a4", "crisis_resources": "Call 988.",
                "client_contact": ""}
    action = {"an item is edited": lambda: _as(app, coach_email).post(edit_url, data=item_form("Changed meanwhile")),
              "the practice's plan settings are saved":
                  lambda: _as(app, admin_email).post("/settings/plans", data=settings)}[meanwhile]
    answers = _while_rendering(monkeypatch, action)
    auth.login(coach)
    response = client.post(url(plan, "/finalize"))
    assert [a.status_code for a in answers] == [302], "the change made meanwhile landed"
    assert response.status_code == 409 and CHANGED_WHILE_PREPARING in response.get_data(as_text=True)
    assert stored(plan.id).status == "draft" and stored(plan.id).exports == []
    conflict = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "conflict"))
    assert conflict.object_id == plan.id and "finalize of revision 1 refused" in conflict.detail

    monkeypatch.undo()
    assert client.post(url(plan, "/finalize")).status_code == 302, "looked over, it finalizes"


def test_a_draft_discarded_while_its_pdf_renders_is_not_finalized(app, client, auth, coach, plan, monkeypatch):
    plan_id, plans_url, delete_url, email = plan.id, url(plan)[:-len(f"/{plan.id}")], url(plan, "/delete"), coach.email
    answers = _while_rendering(monkeypatch, lambda: _as(app, email).post(delete_url))
    auth.login(coach)
    response = client.post(url(plan, "/finalize"))
    assert [a.status_code for a in answers] == [302]
    assert response.status_code == 302 and response.headers["Location"].endswith(plans_url)
    assert db.session.scalar(select(Plan).where(Plan.id == plan_id)) is None
    assert db.session.scalars(select(PlanExport)).all() == []


def test_the_delivered_calendar_is_stored_with_the_pdf_and_served_as_stored(app, client, auth, coach, admin,
                                                                           plan, practice):
    auth.login(coach)
    client.post(url(plan, "/finalize"))
    export = db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id))
    assert export.ics_sha256 == hashlib.sha256(export.ics).hexdigest()
    summaries = [str(event["summary"]) for event in Calendar.from_ical(export.ics).walk("VEVENT")]
    assert summaries == ["Evening pages"] * 3 + ["Walk by the water"]
    page = client.post(url(plan, f"/exports/{export.id}/share")).get_data(as_text=True)
    token = page.split("/p/")[1].split('"')[0]

    # What would change a calendar built on request: the window, the zone, a renamed item.
    practice.integration_window_days, practice.timezone = 1, "Europe/Lisbon"
    db.session.execute(PlanItem.__table__.update().where(PlanItem.plan_id == plan.id).values(title="Renamed"))
    db.session.commit()

    for response in (client.get(url(plan, "/calendar.ics")), app.test_client().get(f"/p/{token}/calendar.ics")):
        assert response.status_code == 200 and response.mimetype == "text/calendar"
        assert response.data == export.ics
        assert response.headers["Content-Disposition"] == f'attachment; filename="{export.ics_filename}"'
    assert db.session.get(ShareLink, db.session.scalar(select(ShareLink.id))).downloads == 1


def test_revoking_a_link_twice_revokes_it_once(client, auth, coach, plan):
    auth.login(coach)
    client.post(url(plan, "/finalize"))
    export = db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id))
    client.post(url(plan, f"/exports/{export.id}/share"))
    link = db.session.scalar(select(ShareLink))
    assert client.post(url(plan, f"/links/{link.id}/revoke")).status_code == 302
    revoked_at = db.session.get(ShareLink, link.id).revoked_at
    assert client.post(url(plan, f"/links/{link.id}/revoke")).status_code == 302
    assert db.session.get(ShareLink, link.id).revoked_at == revoked_at
    revokes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "revoke")).all()
    assert [(e.object_type, e.object_id) for e in revokes] == [("sharelink", link.id)]
