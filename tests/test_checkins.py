"""Check-ins and measures from the private link: the code as a second factor, what lands on the record as the
client's, the worklist, and abuse (wrong codes, replay, oversized and hostile input, revoked and superseded links)."""
import re
from datetime import timedelta

import pytest
import textstat
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.checkins.models import ClientCheckIn
from integration.extensions import db
from integration.measures.models import MeasureAlert, MeasureResponse, MeasureSchedule
from integration.plans.models import PlanExport, ShareLink
from tests.factories import ClientFactory, PlanFactory, PlanItemFactory


@pytest.fixture
def person(therapist, coach):
    return ClientFactory.for_team(therapist, coach, first_name="Juniper", last_name="Adair", preferred_name="June")


@pytest.fixture
def plan(person):
    plan = PlanFactory(client=person)
    PlanItemFactory(plan=plan, title="Evening pages", schedule_kind="days", schedule_values=[0, 1, 2])
    PlanItemFactory(plan=plan, title="Walk by the water", schedule_kind="checkpoints", schedule_values=["1w"])
    return plan


def deliver(http, person, plan) -> tuple[str, str]:
    """Finalize and share: the raw token and the check-in code shown once to the practitioner."""
    assert http.post(f"/clients/{person.id}/plans/{plan.id}/finalize").status_code == 302
    export = db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id))
    page = http.post(f"/clients/{person.id}/plans/{plan.id}/exports/{export.id}/share").get_data(as_text=True)
    token = re.search(r'value="https?://[^"]*/p/([A-Za-z0-9_\-]+)"', page).group(1)
    code = re.search(r'<strong class="code">(\d{3}) (\d{3})</strong>', page)
    assert 'src="data:image/svg+xml' in page, "the link's QR code is drawn here, fetched from nowhere"
    return token, code.group(1) + code.group(2)


@pytest.fixture
def delivered(client, auth, therapist, person, plan):
    auth.login(therapist)
    return deliver(client, person, plan)


def checkin_data(**extra):
    return {"mood": "6", "sleep": "well", "practices": ["Evening pages"], "stayed_with": "The lake.", **extra}


def test_the_code_is_stored_only_as_a_hash_and_unlocks_check_ins(app, delivered, person):
    token, code = delivered
    link = db.session.scalar(select(ShareLink))
    assert link.code_hash and code not in link.code_hash and len(link.code_hash) == 64

    phone = app.test_client()
    page = phone.get(f"/p/{token}/check-in").get_data(as_text=True)
    assert "Type your code" in page and "How is your mood" not in page
    assert phone.post(f"/p/{token}/check-in", data=checkin_data()).status_code == 403, "no code, no writing"
    assert phone.post(f"/p/{token}/code", data={"code": code[:3] + " " + code[3:]}).status_code == 303
    page = phone.get(f"/p/{token}/check-in").get_data(as_text=True)
    assert "How is your mood today?" in page and "Evening pages" in page
    assert "Walk by the water" not in page, "only today's practices of their plan"

    assert phone.post(f"/p/{token}/check-in", data=checkin_data(reach_out="y", reach_when="today")).status_code == 200
    entry = db.session.scalar(select(ClientCheckIn))
    assert (entry.client_id, entry.share_link_id, entry.mood, entry.practices) == (person.id, link.id, 6, ["Evening pages"])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client-checkin"))
    assert event.user_id is None and event.client_id == person.id and f"link {link.id}" in event.detail

    # A replay of the same form adds nothing: one check-in a day.
    assert phone.post(f"/p/{token}/check-in", data=checkin_data()).status_code == 409
    assert len(db.session.scalars(select(ClientCheckIn)).all()) == 1


def test_wrong_codes_are_limited_per_link(app, delivered):
    token, code = delivered
    wrong = "000000" if code != "000000" else "111111"
    phone = app.test_client()
    answers = [phone.post(f"/p/{token}/code", data={"code": wrong}).status_code for _ in range(5)]
    assert answers == [422, 422, 422, 422, 429]
    other_phone = app.test_client()
    refused = other_phone.post(f"/p/{token}/code", data={"code": code})
    assert refused.status_code == 429 and "Please wait 15 minutes" in refused.get_data(as_text=True)
    assert other_phone.post(f"/p/{token}/check-in", data=checkin_data()).status_code == 403
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "checkin-code-wrong")).all()) == 5


def _unlocked(app, token, code):
    phone = app.test_client()
    assert phone.post(f"/p/{token}/code", data={"code": code}).status_code == 303
    return phone


