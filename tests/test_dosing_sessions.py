"""Dosing sessions: recording them, the rules on dates and doses, numbering, windows."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from integration.clock import local_today, utcnow
from integration.extensions import db
from integration.notes.models import DosingSession
from tests.factories import (ClientFactory, DosingSessionFactory, NoteFactory, UserFactory, practice_today,
                             session_form)


@pytest.fixture
def person(therapist):
    return ClientFactory.for_team(therapist, first_name="Wren", last_name="Halloway")


def sessions_of(person):
    return db.session.scalars(select(DosingSession).where(DosingSession.client_id == person.id)
                              .order_by(DosingSession.number)).all()


def test_records_a_session_with_practitioners_and_local_time(signed_in, person, therapist):
    response = signed_in.post(f"/clients/{person.id}/sessions/new",
                              data=session_form(started_on="2025-01-15", started_time="09:30",
                                                practitioners=[str(therapist.id)]))
    assert response.status_code == 302
    (session,) = sessions_of(person)
    assert session.number == 1
    # 9:30 in New York in January (EST, UTC-5) is stored as 14:30 UTC.
    assert session.started_at == datetime(2025, 1, 15, 14, 30)
    assert [u.id for u in session.practitioners] == [therapist.id]
    page = signed_in.get(response.headers["Location"])
    assert b"Session 1" in page.data
    assert b"Jan 15, 2025 9:30 AM" in page.data
    assert b"Jan 15, 2025 to Jan 18, 2025" in page.data  # the integration window, day 0 to day 3
    assert b"Start the debrief" in page.data


def test_numbers_follow_the_series_per_client(signed_in, person, therapist):
    other = ClientFactory.for_team(therapist)
    for day in ("2025-01-10", "2025-02-10", "2025-03-10"):
        signed_in.post(f"/clients/{person.id}/sessions/new", data=session_form(started_on=day))
    signed_in.post(f"/clients/{other.id}/sessions/new", data=session_form())
    assert [s.number for s in sessions_of(person)] == [1, 2, 3]
    assert [s.number for s in sessions_of(other)] == [1]


def test_a_session_in_the_future_is_refused(signed_in, person):
    tomorrow = local_today("America/New_York") + timedelta(days=1)
    response = signed_in.post(f"/clients/{person.id}/sessions/new",
                              data=session_form(started_on=tomorrow.isoformat(), intention="Keep me"))
    assert response.status_code == 422
    assert b"This date is in the future" in response.data
    assert b"Keep me" in response.data
    assert sessions_of(person) == []


def test_later_today_is_allowed(signed_in, person):
    response = signed_in.post(f"/clients/{person.id}/sessions/new", data=session_form(started_time="23:59"))
    assert response.status_code == 302


@pytest.mark.parametrize("field", ["dose_mg", "dose_mg_per_kg"])
@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_dose_must_be_positive(signed_in, person, field, value):
    response = signed_in.post(f"/clients/{person.id}/sessions/new", data=session_form(**{field: value}))
    assert response.status_code == 422
    assert b"A dose must be more than 0." in response.data
    assert sessions_of(person) == []


def test_a_dose_is_required(signed_in, person):
    response = signed_in.post(f"/clients/{person.id}/sessions/new", data=session_form(dose_mg="", dose_mg_per_kg=""))
    assert response.status_code == 422
    assert b"Enter the dose" in response.data


@pytest.mark.parametrize("overrides", [{"dose_mg": "700"}, {"dose_mg": "", "dose_mg_per_kg": "10"}])
def test_a_large_dose_asks_for_confirmation_and_keeps_what_was_typed(signed_in, person, overrides):
    data = session_form(setting="Treatment room 2", **overrides)
    response = signed_in.post(f"/clients/{person.id}/sessions/new", data=data)
    assert response.status_code == 422
    assert b"Yes, this dose is correct" in response.data
    assert b"Treatment room 2" in response.data
    typed = overrides.get("dose_mg") or overrides["dose_mg_per_kg"]
    assert f'value="{typed}"'.encode() in response.data
    assert sessions_of(person) == []

    confirmed = signed_in.post(f"/clients/{person.id}/sessions/new", data={**data, "confirm_dose": "y"})
    assert confirmed.status_code == 302
    assert len(sessions_of(person)) == 1


def test_an_ordinary_dose_does_not_ask(signed_in, person):
    response = signed_in.post(f"/clients/{person.id}/sessions/new", data=session_form(dose_mg="300", dose_mg_per_kg="2"))
    assert response.status_code == 302


def test_practitioners_are_chosen_from_the_care_team(signed_in, person, therapist, practice):
    stranger = UserFactory(practice=practice, name="Not On Team")
    page = signed_in.get(f"/clients/{person.id}/sessions/new")
    assert therapist.name.encode() in page.data
    assert b"Not On Team" not in page.data
    response = signed_in.post(f"/clients/{person.id}/sessions/new",
                              data=session_form(practitioners=[str(stranger.id)]))
    assert response.status_code == 422
    assert sessions_of(person) == []


def test_edit_keeps_the_number_and_changes_the_dose(signed_in, person):
    signed_in.post(f"/clients/{person.id}/sessions/new", data=session_form(started_on="2025-01-10"))
    (session,) = sessions_of(person)
    page = signed_in.get(f"/clients/{person.id}/sessions/{session.id}/edit")
    assert b'value="2025-01-10"' in page.data
    response = signed_in.post(f"/clients/{person.id}/sessions/{session.id}/edit",
                              data=session_form(started_on="2025-01-10", dose_mg="80"))
    assert response.status_code == 302
    db.session.refresh(session)
    assert (session.number, session.dose_mg) == (1, 80)


def test_list_shows_window_and_debrief_state(signed_in, person, therapist):
    today = local_today("America/New_York")
    recent = DosingSessionFactory(client=person, number=1, started_at=utcnow())
    older = DosingSessionFactory(client=person, number=2, started_at=datetime(2024, 5, 1, 15, 0))
    NoteFactory(client=person, author=therapist, kind="debrief", dosing_session_id=older.id)
    NoteFactory(client=person, author=therapist, kind="integration", occurred_on=today)
    page = signed_in.get(f"/clients/{person.id}/sessions").get_data(as_text=True)
    assert "Integration window open · day 0 of 3" in page
    assert "Integration window May 1–May 4" in page
    assert page.count("No debrief yet") == 1 and "Debrief in draft" in page
    assert "Integration session" in page
    assert recent.id and "Start the debrief" in page


def test_start_the_debrief_opens_the_editor_for_that_session(signed_in, person):
    session = DosingSessionFactory(client=person, number=1)
    response = signed_in.post(f"/clients/{person.id}/notes/new", data={
        "kind": "debrief", "session_id": str(session.id), "occurred_on": practice_today().isoformat()})
    assert response.status_code == 302
    editor = signed_in.get(response.headers["Location"])
    assert b'id="note-editor"' in editor.data
    assert b"The experience, in the client&#39;s words" in editor.data
    db.session.refresh(session)
    assert [n.kind for n in session.notes_written] == ["debrief"]


def test_a_debrief_needs_a_session(signed_in, person):
    response = signed_in.post(f"/clients/{person.id}/notes/new", data={
        "kind": "debrief", "session_id": "0", "occurred_on": practice_today().isoformat()})
    assert response.status_code == 422
    assert b"Choose the dosing session" in response.data


def test_another_clients_session_cannot_be_used(signed_in, person, therapist):
    other = ClientFactory.for_team(therapist)
    foreign = DosingSessionFactory(client=other, number=1)
    response = signed_in.post(f"/clients/{person.id}/notes/new", data={
        "kind": "debrief", "session_id": str(foreign.id), "occurred_on": practice_today().isoformat()})
    assert response.status_code == 422
    assert signed_in.get(f"/clients/{person.id}/sessions/{foreign.id}").status_code == 404
