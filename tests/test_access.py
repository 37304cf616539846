"""The one access rule, checked over the whole url_map so a new route cannot skip it."""
import re

import pytest

from integration.clients.models import CareTeamMember, Client
from integration.extensions import db
from tests.factories import ClientFactory, PracticeFactory, UserFactory

# For each URL argument, the real object of the target client it names (built by
# full_record). A route with an argument missing here fails the test until someone says
# how to build one, so new routes cannot slip past the walker.
ARGUMENT_OBJECTS = {
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
}


def full_record(client: Client, author) -> dict:
    """One object of every client-scoped kind, so every route has real ids to use."""
    from datetime import date, datetime, timedelta

    from integration.clients.models import Goal, GoalCheckIn, HistoryItem
    from integration.groups.models import Attendance, Enrollment, GroupNote, GroupSeries, GroupSession
    from integration.notes.models import Addendum, DosingSession, Insight, Note
    from integration.plans.models import Plan, PlanExport, PlanItem, ShareLink

    history = HistoryItem(client_id=client.id, category="family", title="Grandmother's garden")
    goal = Goal(client_id=client.id, title="Sleep through the night")
    session = DosingSession(client_id=client.id, number=1, route="iv", dose_mg_per_kg=0.5,
                            started_at=datetime.now() - timedelta(days=1))
    note = Note(client_id=client.id, kind="debrief", author_id=author.id, dosing_session=session,
                occurred_on=date.today(), content={})
    signed = Note(client_id=client.id, kind="integration", author_id=author.id, occurred_on=date.today(),
                  content={}, status="signed", signed_by_id=author.id, signed_at=datetime.now(), content_hash="0" * 64)
    db.session.add_all([history, goal, session, note, signed])
    db.session.flush()
    checkin = GoalCheckIn(goal_id=goal.id, client_id=client.id, checked_on=date.today(), rating=6)
    addendum = Addendum(note_id=signed.id, client_id=client.id, author_id=author.id, reason="r", text="t")
    insight = Insight(client_id=client.id, note_id=note.id, text="Felt held", goals=[goal], history_items=[history])
    plan = Plan(client_id=client.id, start_date=date(2025, 3, 3), created_by_id=author.id)
    item = PlanItem(plan=plan, client_id=client.id, category="journaling", title="Evening pages")
    export = PlanExport(plan=plan, client_id=client.id, version=1, pdf=b"%PDF-1.7 test", size=13, sha256="0" * 64)
    link = ShareLink(export=export, client_id=client.id, token_hash="0" * 64,
                     expires_at=datetime.now() + timedelta(days=14))
    series = GroupSeries(practice_id=client.practice_id, name="Circle", facilitators=[author])
    group_session = GroupSession(series=series, starts_at=datetime.now() - timedelta(days=1), theme="Arriving")
    enrollment = Enrollment(series=series, client_id=client.id)
    attendance = Attendance(group_session=group_session, client_id=client.id, status="present")
    group_note = GroupNote(group_session=group_session, author_id=author.id, content={"text": "Rest and return"})
    db.session.add_all([checkin, addendum, insight, plan, item, export, link, series, group_session, enrollment,
                        attendance, group_note])
    db.session.commit()
    return {"client": client, "member": client.care_team[0], "history": history, "goal": goal,
            "checkin": checkin, "session": session, "note": note, "signed_note": signed, "addendum": addendum,
            "insight": insight, "plan": plan, "item": item, "export": export, "link": link,
            "series": series, "group_session": group_session, "enrollment": enrollment, "attendance": attendance}


def client_scoped_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "client_id" in rule.arguments]


def build_url(app, rule, record: dict, objects: dict, table: str) -> str:
    """The rule's URL with every argument filled from the record; an unknown argument fails the test."""
    values = {}
    for name in rule.arguments:
        finder = objects.get(name)
        if finder is None:
            pytest.fail(f"{rule.rule}: add an object builder for <{name}> to {table}")
        values[name] = finder(record)
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def urls_for(app, rule, record: dict) -> str:
    objects = {"client_id": lambda record: record["client"].id, **ARGUMENT_OBJECTS}
    return build_url(app, rule, record, objects, "ARGUMENT_OBJECTS")


