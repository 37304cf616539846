"""The dosing-safety record: each product's route and dose, vitals refused when impossible and flagged when
out of range, planned sessions that become held, consent text versions, recording without consent (the
confirmation and the worklist), who may reach it (coaches and admins never), and the audit rows."""
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.clock import from_local, local_today
from integration.dosing.checks import dose_problem, impossible, warnings
from integration.dosing.models import AdverseEvent, Consent, ConsentText, VitalsReading
from integration.extensions import db
from integration.notes.models import DosingSession
from tests.factories import ClientFactory, DosingSessionFactory, practice_today, session_form

ZONE = "America/New_York"


@pytest.fixture
def person(therapist):
    return ClientFactory.for_team(therapist, first_name="Wren", last_name="Halloway")


@pytest.fixture
def text(practice, admin):
    version = ConsentText(practice_id=practice.id, version=1, text="I agree to ketamine-assisted therapy.",
                          created_by_id=admin.id)
    db.session.add(version)
    db.session.commit()
    return version


@pytest.fixture
def held(person):
    return DosingSessionFactory(client=person, started_at=datetime.utcnow() - timedelta(hours=2))


def consent_for(person, text):
    consent = Consent(client_id=person.id, consent_text_id=text.id, signed_on=practice_today(),
                      signed_by="Wren Halloway", witnessed_by="Ines Calloway")
    db.session.add(consent)
    db.session.commit()
    return consent


def vitals(**overrides):
    data = {"taken_time": "10:05", "point": "pre", "systolic": "128", "diastolic": "82", "heart_rate": "76",
            "spo2": "98", "resp_rate": "14", "moaas": "5", "dissociation": "0"}
    data.update(overrides)
    return data


# --- each product's route and dose ----------------------------------------------------------------

@pytest.mark.parametrize("route,dose_mg,per_kg,problem", [
    ("intranasal", 56, None, None),
    ("intranasal", 84, None, None),
    ("intranasal", 28, None, "dose_mg"),
    ("intranasal", 70, None, "dose_mg"),
    ("intranasal", None, 1.0, "dose_mg_per_kg"),
    ("im", 56, None, "route"),
    ("iv", 84, None, "route"),
    ("oral", 56, None, "route"),
])
def test_esketamine_is_intranasal_56_or_84_mg(route, dose_mg, per_kg, problem):
    found = dose_problem("esketamine", route, dose_mg, per_kg)
    assert (found[0] if found else None) == problem


@pytest.mark.parametrize("route", ["iv", "im", "oral", "intranasal"])
def test_racemic_ketamine_takes_every_route(route):
    assert dose_problem("racemic", route, 70, 1.0) is None


def test_an_esketamine_session_with_a_wrong_dose_is_refused_at_the_field(signed_in, person):
    response = signed_in.post(f"/clients/{person.id}/sessions/new",
                              data=session_form(product="esketamine", route="intranasal", dose_mg="70",
                                                dose_mg_per_kg=""))
    assert response.status_code == 422
    assert "Esketamine is 56 mg (two devices) or 84 mg (three devices)." in response.get_data(as_text=True)
    response = signed_in.post(f"/clients/{person.id}/sessions/new",
                              data=session_form(product="esketamine", route="im", dose_mg="84", dose_mg_per_kg=""))
    assert "choose Intranasal" in response.get_data(as_text=True)
    response = signed_in.post(f"/clients/{person.id}/sessions/new",
                              data=session_form(product="esketamine", route="intranasal", dose_mg="84",
                                                dose_mg_per_kg=""))
    assert response.status_code == 302
    [session] = db.session.scalars(select(DosingSession)).all()
    assert (session.product, session.medicine, session.dose_mg) == ("esketamine", "esketamine", 84)


# --- vitals: impossible refused, out of range flagged ---------------------------------------------

@pytest.mark.parametrize("field,value,refused", [
    ("spo2", 100, False), ("spo2", 101, True), ("spo2", 50, False), ("spo2", 49, True),
    ("systolic", 300, False), ("systolic", 301, True), ("systolic", 50, False), ("systolic", 49, True),
    ("diastolic", 20, False), ("diastolic", 19, True), ("diastolic", 200, False), ("diastolic", 201, True),
    ("heart_rate", 20, False), ("heart_rate", 19, True), ("heart_rate", 250, False), ("heart_rate", 251, True),
    ("resp_rate", 4, False), ("resp_rate", 3, True), ("resp_rate", 60, False), ("resp_rate", 61, True),
])
def test_each_vitals_edge(field, value, refused):
    assert (impossible(field, value) is not None) == refused


def _reading(**fields):
    values = dict(point="during", systolic=128, diastolic=82, heart_rate=76, spo2=98, resp_rate=14, moaas=5)
    values.update(fields)
    return VitalsReading(**values)


