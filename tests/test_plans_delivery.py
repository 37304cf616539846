"""Delivery: stored PDF bytes, downloads, private share links, the calendar file, and what the PDF holds."""
import hashlib
import io
import re
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.extensions import db
from integration.plans.models import PlanExport, ShareLink
from tests.factories import (ClientFactory, DosingSessionFactory, GoalFactory, HistoryItemFactory,
                             InsightFactory, NoteFactory, PlanFactory, PlanItemFactory)


@pytest.fixture
def person(coach):
    return ClientFactory.for_team(coach, first_name="Juniper", last_name="Adair", preferred_name="June")


@pytest.fixture
def plan(person):
    plan = PlanFactory(client=person)  # starts today where the practice is: every day is still ahead
    PlanItemFactory(plan=plan, title="Evening pages", schedule_kind="days", schedule_values=[0, 1, 2],
                    time_of_day="evening", prompts="What am I carrying home today?")
    PlanItemFactory(plan=plan, title="Walk by the water", schedule_kind="weekly", schedule_values=[5],
                    time_of_day="morning")
    PlanItemFactory(plan=plan, title="Integration session", schedule_kind="checkpoints", schedule_values=["1w"],
                    time_of_day="")
    return plan


def finalize(http, person, plan) -> PlanExport:
    response = http.post(f"/clients/{person.id}/plans/{plan.id}/finalize")
    assert response.status_code == 302
    return db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def test_finalizing_stores_the_pdf_and_downloads_serve_those_exact_bytes(client, auth, coach, person, plan):
    auth.login(coach)
    export = finalize(client, person, plan)
    assert export.pdf.startswith(b"%PDF") and export.size == len(export.pdf)
    assert export.sha256 == hashlib.sha256(export.pdf).hexdigest()
    assert (export.version, export.created_by_id) == (1, coach.id)

    response = client.get(f"/clients/{person.id}/plans/{plan.id}/exports/{export.id}/download")
    assert response.status_code == 200
    assert response.data == export.pdf
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.client_id == person.id))]
    assert {"finalize", "export", "download"} <= set(actions)


def test_download_of_another_plans_export_is_404(client, auth, coach, person, plan):
    auth.login(coach)
    export = finalize(client, person, plan)
    other_plan = PlanFactory(client=person)
    assert client.get(f"/clients/{person.id}/plans/{other_plan.id}/exports/{export.id}/download").status_code == 404


def _make_link(http, person, plan, export) -> str:
    page = http.post(f"/clients/{person.id}/plans/{plan.id}/exports/{export.id}/share")
    assert page.status_code == 200
    return re.search(r'value="https?://[^"]*/p/([A-Za-z0-9_\-]+)"', page.get_data(as_text=True)).group(1)


def test_share_link_serves_the_stored_pdf_without_an_account_and_is_audited(app, client, auth, coach, person, plan):
    auth.login(coach)
    export = finalize(client, person, plan)
    token = _make_link(client, person, plan, export)
    link = db.session.scalar(select(ShareLink))
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in link.token_hash
    assert timedelta(days=13, hours=23) < link.expires_at - datetime.utcnow() <= timedelta(days=14)

    stranger = app.test_client()
    page = stranger.get(f"/p/{token}")
    assert page.status_code == 200 and page.mimetype == "text/html" and page.headers["Referrer-Policy"] == "no-referrer"
    assert db.session.get(ShareLink, link.id).downloads == 0, "opening the page is not a download"
    response = stranger.get(f"/p/{token}/plan.pdf")
    assert response.status_code == 200 and response.data == export.pdf
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]
    download = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "download", AuditEvent.user_id.is_(None)))
    assert download.client_id == person.id
    assert db.session.get(ShareLink, link.id).downloads == 1


