"""The client's record, exported for them (right of access): who may, what is in it, what never is."""
import io
import json
from datetime import date, datetime, timedelta

import pytest
from fhir.resources.bundle import Bundle
from pypdf import PdfReader
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.clients.models import BreakGlass
from integration.extensions import db
from integration.checkins.models import ClientCheckIn
from integration.dosing.models import AdverseEvent, Consent, ConsentText, VitalsReading
from integration.measures.models import MeasureResponse
from integration.notes.models import Addendum
from integration.plans.models import Plan, PlanExport, ShareLink
from integration.safetyplans.models import SafetyPlanVersion
from tests.factories import (ClientFactory, DosingSessionFactory, GoalFactory, HistoryItemFactory, InsightFactory,
                             NoteFactory, PlanFactory, PlanItemFactory, PracticeFactory, UserFactory, note_content,
                             practice_today)
from tests.queries import counting_queries

SECRET = "Countertransference: I felt protective"
DRAFT_WORDS = "half-written thought about the lake"
SIGNED_WORDS = "We talked about the week and her sister"
COACH_WORDS = "A slow walk after dinner."
CONSENT_WORDS = "I understand ketamine may raise my blood pressure for a while."
OLD_PLAN_WORDS = "Call Maya when the evenings get long"
NEW_PLAN_WORDS = "Walk to the harbour and back"
CHANGE_NOTE = "Maya moved away; the harbour walk works now"
STAYED_WORDS = "The gulls at dawn stayed with me"
COMMENT_WORDS = "So glad the mornings feel lighter"
AE_ACTION = "Ondansetron 4 mg given; settled within twenty minutes."


@pytest.fixture
def record(therapist, coach):
    client = ClientFactory.for_team(therapist, coach, first_name="Rowan", last_name="Tessly",
                                    preferred_name="Ro", email="ro@example.org", phone="555-0100")
    other = UserFactory(practice=therapist.practice, name="Ines Other")
    db.session.add(client.care_team[0].__class__(client_id=client.id, user_id=other.id))
    db.session.commit()
    session = DosingSessionFactory(client=client)
    debrief = NoteFactory.signed(client=client, author=therapist, kind="debrief", dosing_session_id=session.id)
    NoteFactory.signed(client=client, author=therapist, text=SIGNED_WORDS)
    NoteFactory.signed(client=client, author=coach, kind="coaching", content=note_content("coaching"))
    NoteFactory(client=client, author=therapist, text=DRAFT_WORDS)
    NoteFactory.signed(client=client, author=therapist, kind="process", content={"text": SECRET + " (mine)"})
    NoteFactory.signed(client=client, author=other, kind="process", content={"text": SECRET + " (Ines)"})
    db.session.add(Addendum(note_id=debrief.id, client_id=client.id, author_id=therapist.id,
                            reason="A date was wrong", text="The session was on Monday."))
    InsightFactory(note=debrief, text="Grief is softening", client_words="I can breathe")
    goal = GoalFactory(client=client, title="Sleep through the night")
    HistoryItemFactory(client=client, title="Grandmother's garden", sensitive=True)
    plan = PlanFactory(client=client, status="finalized", finalized_at=datetime(2025, 3, 4, 12))
    item = PlanItemFactory(plan=plan, title="Evening pages")
    item.goals.append(goal)
    PlanFactory(client=client, status="draft", version=2)
    db.session.add(MeasureResponse(client_id=client.id, measure_key="phq9", taken_on=practice_today(),
                                   answers=[1, 2, 1, 0, 0, 1, 0, 0, 0], total=5, band="Mild", difficulty="",
                                   entered_by_id=therapist.id))
    db.session.add(MeasureResponse(client_id=client.id, measure_key="pcl5", taken_on=practice_today(),
                                   answers=[1] * 20, total=20, band="Below the cut-point", entered_by_id=therapist.id))
    db.session.commit()
    _add_safety_record(client, session, therapist)
    return client


