"""Issue 11: the client's plan is clinically safe. Every check reads a real PDF (page by page), the real
calendar file or the real pages."""
import io
import re
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import select

from integration.clock import local_today
from integration.extensions import db
from integration.plans.models import PlanExport, PlanItem
from tests.factories import (ClientFactory, DosingSessionFactory, GoalFactory, GroupSeriesFactory,
                             GroupSessionFactory, HistoryItemFactory, InsightFactory, NoteFactory, PlanFactory,
                             PlanItemFactory)


@pytest.fixture
def person(coach):
    return ClientFactory.for_team(coach, first_name="Juniper", last_name="Adair", preferred_name="June")


def pages_of(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages]


def finalize(http, plan):
    response = http.post(f"/clients/{plan.client_id}/plans/{plan.id}/finalize")
    assert response.status_code == 302
    return db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id))


def session_plan(person, **kwargs):
    """A plan anchored to a dosing session today, with one practice on the session day."""
    today = local_today(person.practice.timezone)
    session = DosingSessionFactory(client=person, started_at=datetime.combine(today, datetime.min.time())
                                   + timedelta(hours=17))  # midday in New York
    plan = PlanFactory(client=person, dosing_session_id=session.id, start_date=today, **kwargs)
    PlanItemFactory(plan=plan, title="Evening pages", schedule_values=[0, 1, 2])
    return plan


# --- 1 and 2: safety and crisis help first ------------------------------------------------------

def test_a_session_plan_opens_with_crisis_help_and_day_of_session_safety(client, auth, coach, person, practice):
    practice.after_hours_line = "555-0199, a nurse on call"
    practice.reply_time = "We answer messages within one working day."
    plan = session_plan(person)
    db.session.commit()
    auth.login(coach)
    pages = pages_of(finalize(client, plan).pdf)
    page2 = pages[1]
    for line in ("Call or text 988", "988lifeline.org", "press 1", "711, then 988", "videophone", "call 911",
                 "555-0199, a nurse on call", "We answer messages within one working day"):
        assert line in page2, line
    for point in ("Do not drive", "until the next day", "adult you trust", "alcohol", "chest pain",
                  "trouble breathing", "confused and it does not pass"):
        assert point in page2, point
    assert "Help right now" in pages[-1] or any("Help right now" in page for page in pages[-4:-1]), \
        "the crisis box comes again near the end"
    assert all("Help any time: call or text 988" in page for page in pages[1:]), "every page's footer"


def test_the_day_of_session_text_is_the_practices_own_and_only_on_session_plans(client, auth, coach, admin, person,
                                                                                 practice):
    auth.login(admin)
    settings = {"integration_window_days": "3", "paper_size": "letter", "country": "US", "crisis_resources": "",
                "after_hours_line": "", "reply_time": "", "client_contact": "", "morning_time": "07:30",
                "afternoon_time": "14:00", "evening_time": "18:30",
                "day_of_session_text": "Someone drives you home.\nRest all afternoon."}
    assert client.post("/settings/plans", data=settings).status_code == 302
    auth.logout()
    with_session = session_plan(person)
    without = PlanFactory(client=person)
    PlanItemFactory(plan=without, title="Walk", schedule_kind="weekly", schedule_values=[2])
    db.session.commit()
    auth.login(coach)
    text = " ".join(pages_of(finalize(client, with_session).pdf)[:2])
    assert "Someone drives you home." in text and "Rest all afternoon." in text and "Do not drive" not in text
    assert "On the day of your session" not in " ".join(pages_of(finalize(client, without).pdf))


def test_outside_the_us_finalize_needs_the_practices_own_crisis_line(client, auth, coach, person, practice):
    practice.country, practice.crisis_resources = "GB", ""
    plan = session_plan(person)
    db.session.commit()
    auth.login(coach)
    page = client.post(f"/clients/{person.id}/plans/{plan.id}/finalize", follow_redirects=True).get_data(as_text=True)
    assert "no crisis line" in page and db.session.get(type(plan), plan.id).is_draft

    practice.crisis_resources = "Call Samaritans free on 116 123, any time."
    db.session.commit()
    pages = pages_of(finalize(client, plan).pdf)
    assert "Samaritans free on 116 123" in pages[1] and "988" not in " ".join(pages)


# --- 3: cautions --------------------------------------------------------------------------------

