"""The one access rule, checked over the whole url_map so a new route cannot skip it.

Each client-scoped route (and each circle route) is its own test for each kind of person, so a
failure names the route and the person it let in.
"""
import pytest
from sqlalchemy import func, select
from werkzeug.routing import Map, Rule

from integration.audit.models import AuditEvent
from integration.clients.models import CareTeamMember, Client
from integration.extensions import db
from integration.groups.models import GroupSeries
from tests.conftest import AuthActions
from tests.factories import ClientFactory, PracticeFactory, UserFactory
from tests.routes import (CLIENT_SCOPED, GROUP_SCOPED, answers_other_than_404, build_url, client_scoped_rules,
                          full_record, get_rules, group_rules, group_url, rule_id)

# People who must get a 404 on every client-scoped route of a client they do not work with.
OUTSIDERS = {
    "therapist-off-the-care-team": lambda practice: UserFactory(practice=practice, role="therapist"),
    "coach-off-the-care-team": lambda practice: UserFactory(practice=practice, role="coach"),
    "admin-of-another-practice": lambda practice: UserFactory(practice=PracticeFactory(), role="admin"),
}

# The two walks: (the routes walked, how the app's url_map is filtered for them, where their
# pages live, the mark their decorator leaves on a view).
WALKS = {
    "client-scoped": (CLIENT_SCOPED, client_scoped_rules, "/clients/<", "client_scoped"),
    "circle": (GROUP_SCOPED, group_rules, "/groups/<", "group_scoped"),
}


@pytest.fixture
def target(practice, therapist):
    client = ClientFactory.for_team(therapist, first_name="Target", last_name="Client")
    return full_record(client, therapist)


@pytest.mark.parametrize("walk", WALKS)
def test_the_walker_covers_exactly_the_routes_of_the_url_map(app, walk):
    walked, rules_of, prefix, _ = WALKS[walk]
    in_the_app = rules_of(app)
    assert [(rule.rule, sorted(rule.methods)) for rule in walked] == [
        (rule.rule, sorted(rule.methods)) for rule in in_the_app]
    assert len(walked) == len(in_the_app)
    # Every page under /clients/<id> (/groups/<id>) names its client (circle): the filter misses none.
    assert len(walked) == len([rule for rule in app.url_map.iter_rules() if rule.rule.startswith(prefix)])


@pytest.mark.parametrize("walk", WALKS)
def test_every_view_walked_uses_the_rule(app, walk):
    """Belt and braces: each view function carries its decorator's mark."""
    _, rules_of, _, mark = WALKS[walk]
    missing = [rule.endpoint for rule in rules_of(app) if not getattr(app.view_functions[rule.endpoint], mark, False)]
    assert missing == []


@pytest.mark.parametrize("rule", CLIENT_SCOPED, ids=rule_id)
@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_people_outside_the_care_team_get_404(app, client, auth, practice, target, outsider, rule):
    auth.login(OUTSIDERS[outsider](practice))
    assert answers_other_than_404(client, rule, build_url(app, rule, target)) == []


@pytest.mark.parametrize("rule", CLIENT_SCOPED, ids=rule_id)
def test_a_signed_out_visitor_never_sees_client_data(app, client, target, rule):
    url = build_url(app, rule, target)
    response = client.get(url)
    assert response.status_code in (302, 401, 404, 405), url
    assert b"Target" not in response.data


@pytest.mark.parametrize("rule", get_rules(CLIENT_SCOPED), ids=rule_id)
def test_a_care_team_member_reaches_the_page(app, signed_in, target, rule):
    url = build_url(app, rule, target)
    assert signed_in.get(url).status_code == 200, url


@pytest.mark.parametrize("rule", get_rules(CLIENT_SCOPED), ids=rule_id)
def test_reading_a_client_page_leaves_one_audit_row_naming_the_client(app, signed_in, therapist, target, rule):
    """Views are audited by the decorator; a download records itself instead, never both, never neither."""
    url = build_url(app, rule, target)
    before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    assert signed_in.get(url).status_code == 200, url
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
    assert [(row.client_id, row.user_id) for row in rows] == [(target["client"].id, therapist.id)], url