def test_oversized_and_hostile_input_is_refused_or_kept_as_text(app, delivered):
    token, code = delivered
    phone = _unlocked(app, token, code)
    too_long = phone.post(f"/p/{token}/check-in", data=checkin_data(stayed_with="x" * 501))
    assert too_long.status_code == 422 and "under 500 letters" in too_long.get_data(as_text=True)
    assert phone.post(f"/p/{token}/check-in", data=checkin_data(mood="11")).status_code == 422
    assert phone.post(f"/p/{token}/check-in", data=checkin_data(practices=["Someone else's secret"])).status_code == 422
    assert phone.post(f"/p/{token}/check-in", data=checkin_data(reach_out="y")).status_code == 422, "when?"
    assert phone.post(f"/p/{token}/code", data={"code": "9" * 5000}).status_code == 422
    hostile = '<script>alert(1)</script>\u202eevil'
    page = phone.post(f"/p/{token}/check-in", data=checkin_data(stayed_with=hostile)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert db.session.scalar(select(ClientCheckIn)).stayed_with == "<script>alert(1)</script>evil"


def test_revoked_and_superseded_links_say_why(app, client, delivered, person, plan):
    token, code = delivered
    phone = _unlocked(app, token, code)
    # A newer version makes this link read-only.
    new = client.post(f"/clients/{person.id}/plans/{plan.id}/new-version")
    newer = db.session.scalars(select(type(plan)).where(type(plan).replaces_id == plan.id)).one()
    assert new.status_code == 302
    assert client.post(f"/clients/{person.id}/plans/{newer.id}/finalize").status_code == 302
    page = phone.get(f"/p/{token}/check-in").get_data(as_text=True)
    assert "This link is for your older plan" in page and "How is your mood" not in page
    assert phone.post(f"/p/{token}/check-in", data=checkin_data()).status_code == 409
    # Revoked: says it was stopped, names no one.
    link = db.session.scalar(select(ShareLink))
    assert client.post(f"/clients/{person.id}/plans/{plan.id}/links/{link.id}/revoke").status_code == 302
    answer = phone.get(f"/p/{token}/check-in")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 410 and "This link was stopped" in body and "June" not in body
    assert phone.post(f"/p/{token}/check-in", data=checkin_data()).status_code == 410
    assert app.test_client().get("/p/not-a-token/check-in").status_code == 404


def test_a_phq9_with_item_9_shows_the_crisis_box_first_and_alerts_the_team(app, client, delivered, person, therapist):
    token, code = delivered
    db.session.add(MeasureSchedule(client_id=person.id, measure_key="phq9", cadence="weekly"))
    db.session.commit()
    phone = _unlocked(app, token, code)
    page = phone.get(f"/p/{token}/check-in").get_data(as_text=True)
    assert "asked you to fill in: PHQ-9" in page
    answers = {f"phq9-item_{n}": "0" for n in range(1, 10)} | {"phq9-item_9": "1"}
    page = phone.post(f"/p/{token}/measures/phq9", data=answers).get_data(as_text=True)
    assert page.index('id="crisis"') < page.index("<h1>"), "the crisis box comes before anything else"
    response = db.session.scalar(select(MeasureResponse))
    assert response.client_reported and response.entered_by_id is None and response.total == 1
    assert db.session.scalar(select(MeasureAlert.kind)) == "item9"
    assert phone.post(f"/p/{token}/measures/phq9", data=answers).status_code == 409, "answered today: a replay"

    worklist = client.get("/worklist").get_data(as_text=True)
    assert "PHQ-9 item 9" in worklist
    measures = client.get(f"/clients/{person.id}/measures").get_data(as_text=True)
    assert "Client-reported" in measures
    shown = client.get(f"/clients/{person.id}/measures/responses/{response.id}").get_data(as_text=True)
    assert "Filled in by June through private link" in shown


def test_the_record_shows_client_reported_entries_and_staff_cannot_edit_them(app, client, auth, delivered, person,
                                                                              coach, therapist):
    token, code = delivered
    phone = _unlocked(app, token, code)
    phone.post(f"/p/{token}/check-in", data=checkin_data(reach_out="y", reach_when="soon"))
    entry = db.session.scalar(select(ClientCheckIn))
    overview = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "Client-reported" in overview and "Mood 6 of 10" in overview
    assert "Asked to be reached" in client.get("/worklist").get_data(as_text=True)
    page = client.get(f"/clients/{person.id}/check-ins").get_data(as_text=True)
    assert "The lake." in page and "Session day" in page and "6<small>/10</small>" in page

    assert client.post(f"/clients/{person.id}/check-ins/{entry.id}/comment", data={"comment": "Called; fine."}).status_code == 303
    assert client.post(f"/clients/{person.id}/check-ins/{entry.id}/acknowledge").status_code == 303
    entry = db.session.get(ClientCheckIn, entry.id)
    assert (entry.comment, entry.mood, entry.stayed_with) == ("Called; fine.", 6, "The lake.")
    assert entry.acknowledged_by_id == therapist.id
    assert "Asked to be reached" not in client.get("/worklist").get_data(as_text=True)

    auth.logout()
    auth.login(coach)
    page = client.get(f"/clients/{person.id}/check-ins").get_data(as_text=True)
    assert "Mood 6 of 10" in page and "The lake." not in page, "a coach sees mood and practices, not the words"
    assert client.post(f"/clients/{person.id}/check-ins/{entry.id}/comment", data={"comment": "x"}).status_code == 404


def test_a_quiet_window_reaches_the_worklist(client, auth, therapist, person):
    plan = PlanFactory(client=person)
    plan.start_date = plan.start_date - timedelta(days=2)
    PlanItemFactory(plan=plan, title="Evening pages")
    plan.status = "finalized"
    db.session.commit()
    auth.login(therapist)
    assert "No check-in for two days" in client.get("/worklist").get_data(as_text=True)


def test_the_check_in_page_reads_at_grade_6_or_below(app, delivered):
    token, code = delivered
    phone = _unlocked(app, token, code)
    page = phone.get(f"/p/{token}/check-in").get_data(as_text=True)
    words = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1].split("Help right now")[0])
    words = re.sub(r"\s+", " ", words)
    assert textstat.flesch_kincaid_grade(words) <= 6, words