def _food_item(plan):
    return PlanItemFactory(plan=plan, title="Food, drink and your plan", cautions=["substances"],
                           instructions="Talk with us about alcohol.", schedule_values=[1])


def test_a_caution_that_meets_the_record_is_flagged_and_blocks_finalize_until_checked(client, auth, coach,
                                                                                         person):
    HistoryItemFactory(client=person, category="substance_use", title="HIDDENHERON", sensitive=True,
                       detail="Sober from alcohol for four years.")
    plan = PlanFactory(client=person)
    item = _food_item(plan)
    calm = PlanItemFactory(plan=plan, title="Walk", cautions=["eyes_closed"])
    db.session.commit()
    auth.login(coach)
    builder = client.get(f"/clients/{person.id}/plans/{plan.id}").get_data(as_text=True)
    assert "Check this first" in builder and "alcohol and other substances" in builder
    assert "HIDDENHERON" not in builder and "an item you cannot see" in builder, "a coach reads no sensitive history"
    assert builder.count("Check this first") == 1, "a caution that meets nothing is not flagged"

    refused = client.post(f"/clients/{person.id}/plans/{plan.id}/finalize", follow_redirects=True)
    assert "Food, drink and your plan" in refused.get_data(as_text=True) and plan.is_draft

    url = f"/clients/{person.id}/plans/{plan.id}/items/{item.id}/caution"
    assert client.post(url, data={"choice": "keep"}).status_code == 302
    item = db.session.get(PlanItem, item.id)
    assert item.caution_checked_by_id == coach.id and item.caution_checked_at is not None
    assert finalize(client, plan) is not None and calm.caution_checked_at is None


def test_the_gentler_version_replaces_the_instructions(client, auth, coach, person):
    HistoryItemFactory(client=person, category="adversity", title="Accident", sensitive=False)
    plan = PlanFactory(client=person)
    item = PlanItemFactory(plan=plan, title="Body scan", cautions=["eyes_closed"],
                           instructions="Close your eyes.", gentle_variant="Keep your eyes open, three minutes.")
    db.session.commit()
    auth.login(coach)
    client.post(f"/clients/{person.id}/plans/{plan.id}/items/{item.id}/caution", data={"choice": "gentler"})
    assert db.session.get(PlanItem, item.id).instructions == "Keep your eyes open, three minutes."


def test_the_default_library_gives_no_blanket_advice_and_its_words_fit_their_time():
    from integration.plans.library import DEFAULT_LIBRARY
    from integration.plans.safety import time_clash

    keys = {row.key for row in DEFAULT_LIBRARY}
    assert {"movement-exercise", "hard-session", "self-compassion", "music-movement", "voice-journal",
            "relationship-patterns", "warning-signs", "booster-plan"} <= keys
    for row in DEFAULT_LIBRARY:
        text = f"{row.instructions} {row.prompts}".lower()
        assert not re.search(r"go easy on|avoid alcohol|cut out|no caffeine|skip meals|fast for", text), row.key
        assert time_clash(f"{row.instructions} {row.prompts}", row.when) is None, row.key
        if re.search(r"alcohol|fasting|exercise|eyes closed", text):
            assert row.cautions, f"{row.key} speaks of something with a caution"
    assert time_clash("Before the day gets busy, write.", "evening") == "morning"
    assert not any(row.kind == "weekdays" and len(row.values) == 7 and row.when for row in DEFAULT_LIBRARY), \
        "no practice rings every night by default"


# --- 4: only confirmed words -----------------------------------------------------------------------

def test_a_goals_why_is_held_back_when_it_touches_sensitive_history_and_its_client_title_prints(
        client, auth, coach, therapist, person):
    person.care_team.append(type(person.care_team[0])(client_id=person.id, user_id=therapist.id))
    secret = HistoryItemFactory(client=person, sensitive=True, title="Secret")
    goal = GoalFactory(client=person, title="Work on the 2019 loss", client_title="Feel at home again",
                       why="BRACKENWHY since what happened")
    insight = InsightFactory(note=NoteFactory.signed(client=person, author=therapist), client_words="x")
    insight.goals, insight.history_items = [goal], [secret]
    plan = PlanFactory(client=person)
    PlanItemFactory(plan=plan, title="Walk").goals = [goal]
    db.session.commit()
    auth.login(coach)
    preview = client.get(f"/clients/{person.id}/plans/{plan.id}/preview").get_data(as_text=True)
    assert "why it matters is left out" in preview and "BRACKENWHY" not in preview
    text = " ".join(pages_of(finalize(client, plan).pdf))
    assert "Feel at home again" in text and "Work on the 2019 loss" not in text and "BRACKENWHY" not in text


