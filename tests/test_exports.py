"""The client's record, exported for them (right of access): who may, what is in it, what never is."""
import io
import json
from datetime import datetime

import pytest
from fhir.resources.bundle import Bundle
from pypdf import PdfReader
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.clients.models import BreakGlass
from integration.extensions import db
from integration.measures.models import MeasureResponse
from integration.notes.models import Addendum
from tests.factories import (ClientFactory, DosingSessionFactory, GoalFactory, HistoryItemFactory, InsightFactory,
                             NoteFactory, PlanFactory, PlanItemFactory, PracticeFactory, UserFactory, note_content,
                             practice_today)
from tests.queries import counting_queries

SECRET = "Countertransference: I felt protective"
DRAFT_WORDS = "half-written thought about the lake"
SIGNED_WORDS = "We talked about the week and her sister"
COACH_WORDS = "A slow walk after dinner."


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
    return client


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
