"""Demo data: every demo client gets one finalized, delivered plan, and loading twice adds nothing."""
from sqlalchemy import func, select

from integration.extensions import db
from integration.plans.demo import load_demo
from integration.plans.models import Plan, PlanExport
from tests.factories import ClientFactory, GoalFactory, UserFactory


def test_demo_plans_are_finalized_delivered_and_not_duplicated(app, practice, coach):
    admin = UserFactory(practice=practice, role="admin")
    people = [ClientFactory.for_team(coach, preferred_name="Ro"), ClientFactory.for_team(coach)]
    goal = GoalFactory(client=people[0], title="Feel rested in the mornings")
    users = {"admin": admin, "june": coach}
    load_demo(practice, users, people)
    load_demo(practice, users, people)
    plans = db.session.scalars(select(Plan).order_by(Plan.client_id)).all()
    assert [p.client_id for p in plans] == [c.id for c in people]
    assert all(p.status == "finalized" and len(p.items) >= 6 for p in plans)
    assert db.session.scalar(select(func.count(PlanExport.id))) == 2
    assert any(goal in item.goals for item in plans[0].items)