def test_the_link_page_sends_nothing_to_third_parties(app, delivered):
    token, code = delivered
    page = _unlocked(app, token, code).get(f"/p/{token}/check-in").get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page


def test_demo_check_ins_for_clients_in_an_open_window(app, practice, coach):
    from integration.checkins.demo import load_demo as checkins_demo
    from integration.plans.demo import load_demo as plans_demo
    from tests.factories import UserFactory
    admin = UserFactory(practice=practice, role="admin")
    people = [ClientFactory.for_team(coach), ClientFactory.for_team(coach)]
    users = {"admin": admin, "june": coach}
    plans_demo(practice, users, people)  # no session: plans start two days ago, the window is open
    checkins_demo(practice, users, people)
    checkins_demo(practice, users, people)
    entries = db.session.scalars(select(ClientCheckIn).order_by(ClientCheckIn.checked_on)).all()
    assert {e.client_id for e in entries} == {people[0].id}, "the last client in a window stays quiet"
    assert len(entries) == 3 and entries[-1].reach_out


def test_wrong_codes_count_in_the_database_across_workers(make_app):
    """With the production store (database://) the count is shared by every worker, and counting a wrong code
    never waits on the request's own write (SQLite allows one writer)."""
    from integration.clients.models import CareTeamMember  # noqa: F401 (the mapper)
    from integration.checkins.link import issue_code
    from integration.plans.delivery import create_share_link
    from tests.factories import PracticeFactory, UserFactory
    app = make_app(RATELIMIT_STORAGE_URI="database://")
    with app.app_context():
        therapist = UserFactory(practice=PracticeFactory(), role="therapist", profession="therapist")
        person = ClientFactory.for_team(therapist)
        plan = PlanFactory(client=person, status="finalized")
        export = PlanExport(plan=plan, client_id=person.id, version=1, pdf=b"%PDF", size=4, sha256="0" * 64)
        db.session.add(export)
        db.session.flush()
        link, token = create_share_link(export, therapist)
        code = issue_code(link)
        db.session.commit()
        wrong = "000000" if code != "000000" else "111111"
        worker_a, worker_b = app.test_client(), make_app(RATELIMIT_STORAGE_URI="database://").test_client()
        answers = [(worker_a if n % 2 else worker_b).post(f"/p/{token}/code", data={"code": wrong}).status_code
                   for n in range(5)]
        assert answers == [422, 422, 422, 422, 429]
        assert worker_a.post(f"/p/{token}/code", data={"code": code}).status_code == 429
