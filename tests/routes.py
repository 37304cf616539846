"""The url_map walker: the app's client-scoped and circle routes, a real URL for each, and what it answers.

Tests parametrize over these rules (one test id per route), so the list is read at collection
time from an app built the way the test apps are; a test then checks that the list is exactly
the url_map of the app it runs against.
"""
from datetime import date, datetime, timedelta

import pytest
from flask import Flask, url_for
from werkzeug.routing import Rule

from integration.clients.models import Client, Goal, GoalCheckIn, HistoryItem
from integration.extensions import db
from integration.groups.models import Attendance, Enrollment, GroupNote, GroupSeries, GroupSession
from integration.measures.models import MeasureAlert, MeasureResponse, MeasureSchedule
from integration.notes.models import Addendum, DosingSession, Insight, Note
from integration.plans.models import Plan, PlanExport, PlanItem, ShareLink
from tests.conftest import build_app
from tests.factories import practice_today

SAFE_METHODS = {"HEAD", "OPTIONS"}

# For each URL argument, the real object of the target client it names (built by
# full_record). A route with an argument missing here fails its tests until someone says
# how to build one, so new routes cannot slip past the walker.
ARGUMENT_OBJECTS = {
    "client_id": lambda record: record["client"].id,
    "member_id": lambda record: record["member"].id,
    "history_id": lambda record: record["history"].id,
    "goal_id": lambda record: record["goal"].id,
    "checkin_id": lambda record: record["checkin"].id,
    "session_id": lambda record: record["session"].id,
    "note_id": lambda record: record["note"].id,
    "addendum_id": lambda record: record["addendum"].id,
    "insight_id": lambda record: record["insight"].id,
    "plan_id": lambda record: record["plan"].id,
    "item_id": lambda record: record["item"].id,
    "export_id": lambda record: record["export"].id,
    "link_id": lambda record: record["link"].id,
    "group_session_id": lambda record: record["group_session"].id,
    "response_id": lambda record: record["response"].id,
    "alert_id": lambda record: record["alert"].id,
    "schedule_id": lambda record: record["schedule"].id,
}

# The same for the circle routes, /groups/<series_id>/...
GROUP_ARGUMENT_OBJECTS = {
    "series_id": lambda record: record["series"].id,
    "group_session_id": lambda record: record["group_session"].id,
    "enrollment_id": lambda record: record["enrollment"].id,
}


def client_scoped_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if "client_id" in rule.arguments]


def group_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if "series_id" in rule.arguments]


def get_rules(rules: list[Rule]) -> list[Rule]:
    return [rule for rule in rules if "GET" in rule.methods]


def methods(rule: Rule) -> list[str]:
    return sorted(rule.methods - SAFE_METHODS)


def rule_id(rule: Rule) -> str:
    """A test id: the endpoint, e.g. "clients.show_goal"."""
    return rule.endpoint


# The routes as the app declares them, for parametrize (no database is touched).
_APP = build_app("sqlite://")
CLIENT_SCOPED = client_scoped_rules(_APP)
GROUP_SCOPED = group_rules(_APP)


def build_url(app: Flask, rule: Rule, record: dict, objects: dict = ARGUMENT_OBJECTS) -> str:
    """The rule's URL with every argument filled from the record; an unknown argument fails the test."""
    values = {}
    for name in rule.arguments:
        finder = objects.get(name)
        if finder is None:
            table = "GROUP_ARGUMENT_OBJECTS" if objects is GROUP_ARGUMENT_OBJECTS else "ARGUMENT_OBJECTS"
            pytest.fail(f"{rule.rule}: add an object builder for <{name}> to {table} in tests/routes.py")
        values[name] = finder(record)
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def group_url(app: Flask, rule: Rule, record: dict) -> str:
    return build_url(app, rule, record, GROUP_ARGUMENT_OBJECTS)


def answers_other_than_404(http, rule: Rule, url: str, data: dict | None = None) -> list[str]:
    """Every method of the rule that does not answer 404 on this URL, as "METHOD url -> status"."""
    answers = ((method, http.open(url, method=method, data=data or {}).status_code) for method in methods(rule))
    return [f"{method} {url} -> {status}" for method, status in answers if status != 404]


def full_record(client: Client, author) -> dict:
    """One object of every client-scoped kind, so every route has real ids to use."""
    history = HistoryItem(client_id=client.id, category="family", title="Grandmother's garden")
    goal = Goal(client_id=client.id, title="Sleep through the night")
    session = DosingSession(client_id=client.id, number=1, route="iv", dose_mg_per_kg=0.5,
                            started_at=datetime.now() - timedelta(days=1))
    note = Note(client_id=client.id, kind="debrief", author_id=author.id, dosing_session=session,
                occurred_on=practice_today(), content={})
    signed = Note(client_id=client.id, kind="integration", author_id=author.id, occurred_on=practice_today(),
                  content={}, status="signed", signed_by_id=author.id, signed_at=datetime.now(), content_hash="0" * 64)
    db.session.add_all([history, goal, session, note, signed])
    db.session.flush()
    checkin = GoalCheckIn(goal_id=goal.id, client_id=client.id, checked_on=practice_today(), rating=6)
    addendum = Addendum(note_id=signed.id, client_id=client.id, author_id=author.id, reason="r", text="t")
    insight = Insight(client_id=client.id, note_id=note.id, text="Felt held", goals=[goal], history_items=[history])
    plan = Plan(client_id=client.id, start_date=date(2025, 3, 3), created_by_id=author.id)
    item = PlanItem(plan=plan, client_id=client.id, category="journaling", title="Evening pages")
    export = PlanExport(plan=plan, client_id=client.id, version=1, pdf=b"%PDF-1.7 test", size=13, sha256="0" * 64,
                        ics=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", ics_sha256="1" * 64)
    link = ShareLink(export=export, client_id=client.id, token_hash="0" * 64,
                     expires_at=datetime.now() + timedelta(days=14))
    series = GroupSeries(practice_id=client.practice_id, name="Circle", facilitators=[author])
    group_session = GroupSession(series=series, starts_at=datetime.now() - timedelta(days=1), theme="Arriving")
    enrollment = Enrollment(series=series, client_id=client.id)
    attendance = Attendance(group_session=group_session, client_id=client.id, status="present")
    group_note = GroupNote(group_session=group_session, author_id=author.id, content={"text": "Rest and return"})
    response = MeasureResponse(client_id=client.id, measure_key="phq9", taken_on=practice_today(), answers=[1] * 9,
                               total=9, band="Mild", entered_by_id=author.id, dosing_session=session)
    schedule = MeasureSchedule(client_id=client.id, measure_key="phq9", cadence="before_session")
    db.session.add_all([checkin, addendum, insight, plan, item, export, link, series, group_session, enrollment,
                        attendance, group_note, response, schedule])
    db.session.flush()
    alert = MeasureAlert(client_id=client.id, kind="item9", response_id=response.id, detail="PHQ-9 item 9")
    db.session.add(alert)
    db.session.commit()
    return {"client": client, "member": client.care_team[0], "history": history, "goal": goal,
            "checkin": checkin, "session": session, "note": note, "signed_note": signed, "addendum": addendum,
            "insight": insight, "plan": plan, "item": item, "export": export, "link": link,
            "series": series, "group_session": group_session, "enrollment": enrollment, "attendance": attendance,
            "response": response, "alert": alert, "schedule": schedule}