@pytest.mark.parametrize("fields,warned", [
    ({}, None),
    ({"systolic": 179}, None), ({"systolic": 180}, "Systolic high"), ({"systolic": 89}, "Systolic low"),
    ({"diastolic": 109}, None), ({"diastolic": 110}, "Diastolic high"),
    ({"spo2": 90}, None), ({"spo2": 89}, "SpO2 low"),
    ({"heart_rate": 119}, None), ({"heart_rate": 120}, "Heart rate high"), ({"heart_rate": 49}, "Heart rate low"),
    ({"resp_rate": 9}, "Breathing rate low"), ({"resp_rate": None}, None),
    ({"moaas": 3}, None), ({"moaas": 2}, "Deep sedation"),
    ({"point": "pre", "systolic": 142}, "Blood pressure before dosing"),
    ({"point": "during", "systolic": 142}, None),
])
def test_out_of_range_values_warn(fields, warned):
    found = warnings(_reading(**fields))
    assert (found[0].split(":")[0] if found else None) == (warned.split(":")[0] if warned else None)


def test_a_reading_is_saved_by_its_time_on_the_session_day(signed_in, person, held, therapist):
    response = signed_in.post(f"/clients/{person.id}/sessions/{held.id}/vitals", data=vitals())
    assert response.status_code == 302
    [reading] = db.session.scalars(select(VitalsReading)).all()
    assert (reading.systolic, reading.diastolic, reading.spo2, reading.moaas, reading.dissociation) == (128, 82, 98, 5, 0)
    assert reading.recorded_by_id == therapist.id
    page = signed_in.get(f"/clients/{person.id}/sessions/{held.id}").get_data(as_text=True)
    assert "128/82" in page and "out of range" not in page


def test_an_impossible_reading_is_refused_with_the_typed_values_kept(signed_in, person, held):
    response = signed_in.post(f"/clients/{person.id}/sessions/{held.id}/vitals",
                              data=vitals(spo2="104", systolic="80", diastolic="95"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "SpO2 cannot be above 100%." in page
    assert "Diastolic must be lower than systolic" in page
    assert 'value="104"' in page
    assert db.session.scalars(select(VitalsReading)).all() == []


def test_a_possible_but_high_reading_is_saved_and_warned_on_the_session_page(signed_in, person, held):
    signed_in.post(f"/clients/{person.id}/sessions/{held.id}/vitals", data=vitals(point="during", systolic="184",
                                                                                  spo2="88"))
    page = signed_in.get(f"/clients/{person.id}/sessions/{held.id}").get_data(as_text=True)
    assert "2 out of range" in page
    assert "Systolic high: 184 mmHg" in page and "SpO2 low: 88 %" in page


def test_adverse_event_and_discharge(signed_in, person, held):
    response = signed_in.post(f"/clients/{person.id}/sessions/{held.id}/adverse-events",
                              data={"kind": "other", "severity": "mild", "action": "Observed"})
    assert response.status_code == 422 and "Say what happened." in response.get_data(as_text=True)
    signed_in.post(f"/clients/{person.id}/sessions/{held.id}/adverse-events",
                   data={"kind": "nausea", "severity": "mild", "action": "Ondansetron 4 mg ODT", "resolved": "y"})
    [event] = db.session.scalars(select(AdverseEvent)).all()
    assert (event.kind, event.severity, event.resolved) == ("nausea", "mild", True)

    response = signed_in.post(f"/clients/{person.id}/sessions/{held.id}/discharge",
                              data={"discharged_time": "12:40", "discharged_with": "Sam Ortiz, partner"})
    assert response.status_code == 422 and "every criterion is met" in response.get_data(as_text=True)
    signed_in.post(f"/clients/{person.id}/sessions/{held.id}/discharge",
                   data={"criteria_met": "y", "discharged_time": "12:40", "discharged_with": "Sam Ortiz, partner"})
    db.session.refresh(held)
    assert held.discharge_criteria_met and held.discharged_with == "Sam Ortiz, partner"
    page = signed_in.get(f"/clients/{person.id}/sessions/{held.id}").get_data(as_text=True)
    assert "Left at 12:40 PM with Sam Ortiz, partner" in page and "Nausea or vomiting" in page


# --- planned to held -------------------------------------------------------------------------------

def test_a_session_is_booked_ahead_as_planned_then_recorded_as_held(signed_in, person, text):
    consent_for(person, text)
    tomorrow = (local_today(ZONE) + timedelta(days=7)).isoformat()
    response = signed_in.post(f"/clients/{person.id}/sessions/new",
                              data=session_form(status="held", started_on=tomorrow))
    assert response.status_code == 422 and "Book it as planned" in response.get_data(as_text=True)
    response = signed_in.post(f"/clients/{person.id}/sessions/new",
                              data=session_form(status="planned", started_on=tomorrow, dose_mg="", dose_mg_per_kg=""))
    assert response.status_code == 302
    [session] = db.session.scalars(select(DosingSession)).all()
    assert session.status == "planned"
    # vitals wait until it is held
    response = signed_in.post(f"/clients/{person.id}/sessions/{session.id}/vitals", data=vitals())
    assert response.status_code == 302 and db.session.scalars(select(VitalsReading)).all() == []
    # recorded as held (its day has come): the dose is required then
    today = local_today(ZONE).isoformat()
    response = signed_in.post(f"/clients/{person.id}/sessions/{session.id}/edit",
                              data=session_form(status="held", started_on=today, dose_mg="", dose_mg_per_kg=""))
    assert response.status_code == 422
    signed_in.post(f"/clients/{person.id}/sessions/{session.id}/edit", data=session_form(status="held",
                                                                                        started_on=today))
    db.session.refresh(session)
    assert session.status == "held"
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "change")) == \
        "dosing session 1 recorded as held"
    form = signed_in.get(f"/clients/{person.id}/sessions/{session.id}/edit").get_data(as_text=True)
    assert "Planned: booking it ahead" not in form, "a held session does not go back to planned"


