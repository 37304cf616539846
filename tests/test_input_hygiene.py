"""Input hygiene in one place: NUL is refused on the field, bidi controls and stray control
characters never reach a page, the client's PDF or the calendar file, numbers fit the database."""
import io
import re

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import select

from integration.clients.models import Client
from integration.clock import local_today
from integration.extensions import db
from integration.forms import NUL_MESSAGE, clean_text, query_text, stored_int
from integration.notes.models import Note
from integration.plans.models import Plan, PlanExport
from tests.factories import ClientFactory, practice_today

OVERRIDE = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Wren" would print as "nerW"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.mark.parametrize("control", list(BIDI))
def test_every_bidi_control_is_removed(control):
    assert clean_text(f"Wren{control} Ng") == "Wren Ng"


def test_stray_control_characters_go_but_tabs_and_line_breaks_stay():
    assert clean_text("a\x01b\x1bc\x7fd\te\nf\r\ng") == "abcd\te\nf\r\ng"


def test_right_to_left_text_itself_is_kept():
    assert clean_text("שלום עולם مرحبا") == "שלום עולם مرحبا"


def test_nul_is_refused():
    with pytest.raises(ValueError, match="null"):
        clean_text("Wren\x00Ng")


def test_a_search_box_drops_nul_instead_of_refusing():
    assert query_text(" Wren\x00\u202e ") == "Wren"


@pytest.mark.parametrize("value", ["2147483648", "99999999999999999999", "-2147483648", "1.5", "x"])
def test_numbers_beyond_the_databases_integers_are_not_ids(value):
    with pytest.raises(ValueError):
        stored_int(value)


def test_a_nul_in_a_name_gets_a_message_on_the_field_and_saves_nothing(client, auth, therapist):
    auth.login(therapist)
    response = client.post("/clients/new", data={"first_name": "Wren\x00", "last_name": "Ng", "status": "active"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert NUL_MESSAGE in page
    assert db.session.scalar(select(Client).where(Client.last_name == "Ng")) is None


def test_a_bidi_override_never_reaches_the_record(client, auth, therapist):
    auth.login(therapist)
    client.post("/clients/new", data={"first_name": f"{OVERRIDE}Wren", "last_name": "Ng\u2066",
                                      "preferred_name": f"W{OVERRIDE}ren", "status": "active"})
    person = db.session.scalar(select(Client).where(Client.last_name == "Ng"))
    assert (person.first_name, person.preferred_name) == ("Wren", "Wren")
    assert not any(ch in client.get(f"/clients/{person.id}").get_data(as_text=True) for ch in BIDI)


def test_the_note_editor_refuses_nul_and_drops_overrides(client, auth, therapist):
    person = ClientFactory.for_team(therapist)
    auth.login(therapist)
    client.post(f"/clients/{person.id}/notes/new", data={"kind": "integration", "session_id": "0",
                                                        "occurred_on": practice_today().isoformat()})
    note = db.session.scalar(select(Note).where(Note.client_id == person.id))
    url = f"/clients/{person.id}/notes/{note.id}/autosave"
    json = {"Accept": "application/json"}
    refused = client.post(url, data={"version": note.version, "focus": "Breath\x00work"}, headers=json)
    assert refused.status_code == 422 and "null" in refused.get_json()["errors"]["focus"]
    saved = client.post(url, data={"version": note.version, "focus": f"Breath{OVERRIDE}work"}, headers=json)
    assert saved.status_code == 200
    db.session.expire_all()
    assert note.content["focus"] == "Breathwork"


def test_neither_the_pdf_nor_the_calendar_gets_a_bidi_control(client, auth, therapist):
    """A name and plan text typed with overrides print as typed, left to right, on what the client gets."""
    auth.login(therapist)
    client.post("/clients/new", data={"first_name": f"{OVERRIDE}Wren", "last_name": "Ng", "status": "active",
                                      "preferred_name": f"{OVERRIDE}Wren"})
    person = db.session.scalar(select(Client).where(Client.last_name == "Ng"))
    today = local_today(therapist.practice.timezone).isoformat()  # the calendar holds only days ahead
    client.post(f"/clients/{person.id}/plans/new", data={"dosing_session_id": "0", "start_date": today,
                                                         "message": f"Welcome home{OVERRIDE}, Wren"})
    plan = db.session.scalar(select(Plan).where(Plan.client_id == person.id))
    client.post(f"/clients/{person.id}/plans/{plan.id}/items/new", data={
        "category": "journaling", "title": f"Evening{OVERRIDE} pages", "instructions": f"Write{OVERRIDE} freely",
        "schedule_kind": "days", "days": ["0", "1"], "time_of_day": "evening"})
    assert client.post(f"/clients/{person.id}/plans/{plan.id}/finalize").status_code == 302
    export = db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id))
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(export.pdf)).pages)
    assert "Wren" in text and "Evening pages" in re.sub(r"\s+", " ", text)
    assert not any(ch in text for ch in BIDI)
    ics = client.get(f"/clients/{person.id}/plans/{plan.id}/calendar.ics").get_data(as_text=True)
    summaries = [str(event["SUMMARY"]) for event in Calendar.from_ical(ics).walk("VEVENT")]
    assert summaries and all(summary == "Evening pages" for summary in summaries)
    assert not any(ch in ics for ch in BIDI)


def test_an_id_beyond_the_databases_integers_is_not_found(client, auth, therapist):
    auth.login(therapist)
    assert client.get("/clients/99999999999999999999").status_code == 404
    assert client.get("/clients/2147483648").status_code == 404