def test_expired_revoked_and_unknown_links_look_the_same_and_reveal_nothing(app, client, auth, coach, person, plan):
    auth.login(coach)
    export = finalize(client, person, plan)
    expired = _make_link(client, person, plan, export)
    revoked = _make_link(client, person, plan, export)
    expired_link, revoked_link = db.session.scalars(select(ShareLink).order_by(ShareLink.id)).all()
    expired_link.expires_at = datetime.utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.post(f"/clients/{person.id}/plans/{plan.id}/links/{revoked_link.id}/revoke").status_code == 302

    stranger = app.test_client()
    answers = [stranger.get(f"/p/{token}") for token in (expired, revoked, "not-a-real-token-at-all")]
    answers += [stranger.get(f"/p/{revoked}/calendar.ics")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.data for a in answers}) == 1
    body = answers[0].get_data(as_text=True)
    for secret in ("June", "Juniper", "Adair", "Evening pages", "%PDF"):
        assert secret not in body
    assert answers[0].headers["Referrer-Policy"] == "no-referrer"


def test_guessing_links_is_throttled(app):
    stranger = app.test_client()
    addr = {"REMOTE_ADDR": "203.0.113.77"}
    codes = [stranger.get(f"/p/guess-{n}", environ_base=addr).status_code for n in range(31)]
    assert codes[:30] == [404] * 30
    assert codes[30] == 429
    # The calendar link shares the same budget.
    assert stranger.get("/p/guess/calendar.ics", environ_base=addr).status_code == 429


def test_calendar_file_parses_and_holds_the_scheduled_practices(app, client, auth, coach, person, plan):
    auth.login(coach)
    export = finalize(client, person, plan)
    token = _make_link(client, person, plan, export)
    for response in (client.get(f"/clients/{person.id}/plans/{plan.id}/calendar.ics"),
                     app.test_client().get(f"/p/{token}/calendar.ics")):
        assert response.status_code == 200 and response.mimetype == "text/calendar"
        cal = Calendar.from_ical(response.data)
        events = [(str(e["summary"]), e.decoded("dtstart")) for e in cal.walk("VEVENT")]
        start = plan.start_date
        days = sorted(begins for title, begins in events if title == "Evening pages")
        assert [d.date() for d in days] == [start, start + timedelta(days=1), start + timedelta(days=2)]
        assert days[0].hour == 19 and str(days[0].tzinfo) == "America/New_York"
        assert ("Integration session", start + timedelta(days=7)) in events  # one week after, all day
        walk = next(e for e in cal.walk("VEVENT") if str(e["summary"]) == "Walk by the water")
        saturday = start + timedelta(days=(5 - start.weekday()) % 7)
        assert walk.decoded("dtstart").date() == saturday  # the first Saturday
        assert walk["rrule"]["FREQ"] == ["WEEKLY"] and walk["rrule"]["BYDAY"] == ["SA"]
        text = response.get_data(as_text=True)
        assert "Juniper" not in text and "Adair" not in text