def routes_not_404(app, rules, url_of, outsider, data: dict) -> list[str]:
    """Every (method, url) of these rules that does not answer 404 to `outsider`."""
    leaks = []
    http = app.test_client()
    http.post("/login", data={"email": outsider.email, "password": "copper lantern meadow ridge"})
    for rule in rules:
        url = url_of(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = http.open(url, method=method, data=data)
            if response.status_code != 404:
                leaks.append(f"{method} {url} -> {response.status_code}")
    return leaks


def routes_reaching_outsiders(app, target: dict, outsider) -> list[str]:
    """Every (method, url) of a client-scoped route that does not answer 404 to `outsider`."""
    return routes_not_404(app, client_scoped_rules(app), lambda rule: urls_for(app, rule, target), outsider, {})


@pytest.fixture
def target(practice, therapist):
    client = ClientFactory.for_team(therapist, first_name="Target", last_name="Client")
    return full_record(client, therapist)


def test_there_are_client_scoped_routes(app):
    assert len(client_scoped_rules(app)) >= 4


def test_practitioner_outside_the_care_team_gets_404_everywhere(app, practice, target):
    outsider = UserFactory(practice=practice, role="therapist")
    assert routes_reaching_outsiders(app, target, outsider) == []


def test_coach_outside_the_care_team_gets_404_everywhere(app, practice, target):
    outsider = UserFactory(practice=practice, role="coach")
    assert routes_reaching_outsiders(app, target, outsider) == []


def test_another_practices_admin_gets_404_everywhere(app, target):
    other_admin = UserFactory(practice=PracticeFactory(), role="admin")
    assert routes_reaching_outsiders(app, target, other_admin) == []


def test_signed_out_visitor_never_sees_client_data(app, target):
    http = app.test_client()
    for rule in client_scoped_rules(app):
        url = urls_for(app, rule, target)
        response = http.get(url)
        assert response.status_code in (302, 401, 404, 405), url
        assert b"Target" not in response.data


def test_care_team_member_reaches_every_client_page(app, client, auth, therapist, target):
    auth.login(therapist)
    for rule in client_scoped_rules(app):
        if "GET" in rule.methods:
            url = urls_for(app, rule, target)
            assert client.get(url).status_code == 200, url


def test_every_client_scoped_view_uses_the_rule(app):
    """Belt and braces: each view function carries the decorator's mark."""
    missing = [rule.endpoint for rule in client_scoped_rules(app)
               if not getattr(app.view_functions[rule.endpoint], "client_scoped", False)]
    assert missing == []


def test_the_walker_catches_a_route_that_skips_the_rule(tmp_path):
    """A test of the test: add a route that reads a client by id alone and see it reported."""
    from tests.conftest import make_test_app

    app = make_test_app(tmp_path)

    @app.route("/clients/<int:client_id>/leak")
    def leak(client_id):
        client = db.session.get(Client, client_id)
        return client.first_name

    with app.app_context():
        owner = UserFactory(role="therapist")
        target = full_record(ClientFactory.for_team(owner, first_name="Leaky"), owner)
        outsider = UserFactory(role="therapist")
        target_id = target["client"].id
        leaks = routes_reaching_outsiders(app, target, outsider)
        missing_mark = [rule.endpoint for rule in client_scoped_rules(app)
                        if not getattr(app.view_functions[rule.endpoint], "client_scoped", False)]
        db.session.remove()
    assert any(re.match(rf"GET /clients/{target_id}/leak -> 200", leak) for leak in leaks)
    assert missing_mark == ["leak"]


def test_admin_of_the_same_practice_reaches_the_client(client, auth, admin, target):
    auth.login(admin)
    assert client.get(f"/clients/{target['client'].id}").status_code == 200


def test_client_list_shows_only_the_users_own_clients(client, auth, practice, therapist):
    mine = ClientFactory.for_team(therapist, first_name="Mine", last_name="Ownclient")
    colleague = UserFactory(practice=practice)
    ClientFactory.for_team(colleague, first_name="Theirs", last_name="Otherclient")
    auth.login(therapist)
    page = client.get("/clients/?status=all").get_data(as_text=True)
    assert "Ownclient, Mine" in page
    assert "Otherclient" not in page
    assert mine.care_team[0].user_id == therapist.id
    assert db.session.query(CareTeamMember).count() == 2


# --- group circles: /groups/<series_id>/... is for the series' facilitators and the practice's admins

GROUP_ARGUMENT_OBJECTS = {
    "series_id": lambda record: record["series"].id,
    "group_session_id": lambda record: record["group_session"].id,
    "enrollment_id": lambda record: record["enrollment"].id,
}


def group_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "series_id" in rule.arguments]


