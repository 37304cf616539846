"""Every plans route under /clients/<id>/ answers 404 to someone outside the care team, with real ids."""
from flask import url_for
from sqlalchemy import select

from integration.extensions import db
from integration.plans.models import PlanExport, ShareLink
from tests.factories import PASSWORD, ClientFactory, PlanFactory, PlanItemFactory, UserFactory


def test_outsiders_get_404_on_every_plans_route_and_insiders_can_open_the_pages(app, practice, coach):
    person = ClientFactory.for_team(coach)
    plan = PlanFactory(client=person)
    item = PlanItemFactory(plan=plan)
    insider = app.test_client()
    insider.post("/login", data={"email": coach.email, "password": PASSWORD})
    insider.post(f"/clients/{person.id}/plans/{plan.id}/finalize")
    export = db.session.scalar(select(PlanExport))
    insider.post(f"/clients/{person.id}/plans/{plan.id}/exports/{export.id}/share")
    link = db.session.scalar(select(ShareLink))
    ids = {"client_id": person.id, "plan_id": plan.id, "item_id": item.id, "export_id": export.id,
           "link_id": link.id}

    outsider = app.test_client()
    other = UserFactory(practice=practice, role="coach")
    outsider.post("/login", data={"email": other.email, "password": PASSWORD})
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("plans.") and "client_id" in r.arguments]
    assert len(rules) >= 15
    leaks, broken = [], []
    for rule in rules:
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if outsider.open(url, method=method, data={}).status_code != 404:
                leaks.append(f"{method} {url}")
            if method == "GET" and insider.get(url).status_code != 200:
                broken.append(url)
    assert leaks == []
    # A finalized plan's edit pages redirect back to the plan; everything else opens.
    assert all("/edit" in url or "/items/new" in url for url in broken), broken