def _add_safety_record(client, session, therapist):
    """Vitals, an adverse event, discharge, a consent, two safety plan versions and a check-in with a comment."""
    session.discharge_criteria_met, session.discharged_at = True, datetime(2025, 3, 3, 17, 40)
    session.discharged_with = "her partner Sam"
    text = ConsentText(practice_id=client.practice_id, version=3, text=CONSENT_WORDS, created_by_id=therapist.id)
    db.session.add(text)
    db.session.flush()
    db.session.add(Consent(client_id=client.id, consent_text_id=text.id, series="First series", signed_on=date(2025, 3, 1),
                           signed_by="Rowan Tessly", witnessed_by="Ines Calloway", recorded_by_id=therapist.id))
    for minutes, point, (sys, dia), moaas in ((0, "pre", (128, 82), 5), (40, "during", (151, 94), 3),
                                              (100, "discharge", (131, 84), 5)):
        db.session.add(VitalsReading(client_id=client.id, dosing_session_id=session.id, point=point,
                                     taken_at=datetime(2025, 3, 3, 15, minutes % 60) + timedelta(hours=minutes // 60),
                                     systolic=sys, diastolic=dia, heart_rate=74, spo2=98, resp_rate=14, moaas=moaas,
                                     dissociation=2 if point == "during" else 0, recorded_by_id=therapist.id))
    db.session.add(AdverseEvent(client_id=client.id, dosing_session_id=session.id, kind="nausea", severity="moderate",
                                detail="Felt sick at forty minutes", action=AE_ACTION, resolved=True))
    db.session.add(SafetyPlanVersion(client_id=client.id, number=1, steps={"people": OLD_PLAN_WORDS},
                                     created_by_id=therapist.id, created_at=datetime(2025, 2, 1, 10)))
    db.session.add(SafetyPlanVersion(client_id=client.id, number=2, created_by_id=therapist.id,
                                     steps={"people": "Sam, 555-0142", "coping": NEW_PLAN_WORDS,
                                            "reasons": "My niece"}, change_note=CHANGE_NOTE))
    export = PlanExport(plan_id=client_plan(client).id, client_id=client.id, version=1, pdf=b"%PDF-1.7", size=8,
                        sha256="0" * 64, ics=b"", ics_sha256="1" * 64)
    link = ShareLink(export=export, client_id=client.id, token_hash=f"{client.id:064x}",
                     expires_at=datetime(2099, 1, 1))
    db.session.add_all([export, link])
    db.session.flush()
    db.session.add(ClientCheckIn(client_id=client.id, share_link_id=link.id, checked_on=practice_today(), mood=7,
                                 sleep="well", practices=["Evening pages"], stayed_with=STAYED_WORDS, reach_out=True,
                                 reach_when="soon", comment=COMMENT_WORDS, comment_by_id=therapist.id))
    db.session.commit()


def client_plan(client):
    return db.session.scalars(select(Plan).where(Plan.client_id == client.id).order_by(Plan.id)).first()


def _pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def _bundle_text(body: bytes) -> str:
    """The JSON and the notes' attachments decoded, so an assertion sees every word the file holds."""
    import base64
    data = json.loads(body)
    words = [body.decode()]
    for entry in data["entry"]:
        for content in entry["resource"].get("content", []):
            words.append(base64.b64decode(content["attachment"]["data"]).decode())
    return "\n".join(words)


def test_clinician_sees_what_is_in_and_out(client, auth, therapist, record):
    auth.login(therapist)
    page = client.get(f"/clients/{record.id}/export").get_data(as_text=True)
    assert "3 signed notes" in page  # debrief, integration, coaching
    assert "2 private process notes" in page and "45 CFR 164.501" in page
    assert "1 unsigned draft note" in page and "1 draft plan" in page
    assert "marked sensitive" in page
    overview = client.get(f"/clients/{record.id}").get_data(as_text=True)
    assert f"/clients/{record.id}/export" in overview


def test_pdf_holds_the_signed_record_and_never_process_notes_or_drafts(client, auth, therapist, record):
    auth.login(therapist)
    response = client.get(f"/clients/{record.id}/export.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    text = " ".join(_pdf_text(response.data).split())
    for words in (SIGNED_WORDS, "floating over the lake", "Walk twice before Friday", "The session was on Monday",
                  "Grief is softening", "Evening pages", "Sleep through the night", "Grandmother's garden",
                  "Several days", "Your record", "2 private process notes", record.practice.name):
        assert words in text, words
    assert "Countertransference" not in text and DRAFT_WORDS not in text
    assert PdfReader(io.BytesIO(response.data)).trailer["/Root"]["/MarkInfo"]["/Marked"]


def test_bundle_validates_as_fhir_r4_and_holds_no_process_notes(client, auth, therapist, record):
    auth.login(therapist)
    response = client.get(f"/clients/{record.id}/export.fhir.json")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    parsed = Bundle.parse_raw(response.data)  # fhir.resources 6.5 (R4 4.0.1): raises on anything invalid
    kinds = [entry.resource.resource_type for entry in parsed.entry]
    assert kinds.count("Patient") == 1 and kinds.count("DocumentReference") == 3
    assert kinds.count("Goal") == 1 and kinds.count("CarePlan") == 1
    assert kinds.count("QuestionnaireResponse") == 2 and kinds.count("Observation") == 2
    data = json.loads(response.data)
    urls = {entry["fullUrl"] for entry in data["entry"]}
    assert all(url.startswith("urn:uuid:") for url in urls)
    references = [r["reference"] for r in _references(data)]
    assert references and set(references) <= urls
    observations = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"]
    codes = [o["code"].get("coding", [{}])[0].get("code") for o in observations]
    assert "44261-6" in codes and None in codes  # PHQ-9 by LOINC; the PCL-5 by text only
    patient = data["entry"][0]["resource"]
    assert patient["name"][1] == {"use": "usual", "given": ["Ro"]} and "id" not in patient
    text = _bundle_text(response.data)
    assert SIGNED_WORDS in text and "The session was on Monday" in text
    assert "Countertransference" not in text and DRAFT_WORDS not in text


def _references(value):
    if isinstance(value, dict):
        if set(value) >= {"reference"}:
            yield value
        for inner in value.values():
            yield from _references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _references(inner)


def test_each_download_is_one_audit_row_with_counts(client, auth, therapist, record):
    auth.login(therapist)
    client.get(f"/clients/{record.id}/export.pdf")
    client.get(f"/clients/{record.id}/export.fhir.json")
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.client_id == record.id)
                              .order_by(AuditEvent.id)).all()
    exports = [r for r in rows if r.action == "record-export"]
    assert [r.detail.split(":")[0] for r in exports] == ["PDF", "FHIR R4 bundle"]
    assert "2 private process notes" in exports[0].detail
    assert not any(r.action == "view" and "export." in r.detail for r in rows)  # no second row per download