def test_the_pdf_holds_the_plan_and_nothing_private(client, auth, coach, person, practice):
    other = ClientFactory.for_team(coach, first_name="Ottoline", last_name="Greaves")
    session = DosingSessionFactory(client=person, intention="PEPPERCOMET intention", notes="QUARTZHERON dose notes")
    note = NoteFactory.signed(client=person, author=coach, kind="debrief", dosing_session_id=session.id, content={
        "experience": "ZEBRAQUILL experience", "observations": "MARMOTLANTERN observation",
        "safety": {"mood": "low", "asked": "yes", "answer": "OBSIDIANFERN answer", "follow_up": "no", "plan": ""}})
    secret_history = HistoryItemFactory(client=person, title="CORMORANTSECRET", detail="BRAMBLEVEIL detail",
                                        sensitive=True)
    goal = GoalFactory(client=person, title="Evenings that feel like mine", why="Because home should feel safe",
                       how_we_know="SAFFRONLEDGE measure")
    shared_insight = InsightFactory(note=note, text="TANGERINEVAULT clinical framing",
                                    client_words="I can put the heavy bag down", shared_with_coach=True,
                                    words_confirmed_by_id=coach.id, words_confirmed_at=datetime(2026, 1, 5))
    unconfirmed = InsightFactory(note=note, text="clinical", client_words="PARAPHRASEDFINCH words",
                                 shared_with_coach=True)
    shared_insight.goals = [goal]
    hushed_insight = InsightFactory(note=note, text="clinical", client_words="HUSHWILLOW words",
                                    shared_with_coach=True)
    hushed_insight.history_items = [secret_history]
    foreign_goal = GoalFactory(client=other, title="GRANITEOTTER goal", why="GRANITEOTTER why")
    foreign_insight = InsightFactory(note=NoteFactory.signed(client=other, author=coach),
                                     client_words="LICHENMOTH words")

    plan = PlanFactory(client=person, message="You showed up for yourself this week.")
    item = PlanItemFactory(plan=plan, title="Evening pages", instructions="Write by hand for ten minutes.",
                           prompts="What am I carrying home today?")
    ongoing = PlanItemFactory(plan=plan, title="Walk by the water", schedule_kind="weekly", schedule_values=[5],
                              prompts="What did the water sound like?")
    item.goals = [goal]
    item.insights = [shared_insight, hushed_insight, unconfirmed]
    # Planted past the forms' checks, to prove the document itself refuses another client's record.
    ongoing.goals = [foreign_goal]
    ongoing.insights = [foreign_insight]
    db.session.commit()

    auth.login(coach)
    export = finalize(client, person, plan)
    text = pdf_text(export.pdf)
    for present in ("June", "Evening pages", "Write by hand for ten minutes", "What am I carrying home today?",
                    "What did the water sound like?", "Walk by the water", "Evenings that feel like mine",
                    "Because home should feel safe", "I can put the heavy bag down",
                    "You showed up for yourself this week", "988"):
        assert present in text, present
    for absent in ("ZEBRAQUILL", "MARMOTLANTERN", "OBSIDIANFERN", "TANGERINEVAULT", "CORMORANTSECRET",
                   "BRAMBLEVEIL", "HUSHWILLOW", "GRANITEOTTER", "LICHENMOTH", "Ottoline", "Greaves",
                   "PEPPERCOMET", "QUARTZHERON", "SAFFRONLEDGE", "Adair", "Juniper", "PARAPHRASEDFINCH"):
        assert absent not in text, absent

    preview = client.get(f"/clients/{person.id}/plans/{plan.id}/preview").get_data(as_text=True)
    for absent in ("ZEBRAQUILL", "TANGERINEVAULT", "HUSHWILLOW", "GRANITEOTTER", "CORMORANTSECRET"):
        assert absent not in preview
    assert "I can put the heavy bag down" in preview
    assert "no one has confirmed that the words are the client" in preview, "the preview says what is held back"


def test_first_days_describe_a_practice_once_and_spread_its_prompts(person, coach):
    from integration.plans.assemble import build_document, load_plan

    goal = GoalFactory(client=person, title="Rest without guilt")
    insight = InsightFactory(note=NoteFactory.signed(client=person, author=coach), client_words="I am allowed to stop",
                             shared_with_coach=True, words_confirmed_by_id=coach.id,
                             words_confirmed_at=datetime(2026, 1, 5))
    plan = PlanFactory(client=person)
    item = PlanItemFactory(plan=plan, title="Evening pages", instructions="Write by hand for ten minutes.",
                           schedule_kind="days", schedule_values=[0, 1, 2],
                           prompts="What stayed with me?\nWhat do I want to keep?\nWhat can I let go of?")
    item.goals, item.insights = [goal], [insight]
    db.session.commit()

    doc = build_document(load_plan(person.id, plan.id))
    day0, day1, day2 = doc.first_days
    first, repeat = day0.items[0], day2.items[0]
    assert first.instructions == "Write by hand for ten minutes." and first.described_on == ""
    assert first.why == ["I am allowed to stop"] and first.goals == ["Rest without guilt"]
    assert repeat.described_on == "The day of your session"
    assert [day0.prompts, day1.prompts, day2.prompts] == [
        ["What stayed with me?"], ["What do I want to keep?"], ["What can I let go of?"]]


def test_the_pdf_says_which_goal_a_practice_serves_and_never_calls_a_goal_something_noticed(
        client, auth, coach, person):
    goal = GoalFactory(client=person, title="Rest without guilt")
    plan = PlanFactory(client=person)
    item = PlanItemFactory(plan=plan, title="Evening pages", schedule_kind="weekly", schedule_values=[2])
    item.goals = [goal]
    db.session.commit()
    auth.login(coach)
    text = pdf_text(finalize(client, person, plan).pdf)
    assert "Part of your goal" in text and "Rest without guilt" in text
    assert "Because you noticed" not in text
