"""The client's voice through the private link, in a real browser (issue 13).

A therapist finalizes Wren's plan and makes her private link, which comes with a six-digit check-in code.
Wren opens the link on a phone-sized screen in a browser that never signed in, types the code, checks in
(mood, sleep, today's practice, a line, "reach out"), then fills in the PHQ-9 her therapist asked for with
item 9 = 1: the crisis box comes first. The therapist sees the alert and the "reach out" request on the
worklist and the check-in, marked client-reported, on the record's timeline. No request leaves the server.
"""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from integration.auth.models import User
from integration.clock import utcnow
from integration.extensions import db
from integration.measures.models import MeasureSchedule
from tests.e2e.conftest import Account, axe_check, shot, sign_in
from tests.factories import (PASSWORD, ClientFactory, DosingSessionFactory, PlanFactory, PlanItemFactory,
                             UserFactory)

PHONE = {"width": 390, "height": 844}


def _setting(live_server, admin_account):
    with live_server.app.app_context():
        admin = User.by_email(admin_account.email)
        therapist = UserFactory(practice=admin.practice, role="therapist", profession="therapist",
                                name="Theo Marchetti", credentials="PsyD", email="theo@juniper.example")
        client = ClientFactory.for_team(therapist, first_name="Wren", last_name="Halloway", preferred_name="Birdie")
        DosingSessionFactory(client=client, number=1, started_at=utcnow() - timedelta(hours=2))
        plan = PlanFactory(client=client)
        PlanItemFactory(plan=plan, title="Write what stayed with you", schedule_kind="days", schedule_values=[0, 1, 2])
        PlanItemFactory(plan=plan, title="Slow walk outside", schedule_kind="days", schedule_values=[0, 2])
        db.session.add(MeasureSchedule(client_id=client.id, measure_key="phq9", cadence="weekly",
                                       created_by_id=therapist.id))
        db.session.commit()
        ids = (client.id, plan.id)
        account = Account(email=therapist.email, password=PASSWORD, name=therapist.name, practice=admin.practice.name)
        db.session.remove()
    return account, ids


def test_a_client_checks_in_from_her_phone_and_the_therapist_sees_it(browse, browser, live_server, admin_account):
    therapist, (client_id, plan_id) = _setting(live_server, admin_account)
    page = browse.page
    browse.goto("/login")
    browse.check("checkins-login")
    sign_in(browse, therapist)
    browse.check("checkins-clients")
    browse.goto(f"/clients/{client_id}/plans/{plan_id}")
    browse.check("checkins-builder")
    page.get_by_role("button", name="Finalize and make the PDF").click()
    expect(page.get_by_role("button", name="Make a private link for Birdie")).to_be_visible()
    browse.check("checkins-finalized")
    page.get_by_role("button", name="Make a private link for Birdie").click()
    link = page.get_by_label(re.compile("^The link to give Birdie")).input_value()
    code = re.sub(r"\D", "", page.locator(".checkin-code .code").inner_text())
    assert len(code) == 6
    browse.check("checkins-share-link-with-code")

    phone_context = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    requests: list[str] = []
    phone_context.on("request", lambda request: requests.append(request.url))
    phone_context.route(re.compile(rf"^(?!{re.escape(live_server.url)}(/|$))"), lambda route: route.abort())
    try:
        phone = phone_context.new_page()
        phone.goto(link)
        phone.get_by_role("link", name="Check in: how are you today?").click()
        expect(phone.get_by_role("heading", name="Type your code")).to_be_visible()
        axe_check(phone, "checkins-phone-code")
        shot(phone, "checkins-phone-code")
        phone.get_by_label("Your check-in code").fill("000000" if code != "000000" else "111111")
        phone.get_by_role("button", name="Open my check-in").click()
        expect(phone.get_by_text("That code does not match")).to_be_visible()
        phone.get_by_label("Your check-in code").fill(code)
        phone.get_by_role("button", name="Open my check-in").click()

        expect(phone.get_by_role("group", name="How is your mood today?")).to_be_visible()
        axe_check(phone, "checkins-phone-form")
        shot(phone, "checkins-phone-form")
        box = phone.get_by_role("group", name="How is your mood today?").locator("label").first.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, f"targets are large enough to tap: {box}"
        phone.get_by_role("group", name="How is your mood today?").get_by_label("7", exact=True).check()
        phone.get_by_label("Well").check()
        phone.get_by_label("Write what stayed with you").check()
        phone.get_by_label("What stayed with me today").fill("The light on the water.")
        phone.get_by_label("I would like someone to reach out to me").check()
        phone.get_by_label("In the next few days").check()
        phone.get_by_role("button", name="Send my check-in").click()
        expect(phone.get_by_role("status")).to_contain_text("will see your check-in")
        expect(phone.get_by_role("heading", name="Your check-ins")).to_be_visible()

        phq9 = phone.locator("#measure-phq9")
        for n in range(1, 10):
            answer = "Several days" if n == 9 else "Not at all"
            phq9.get_by_role("group", name=re.compile(rf"^{n}\. ")).get_by_label(answer, exact=True).check()
        phq9.get_by_role("button", name="Send my answers").click()
        crisis = phone.get_by_role("heading", name="Help right now, day or night")
        expect(crisis).to_be_visible()
        first = phone.locator("main > *").first
        expect(first).to_have_attribute("id", "crisis")
        axe_check(phone, "checkins-phone-crisis")
        shot(phone, "checkins-phone-crisis")
        assert all(live_server.owns(url) or url.startswith("data:") for url in requests), requests
    finally:
        phone_context.close()

    browse.goto("/worklist")
    expect(page.get_by_text("PHQ-9 item 9")).to_be_visible()
    expect(page.get_by_role("link", name="Asked to be reached: in the next few days")).to_be_visible()
    browse.check("checkins-worklist")
    browse.goto(f"/clients/{client_id}")
    expect(page.get_by_text("Mood 7 of 10").first).to_be_visible()
    expect(page.get_by_text("Client-reported").first).to_be_visible()
    browse.check("checkins-timeline")
    browse.goto(f"/clients/{client_id}/check-ins")
    expect(page.get_by_text("The light on the water.")).to_be_visible()
    browse.check("checkins-practitioner-view")
    page.set_viewport_size(PHONE)  # the strip reflows on a phone-sized screen too
    shot(page, "checkins-practitioner-view-390")