def test_confirming_the_clients_words_keeps_who_and_when_and_new_words_clear_it(client, auth, therapist):
    from integration.notes.insights import _confirm_words

    person = ClientFactory.for_team(therapist)
    insight = InsightFactory(note=NoteFactory.signed(client=person, author=therapist), client_words="")
    auth.login(therapist)
    with client.application.test_request_context():
        from flask_login import login_user
        login_user(therapist)
        _confirm_words(insight, "I can rest", True)
        assert insight.words_confirmed_by_id == therapist.id and insight.words_confirmed_at
        stamp = insight.words_confirmed_at
        _confirm_words(insight, "I can rest", True)
        assert insight.words_confirmed_at == stamp, "kept, not renewed"
        _confirm_words(insight, "I can rest now", False)
        assert insight.words_confirmed_at is None and insight.words_confirmed_by_id is None


# --- 5: dates that make sense ------------------------------------------------------------------------

def test_days_already_past_print_briefly_and_stay_out_of_the_calendar(client, auth, coach, person):
    today = local_today(person.practice.timezone)
    plan = PlanFactory(client=person, start_date=today - timedelta(days=2))
    PlanItemFactory(plan=plan, title="Evening pages", schedule_values=[0, 1, 2, 3])
    db.session.commit()
    auth.login(coach)
    builder = client.get(f"/clients/{person.id}/plans/{plan.id}").get_data(as_text=True)
    assert "starts 2 days before it can be given" in builder
    export = finalize(client, plan)
    text = " ".join(pages_of(export.pdf))
    assert "Already behind you" in text and "The day of your session" in text
    days = [event.decoded("dtstart").date() for event in Calendar.from_ical(export.ics).walk("VEVENT")]
    assert days and min(days) >= today, "no past events in the calendar file"


def test_shifting_the_schedule_starts_it_on_the_day_the_plan_is_given(client, auth, coach, person):
    today = local_today(person.practice.timezone)
    plan = PlanFactory(client=person, start_date=today - timedelta(days=2))
    PlanItemFactory(plan=plan, title="Evening pages", schedule_values=[0, 1])
    db.session.commit()
    auth.login(coach)
    client.post(f"/clients/{person.id}/plans/{plan.id}/past-days", data={"past_days": "shift"})
    export = finalize(client, plan)
    text = " ".join(pages_of(export.pdf))
    assert "Your first day" in text and "Already behind you" not in text
    days = sorted(event.decoded("dtstart").date() for event in Calendar.from_ical(export.ics).walk("VEVENT"))
    assert days == [today, today + timedelta(days=1)]


def test_practice_times_come_from_the_practice(client, auth, coach, person, practice):
    practice.plan_times = {"evening": "18:15"}
    plan = PlanFactory(client=person)
    PlanItemFactory(plan=plan, title="Evening pages", schedule_values=[1], time_of_day="evening")
    db.session.commit()
    auth.login(coach)
    [event] = Calendar.from_ical(finalize(client, plan).ics).walk("VEVENT")
    assert event.decoded("dtstart").strftime("%H:%M") == "18:15"


# --- 6: calendar = plan ------------------------------------------------------------------------------

def test_the_calendar_holds_appointments_circles_with_their_place_and_reminders(client, auth, coach, person,
                                                                                practice):
    today = local_today(practice.timezone)
    series = GroupSeriesFactory(practice_id=practice.id, place="The garden room",
                                video_link="https://video.example/circle")
    GroupSessionFactory(series=series, starts_at=datetime.combine(today + timedelta(days=5), datetime.min.time())
                        + timedelta(hours=23), theme="Coming home")
    plan = PlanFactory(client=person, reminders=True, appointments=[
        {"on": (today + timedelta(days=7)).isoformat(), "at": "10:00", "what": "Integration session"}])
    PlanItemFactory(plan=plan, title="Circle", schedule_kind="as_needed", schedule_values=[],
                    group_series_id=series.id)
    PlanItemFactory(plan=plan, title="Evening pages", schedule_values=[1])
    db.session.commit()
    auth.login(coach)
    export = finalize(client, plan)
    events = {str(e["summary"]): e for e in Calendar.from_ical(export.ics).walk("VEVENT")}
    assert set(events) == {"Circle", "Evening pages", "Integration session"}
    assert events["Integration session"].decoded("dtstart").strftime("%H:%M") == "10:00"
    assert "The garden room" in str(events["Circle"]["location"])
    assert "https://video.example/circle" in str(events["Circle"]["location"])
    assert all(event.walk("VALARM") for event in events.values())
    text = " ".join(pages_of(export.pdf))
    assert "Where: The garden room" in text and "Integration session" in text


