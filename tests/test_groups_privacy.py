"""No one's words leak into another member's record.

Two clients, A and B, sit in the same circle session. Each has a signed individual note holding a
planted word (A: "zephyrquill", B: "marrowlark") and a distinctive name; the session's group note holds
its own planted word ("thistledown"). Everywhere A's record reaches — overview and timeline, the
circle tab, notes, insights, search, the plan preview, the PDF and the calendar file — B's words, B's
name and the group note's word never appear, while A's own words do where they belong.
"""
from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from integration.clock import local_today, utcnow
from integration.extensions import db
from integration.groups.models import GroupNote
from integration.notes.models import Insight
from integration.plans.models import PlanExport
from tests.factories import (AttendanceFactory, ClientFactory, EnrollmentFactory, GroupSeriesFactory,
                             GroupSessionFactory, NoteFactory, PlanFactory, PlanItemFactory, UserFactory)

A_WORD, B_WORD, GROUP_WORD = "zephyrquill", "marrowlark", "thistledown"
B_NAMES = ("Casimir", "Fenwhistle")
UPCOMING_THEME = "Gentle returns"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def never_b(text: str, where: str) -> None:
    lowered = text.lower()
    for forbidden in (B_WORD, GROUP_WORD, *(name.lower() for name in B_NAMES)):
        assert forbidden not in lowered, f"{forbidden!r} leaked into {where}"


@pytest.fixture
def circle(practice, therapist):
    """A and B in one past session, both with signed notes; a group note; one upcoming session."""
    a = ClientFactory.for_team(therapist, first_name="Odalys", last_name="Brightwater")
    b = ClientFactory.for_team(therapist, first_name=B_NAMES[0], last_name=B_NAMES[1])
    series = GroupSeriesFactory.run_by(therapist, name="Tuesday evening integration circle")
    past = GroupSessionFactory(series=series, starts_at=utcnow() - timedelta(days=3), theme="The body remembers")
    upcoming = GroupSessionFactory(series=series, starts_at=utcnow() + timedelta(days=4), theme=UPCOMING_THEME)
    notes = {}
    for person, word in ((a, A_WORD), (b, B_WORD)):
        EnrollmentFactory(series=series, client=person)
        attendance = AttendanceFactory(group_session=past, client=person, status="present")
        notes[person.id] = NoteFactory.for_attendance(
            attendance, therapist, participation=f"Engaged throughout ({word}).",
            brought=f"Shared the image of a {word} over the water.", reflections=f"{word} as a sign of rest.")
    insight = Insight(client_id=a.id, note_id=notes[a.id].id, text=f"The {A_WORD} stands for slowing down",
                      client_words=f"My {A_WORD} reminds me to rest")
    db.session.add_all([insight, GroupNote(group_session_id=past.id, author_id=therapist.id,
                                           content={"text": f"Themes of rest; {GROUP_WORD}."})])
    plan = PlanFactory(client=a, start_date=local_today("UTC") - timedelta(days=1), created_by_id=therapist.id)
    PlanItemFactory(plan=plan, category="group", title="Join the Tuesday circle", schedule_kind="weekly",
                    schedule_values=[1], group_series_id=series.id, instructions="Come as you are.")
    db.session.commit()
    return {"a": a, "b": b, "series": series, "past": past, "upcoming": upcoming, "plan": plan,
            "notes": notes}


def test_a_record_pages_never_show_b_or_the_group_note(signed_in, circle):
    a = circle["a"]
    note = circle["notes"][a.id]
    pages = {
        "overview": f"/clients/{a.id}",
        "circle tab": f"/clients/{a.id}/groups",
        "sessions and notes": f"/clients/{a.id}/sessions",
        "note": f"/clients/{a.id}/notes/{note.id}",
        "insights": f"/clients/{a.id}/insights",
    }
    for where, url in pages.items():
        response = signed_in.get(url)
        assert response.status_code == 200, url
        never_b(response.get_data(as_text=True), where)
    assert A_WORD in signed_in.get(pages["note"]).get_data(as_text=True)
    assert A_WORD in signed_in.get(pages["insights"]).get_data(as_text=True)
    overview = signed_in.get(pages["overview"]).get_data(as_text=True)
    assert "Tuesday evening integration circle" in overview and "The body remembers" in overview