def test_planned_sessions_whose_day_has_come_are_on_the_worklist(signed_in, person, therapist):
    DosingSessionFactory(client=person, status="planned", started_at=datetime.utcnow() - timedelta(days=2))
    DosingSessionFactory(client=person, status="planned", started_at=datetime.utcnow() + timedelta(days=5))
    page = signed_in.get("/worklist").get_data(as_text=True)
    assert "Planned sessions to record" in page
    assert page.count("was planned") == 1


# --- consent ----------------------------------------------------------------------------------------

def test_consent_text_versions_are_kept(client, auth, admin):
    auth.login(admin)
    client.post("/settings/consent", data={"text": "First words."})
    client.post("/settings/consent", data={"text": "Second words."})
    client.post("/settings/consent", data={"text": "Second words."})  # no change: no new version
    versions = db.session.scalars(select(ConsentText).order_by(ConsentText.version)).all()
    assert [(v.version, v.text) for v in versions] == [(1, "First words."), (2, "Second words.")]
    page = client.get("/settings/consent").get_data(as_text=True)
    assert "First words." in page and "Version 1" in page and "Version 2" in page
    response = client.post("/settings/consent", data={"text": ""})
    assert response.status_code == 422 and "Write the consent text." in response.get_data(as_text=True)


def test_clinicians_do_not_edit_the_consent_text(signed_in):
    assert signed_in.get("/settings/consent").status_code == 404


def test_a_consent_is_recorded_to_the_current_version(signed_in, person, text, practice, admin):
    db.session.add(ConsentText(practice_id=practice.id, version=2, text="Newer words.", created_by_id=admin.id))
    db.session.commit()
    response = signed_in.post(f"/clients/{person.id}/consent", data={
        "series": "First series, 6 sessions", "signed_on": practice_today().isoformat(),
        "signed_by": "Wren Halloway", "witnessed_by": "Ines Calloway"})
    assert response.status_code == 302
    [consent] = db.session.scalars(select(Consent)).all()
    assert (consent.consent_text.version, consent.signed_by, consent.witnessed_by) == (2, "Wren Halloway",
                                                                                       "Ines Calloway")
    future = (local_today(ZONE) + timedelta(days=2)).isoformat()
    response = signed_in.post(f"/clients/{person.id}/consent", data={
        "signed_on": future, "signed_by": "Wren Halloway", "witnessed_by": "Ines"})
    assert response.status_code == 422 and "in the future" in response.get_data(as_text=True)


def test_recording_without_consent_asks_then_stays_on_the_worklist_until_consent(signed_in, person, text, therapist):
    data = session_form()
    del data["confirm_without_consent"]
    response = signed_in.post(f"/clients/{person.id}/sessions/new", data=data)
    assert response.status_code == 422
    assert "There is no consent on file for this client." in response.get_data(as_text=True)
    assert db.session.scalars(select(DosingSession)).all() == []

    response = signed_in.post(f"/clients/{person.id}/sessions/new", data={**data, "confirm_without_consent": "y"})
    assert response.status_code == 302
    [session] = db.session.scalars(select(DosingSession)).all()
    assert session.without_consent_by_id == therapist.id and session.without_consent_at is not None

    page = signed_in.get("/worklist").get_data(as_text=True)
    assert "Sessions recorded without consent" in page and "Session 1 was held with no consent on file" in page

    consent_for(person, text)
    page = signed_in.get("/worklist").get_data(as_text=True)
    assert "with no consent on file" not in page


def test_a_planned_session_needs_no_consent_yet(signed_in, person):
    data = session_form(status="planned", started_on=(local_today(ZONE) + timedelta(days=3)).isoformat())
    del data["confirm_without_consent"]
    assert signed_in.post(f"/clients/{person.id}/sessions/new", data=data).status_code == 302