def test_without_reminders_the_calendar_has_no_alarms(client, auth, coach, person):
    plan = PlanFactory(client=person, reminders=False)
    PlanItemFactory(plan=plan, title="Evening pages", schedule_values=[1])
    db.session.commit()
    auth.login(coach)
    assert b"VALARM" not in finalize(client, plan).ics


# --- 9: the landing page of the private link -----------------------------------------------------------

def _link(http, plan, export) -> str:
    page = http.post(f"/clients/{plan.client_id}/plans/{plan.id}/exports/{export.id}/share").get_data(as_text=True)
    assert "data-copy-from" in page, "the coach gets a copy button"
    return re.search(r'id="share-page-url" type="text" readonly value="https?://[^"]*/p/([A-Za-z0-9_\-]+)"',
                     page).group(1)


def test_the_link_opens_a_page_with_who_how_help_and_both_downloads(app, client, auth, coach, person, practice):
    practice.client_contact, practice.reply_time = "Call 555-0142 on weekdays.", "We answer within one working day."
    plan = session_plan(person)
    db.session.commit()
    auth.login(coach)
    export = finalize(client, plan)
    token = _link(client, plan, export)
    page = app.test_client().get(f"/p/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["X-Robots-Tag"] == "noindex, nofollow"
    for expected in ("June", coach.name, "Call 555-0142 on weekdays.", "We answer within one working day.",
                     "Call or text 988", "988lifeline.org", "Download the plan (PDF)", "Add to calendar",
                     f"/p/{token}/plan.pdf", f"/p/{token}/calendar.ics", 'name="viewport"'):
        assert expected in html, expected
    assert "<script" not in html and "Juniper" not in html and "Adair" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "nothing from elsewhere"
    assert "newer plan" not in html


def test_a_superseded_link_says_a_newer_plan_was_given_and_how_to_get_it(app, client, auth, coach, person):
    plan = session_plan(person)
    db.session.commit()
    auth.login(coach)
    token = _link(client, plan, finalize(client, plan))
    client.post(f"/clients/{person.id}/plans/{plan.id}/new-version")
    newer = db.session.scalar(select(type(plan)).where(type(plan).replaces_id == plan.id))
    finalize(client, newer)
    html = app.test_client().get(f"/p/{token}").get_data(as_text=True)
    assert "There is a newer plan" in html and "ask" in html


def test_a_new_link_can_be_made_at_any_time_and_revoked_links_show_nothing(app, client, auth, coach, person):
    plan = session_plan(person)
    db.session.commit()
    auth.login(coach)
    export = finalize(client, plan)
    first, second = _link(client, plan, export), _link(client, plan, export)
    assert first != second
    from integration.plans.models import ShareLink
    link = db.session.scalars(select(ShareLink).order_by(ShareLink.id)).first()
    client.post(f"/clients/{person.id}/plans/{plan.id}/links/{link.id}/revoke")
    stranger = app.test_client()
    assert stranger.get(f"/p/{first}").status_code == 404 and stranger.get(f"/p/{first}/plan.pdf").status_code == 404
    assert stranger.get(f"/p/{second}").status_code == 200


def test_a_practice_begun_in_the_past_is_described_on_its_first_day_ahead(person):
    from integration.plans.assemble import build_document, load_plan

    today = local_today(person.practice.timezone)
    plan = PlanFactory(client=person, start_date=today - timedelta(days=1))
    PlanItemFactory(plan=plan, title="Evening pages", instructions="Write by hand.", schedule_values=[0, 1, 2],
                    prompts="One?\nTwo?")
    db.session.commit()
    doc = build_document(load_plan(person.id, plan.id))
    [behind], (day1, day2) = doc.behind, doc.first_days
    assert behind.label == "The day of your session" and behind.prompts == []
    assert day1.items[0].described_on == "" and day1.items[0].instructions == "Write by hand."
    assert day2.items[0].described_on == day1.label
    assert [day1.prompts, day2.prompts] == [["One?"], ["Two?"]]