def group_url(app, rule, record: dict) -> str:
    return build_url(app, rule, record, GROUP_ARGUMENT_OBJECTS, "GROUP_ARGUMENT_OBJECTS")


def group_routes_reaching(app, target: dict, outsider) -> list[str]:
    """Every (method, url) of a circle's routes that does not answer 404 to `outsider`."""
    return routes_not_404(app, group_rules(app), lambda rule: group_url(app, rule, target), outsider,
                          {"client_id": target["client"].id})


def test_there_are_group_routes(app):
    assert len(group_rules(app)) >= 8


def test_every_group_view_uses_the_series_rule(app):
    missing = [rule.endpoint for rule in group_rules(app)
               if not getattr(app.view_functions[rule.endpoint], "group_scoped", False)]
    assert missing == []


def test_a_practitioner_who_does_not_facilitate_gets_404_on_every_group_route(app, practice, target):
    colleague = UserFactory(practice=practice, role="therapist")
    # Even on the client's care team: the circle's pages belong to its facilitators.
    db.session.add(CareTeamMember(client_id=target["client"].id, user_id=colleague.id))
    db.session.commit()
    assert group_routes_reaching(app, target, colleague) == []


def test_another_practices_admin_gets_404_on_every_group_route(app, target):
    other_admin = UserFactory(practice=PracticeFactory(), role="admin")
    assert group_routes_reaching(app, target, other_admin) == []


def test_the_facilitator_and_the_admin_reach_every_group_page(app, client, auth, practice, therapist, target):
    """The admin runs every circle's pages, except its group note: clinical content, the facilitators' alone."""
    admin = UserFactory(practice=practice, role="admin")
    for person in (therapist, admin):
        auth.login(person)
        for rule in group_rules(app):
            if "GET" in rule.methods:
                url = group_url(app, rule, target)
                expected = 404 if person is admin and rule.endpoint == "groups.group_note" else 200
                assert client.get(url).status_code == expected, url
        auth.logout()


def test_the_group_walker_catches_a_route_that_skips_the_rule(tmp_path):
    """A test of the test: a circle route that loads the series by id alone is reported."""
    from tests.conftest import make_test_app
    from integration.groups.models import GroupSeries

    app = make_test_app(tmp_path)

    @app.route("/groups/<int:series_id>/leak")
    def leak(series_id):
        return db.session.get(GroupSeries, series_id).name

    with app.app_context():
        owner = UserFactory(role="therapist")
        target = full_record(ClientFactory.for_team(owner, first_name="Leaky"), owner)
        outsider = UserFactory(role="admin")
        series_id = target["series"].id
        leaks = group_routes_reaching(app, target, outsider)
        db.session.remove()
    assert f"GET /groups/{series_id}/leak -> 200" in leaks


def test_every_client_page_read_leaves_one_audit_row_naming_the_client(app, client, auth, therapist, target):
    """Views are audited by the decorator; a download records itself instead, never both, never neither."""
    from sqlalchemy import func, select

    from integration.audit.models import AuditEvent

    auth.login(therapist)
    for rule in client_scoped_rules(app):
        if "GET" not in rule.methods:
            continue
        url = urls_for(app, rule, target)
        before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        assert client.get(url).status_code == 200, url
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
        assert [(row.client_id, row.user_id) for row in rows] == [(target["client"].id, therapist.id)], url