# --- who may reach it, and the audit ------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coach", "admin"])
def test_coaches_and_admins_reach_none_of_it(client, auth, practice, therapist, role, text, request):
    other = request.getfixturevalue(role)
    person = ClientFactory.for_team(therapist, other)
    session = DosingSessionFactory(client=person, started_at=datetime.utcnow() - timedelta(hours=1))
    auth.login(other)
    base = f"/clients/{person.id}"
    for method, url, data in [
        ("GET", f"{base}/sessions/{session.id}/safety", None),
        ("POST", f"{base}/sessions/{session.id}/vitals", vitals()),
        ("POST", f"{base}/sessions/{session.id}/adverse-events", {"kind": "nausea", "severity": "mild", "action": "x"}),
        ("POST", f"{base}/sessions/{session.id}/discharge", {"criteria_met": "y", "discharged_time": "12:00",
                                                            "discharged_with": "Sam"}),
        ("GET", f"{base}/consent", None),
        ("POST", f"{base}/consent", {"signed_on": practice_today().isoformat(), "signed_by": "W", "witnessed_by": "I"}),
    ]:
        status = client.open(url, method=method, data=data or {}).status_code
        assert status in (403, 404), f"{role} {method} {url} -> {status}"
    assert db.session.scalars(select(VitalsReading)).all() == []
    assert db.session.scalars(select(Consent)).all() == []


def test_every_view_and_change_is_audited(signed_in, person, held, text):
    signed_in.get(f"/clients/{person.id}/sessions/{held.id}/safety")
    signed_in.post(f"/clients/{person.id}/sessions/{held.id}/vitals", data=vitals())
    signed_in.post(f"/clients/{person.id}/consent", data={
        "signed_on": practice_today().isoformat(), "signed_by": "Wren Halloway", "witnessed_by": "Ines Calloway"})
    signed_in.get(f"/clients/{person.id}/consent")
    rows = db.session.execute(select(AuditEvent.action, AuditEvent.object_type, AuditEvent.client_id)
                              .order_by(AuditEvent.id)).all()
    assert ("view", "", person.id) in [(a, "", c) for a, _, c in rows]
    assert ("create", "vitalsreading", person.id) in rows
    assert ("create", "consent", person.id) in rows
    assert sum(1 for a, _, c in rows if a == "view" and c == person.id) >= 2


def test_the_form_says_book_or_record(signed_in, person):
    assert "<h2>Book a dosing session</h2>" in signed_in.get(
        f"/clients/{person.id}/sessions/new?status=planned").get_data(as_text=True)
    assert "<h2>Record a dosing session</h2>" in signed_in.get(
        f"/clients/{person.id}/sessions/new").get_data(as_text=True)


def test_a_planned_session_asks_for_no_debrief_and_opens_no_window(signed_in, person):
    # Midnight of the practice's today: always past and always today, whatever the hour in UTC (three hours
    # ago was yesterday in New York between midnight and 3 a.m.).
    DosingSessionFactory(client=person, status="planned", started_at=from_local(practice_today(), time(0, 0), ZONE))
    overview = signed_in.get(f"/clients/{person.id}").get_data(as_text=True)
    worklist = signed_in.get("/worklist").get_data(as_text=True)
    for page in (overview, worklist):
        assert "has no debrief yet" not in page and "Integration window open" not in page
    assert "was planned today" in worklist


def test_a_planned_session_offers_no_debrief_to_start_and_takes_no_notes(signed_in, person):
    held = DosingSessionFactory(client=person, number=1, started_at=datetime.utcnow() - timedelta(days=9))
    planned = DosingSessionFactory(client=person, number=2, status="planned",
                                   started_at=datetime.utcnow() + timedelta(days=5))
    session_page = signed_in.get(f"/clients/{person.id}/sessions/{planned.id}").get_data(as_text=True)
    assert "Start the debrief" not in session_page and "Add an integration note" not in session_page
    assert "open once the session is recorded as held" in session_page
    notes_tab = signed_in.get(f"/clients/{person.id}/sessions").get_data(as_text=True)
    assert notes_tab.count("Start the debrief") == 1, "only the held session offers its debrief"

    # The new-note form offers the held session only, and picks it for a debrief.
    form = signed_in.get(f"/clients/{person.id}/notes/new?kind=debrief").get_data(as_text=True)
    assert f'<option selected value="{held.id}">' in form and f'value="{planned.id}"' not in form
    refused = signed_in.post(f"/clients/{person.id}/notes/new", data={
        "kind": "debrief", "session_id": planned.id, "occurred_on": practice_today().isoformat(), "template_id": 0})
    assert refused.status_code == 422
    assert not planned.notes_written