@pytest.mark.parametrize("who", ["coach", "admin"])
def test_coach_and_admin_may_not_export(client, auth, who, coach, admin, record):
    auth.login(coach if who == "coach" else admin)
    for path in ("export", "export.pdf", "export.fhir.json"):
        assert client.get(f"/clients/{record.id}/{path}").status_code == 404
    assert f"/clients/{record.id}/export" not in client.get(f"/clients/{record.id}").get_data(as_text=True)
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "record-export")).all()


def test_admin_under_break_glass_may_not_export(client, auth, admin, record):
    auth.login(admin)
    client.post(f"/clients/{record.id}/break-glass", data={"reason": "Client in crisis, on-call needs the plan"})
    assert db.session.scalars(select(BreakGlass).where(BreakGlass.client_id == record.id)).all()
    assert client.get(f"/clients/{record.id}/sessions").status_code == 200  # the clinical record is open
    assert client.get(f"/clients/{record.id}/export.pdf").status_code == 404


def test_another_practices_client_is_404(client, auth, therapist):
    elsewhere = UserFactory(practice=PracticeFactory())
    stranger = ClientFactory.for_team(elsewhere)
    auth.login(therapist)
    for path in ("export", "export.pdf", "export.fhir.json"):
        assert client.get(f"/clients/{stranger.id}/{path}").status_code == 404


def test_queries_do_not_grow_with_the_record(app, client, auth, therapist, record):
    auth.login(therapist)

    def count() -> int:
        with counting_queries() as statements:
            assert client.get(f"/clients/{record.id}/export.fhir.json").status_code == 200
        return len(statements)

    before = count()
    for n in range(30):
        note = NoteFactory.signed(client=record, author=therapist, text=f"Session {n}")
        InsightFactory(note=note, text=f"Insight {n}")
        db.session.add(Addendum(note_id=note.id, client_id=record.id, author_id=therapist.id, reason="r", text="t"))
        GoalFactory(client=record)
    db.session.commit()
    assert count() == before