def without_query(page: str, term: str) -> str:
    """The page without the places that echo the query back (the search box, "Nothing matches …")."""
    return page.replace(f'value="{term}"', "").replace(f"“{term}”", "")


def test_search_finds_only_the_clients_own_words(signed_in, circle):
    a = circle["a"]
    for term in (B_WORD, GROUP_WORD, *B_NAMES):
        page = signed_in.get(f"/clients/{a.id}/search", query_string={"q": term}).get_data(as_text=True)
        assert "Nothing matches" in page, term
        never_b(without_query(page, term), f"A's search for {term!r}")
    own = signed_in.get(f"/clients/{a.id}/search", query_string={"q": A_WORD}).get_data(as_text=True)
    assert A_WORD in without_query(own, A_WORD)
    never_b(own, "A's search for A's word")
    across = signed_in.get("/search", query_string={"q": A_WORD}).get_data(as_text=True)
    assert "Brightwater" in across
    never_b(across, "search across clients for A's word")
    nothing = signed_in.get("/search", query_string={"q": GROUP_WORD}).get_data(as_text=True)
    assert "Nothing matches" in nothing  # the group note is never searched


def test_a_practitioner_on_as_team_only_never_finds_b(client, auth, practice, circle):
    only_a = UserFactory(practice=practice, role="therapist", name="Only A's therapist")
    from integration.clients.models import CareTeamMember

    db.session.add(CareTeamMember(client_id=circle["a"].id, user_id=only_a.id))
    db.session.commit()
    auth.login(only_a)
    for term in (B_WORD, GROUP_WORD, *B_NAMES):
        page = client.get("/search", query_string={"q": term}).get_data(as_text=True)
        assert "Nothing matches" in page, term
        never_b(without_query(page, term), f"search for {term!r} by A's therapist")
    found = client.get("/search", query_string={"q": A_WORD}).get_data(as_text=True)
    assert "Brightwater" in found
    never_b(found, "search for A's word by A's therapist")
    b = circle["b"]
    assert client.get(f"/clients/{b.id}").status_code == 404
    assert client.get(f"/clients/{b.id}/notes/{circle['notes'][b.id].id}").status_code == 404
    assert client.get(f"/groups/{circle['series'].id}").status_code == 404


def test_plan_preview_pdf_and_calendar_show_dates_and_theme_never_b(signed_in, circle):
    a, plan = circle["a"], circle["plan"]
    preview = signed_in.get(f"/clients/{a.id}/plans/{plan.id}/preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert UPCOMING_THEME in html and "Next circle dates" in html
    never_b(html, "plan preview")

    calendar = signed_in.get(f"/clients/{a.id}/plans/{plan.id}/calendar.ics")
    ics = calendar.get_data(as_text=True)
    assert calendar.status_code == 200 and UPCOMING_THEME in ics
    assert circle["upcoming"].starts_at.strftime("%Y%m%dT%H%M%S") in ics
    assert "The body remembers" not in ics  # past sessions are not offered
    never_b(ics, "calendar")
    assert A_WORD not in ics and "Brightwater" not in ics  # no clinical words or names in a calendar

    assert signed_in.post(f"/clients/{a.id}/plans/{plan.id}/finalize").status_code == 302
    export = db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id))
    download = signed_in.get(f"/clients/{a.id}/plans/{plan.id}/exports/{export.id}/download")
    assert download.status_code == 200
    text = pdf_text(download.data)
    squashed = "".join(text.split())
    assert "".join(UPCOMING_THEME.split()) in squashed
    never_b(text, "PDF")
    never_b(squashed, "PDF (whitespace removed)")
    assert A_WORD not in squashed.lower()  # the individual note is clinical: never in the PDF


def test_the_circle_page_shows_the_group_note_only_to_those_running_it(signed_in, circle, client, auth, practice):
    page = signed_in.get(f"/groups/{circle['series'].id}/sessions/{circle['past'].id}/note").get_data(as_text=True)
    assert GROUP_WORD in page
    assert A_WORD not in page and B_WORD not in page  # individual notes are opened on each client's record