def test_a_route_without_an_object_builder_fails_loudly(app, target):
    """A test of the test: an argument the walker cannot fill is a failure that says what to add."""
    rule = Rule("/clients/<int:client_id>/moods/<int:mood_id>", endpoint="clients.show")
    Map([rule])  # binding the rule reads its arguments
    with pytest.raises(pytest.fail.Exception, match=r"add an object builder for <mood_id> to ARGUMENT_OBJECTS"):
        build_url(app, rule, target)


def test_the_walker_catches_a_route_that_skips_the_rule(make_app):
    """A test of the test: add a route that reads a client by id alone and see it reported."""
    app = make_app()

    @app.route("/clients/<int:client_id>/leak")
    def leak(client_id):
        return db.session.get(Client, client_id).first_name

    with app.app_context():
        owner = UserFactory(role="therapist")
        target = full_record(ClientFactory.for_team(owner, first_name="Leaky"), owner)
        http = app.test_client()
        AuthActions(http).login(UserFactory(role="therapist"))
        [leak_rule] = [rule for rule in client_scoped_rules(app) if rule.endpoint == "leak"]
        leaks = answers_other_than_404(http, leak_rule, build_url(app, leak_rule, target))
        missing_mark = [rule.endpoint for rule in client_scoped_rules(app)
                        if not getattr(app.view_functions[rule.endpoint], "client_scoped", False)]
        target_id = target["client"].id
        db.session.remove()
    assert leaks == [f"GET /clients/{target_id}/leak -> 200"]
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

def _colleague_on_the_care_team(practice, target):
    """Even on the client's care team: the circle's pages belong to its facilitators."""
    colleague = UserFactory(practice=practice, role="therapist")
    db.session.add(CareTeamMember(client_id=target["client"].id, user_id=colleague.id))
    db.session.commit()
    return colleague


CIRCLE_OUTSIDERS = {
    "practitioner-who-does-not-facilitate": _colleague_on_the_care_team,
    "admin-of-another-practice": lambda practice, target: UserFactory(practice=PracticeFactory(), role="admin"),
}
CIRCLE_INSIDERS = {
    "facilitator": lambda practice, therapist: therapist,
    "admin-of-the-practice": lambda practice, therapist: UserFactory(practice=practice, role="admin"),
}


@pytest.mark.parametrize("rule", GROUP_SCOPED, ids=rule_id)
@pytest.mark.parametrize("outsider", CIRCLE_OUTSIDERS)
def test_people_who_do_not_run_the_circle_get_404(app, client, auth, practice, target, outsider, rule):
    auth.login(CIRCLE_OUTSIDERS[outsider](practice, target))
    url = group_url(app, rule, target)
    assert answers_other_than_404(client, rule, url, data={"client_id": target["client"].id}) == []


@pytest.mark.parametrize("rule", get_rules(GROUP_SCOPED), ids=rule_id)
@pytest.mark.parametrize("insider", CIRCLE_INSIDERS)
def test_the_facilitator_and_the_admin_reach_the_circle_page(app, client, auth, practice, therapist, target,
                                                             insider, rule):
    """The admin runs every circle's pages, except its group note: clinical content, the facilitators' alone."""
    auth.login(CIRCLE_INSIDERS[insider](practice, therapist))
    url = group_url(app, rule, target)
    expected = 404 if insider == "admin-of-the-practice" and rule.endpoint.startswith("groups.group_note") else 200
    assert client.get(url).status_code == expected, url


def test_the_group_walker_catches_a_route_that_skips_the_rule(make_app):
    """A test of the test: a circle route that loads the series by id alone is reported."""
    app = make_app()

    @app.route("/groups/<int:series_id>/leak")
    def leak(series_id):
        return db.session.get(GroupSeries, series_id).name

    with app.app_context():
        owner = UserFactory(role="therapist")
        target = full_record(ClientFactory.for_team(owner, first_name="Leaky"), owner)
        http = app.test_client()
        AuthActions(http).login(UserFactory(role="admin"))
        [leak_rule] = [rule for rule in group_rules(app) if rule.endpoint == "leak"]
        leaks = answers_other_than_404(http, leak_rule, group_url(app, leak_rule, target))
        series_id = target["series"].id
        db.session.remove()
    assert leaks == [f"GET /groups/{series_id}/leak -> 200"]
