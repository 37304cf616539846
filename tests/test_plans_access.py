"""Every plans route under /clients/<id>/, on a delivered plan: 404 to a coach outside the care team,
and each page open to the coach on it (a delivered plan's edit pages say it is finalized)."""
import pytest

from integration.clock import utcnow
from integration.extensions import db
from tests.factories import ClientFactory, UserFactory
from tests.routes import CLIENT_SCOPED, answers_other_than_404, build_url, full_record, get_rules, rule_id

PLANS_ROUTES = [rule for rule in CLIENT_SCOPED if rule.endpoint.startswith("plans.")]
# Pages that change a draft: a finalized plan answers them with the plan as it is and why (409).
DRAFT_ONLY_PAGES = {"plans.edit", "plans.item_new", "plans.item_edit"}


@pytest.fixture
def delivered(coach):
    """A coach's client with a finalized plan, its stored version and a private link to it."""
    record = full_record(ClientFactory.for_team(coach), coach)
    plan = record["plan"]
    plan.status, plan.finalized_at, plan.finalized_by_id = "finalized", utcnow(), coach.id
    db.session.commit()
    return record


def test_the_plans_routes_are_every_plans_route_of_the_url_map(app):
    in_the_app = [rule for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("plans.") and "client_id" in rule.arguments]
    assert [rule.rule for rule in PLANS_ROUTES] == [rule.rule for rule in in_the_app]
    assert DRAFT_ONLY_PAGES <= {rule.endpoint for rule in get_rules(PLANS_ROUTES)}


@pytest.mark.parametrize("rule", PLANS_ROUTES, ids=rule_id)
def test_a_coach_off_the_care_team_gets_404(app, client, auth, practice, delivered, rule):
    auth.login(UserFactory(practice=practice, role="coach"))
    assert answers_other_than_404(client, rule, build_url(app, rule, delivered)) == []


@pytest.mark.parametrize("rule", get_rules(PLANS_ROUTES), ids=rule_id)
def test_the_coach_on_the_care_team_opens_the_page(app, client, auth, coach, delivered, rule):
    auth.login(coach)
    response = client.get(build_url(app, rule, delivered))
    if rule.endpoint in DRAFT_ONLY_PAGES:
        assert response.status_code == 409
        assert "finalized" in response.get_data(as_text=True).lower()
    else:
        assert response.status_code == 200
