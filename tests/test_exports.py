"""The client's record, exported for them (right of access): who may, what is in it, what never is."""
import html
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


def _add_safety_record(client, session, therapist, number=1, day=None):
    """Vitals, an adverse event, discharge, a consent, two safety plan versions and a check-in with a comment."""
    session.discharge_criteria_met, session.discharged_at = True, datetime(2025, 3, 3, 17, 40)
    session.discharged_with = "her partner Sam"
    text = ConsentText(practice_id=client.practice_id, version=2 + number, text=CONSENT_WORDS,
                       created_by_id=therapist.id)
    db.session.add(text)
    db.session.flush()
    db.session.add(Consent(client_id=client.id, consent_text_id=text.id, series="First series",
                           signed_on=date(2025, 3, 1),
                           signed_by="Rowan Tessly", witnessed_by="Ines Calloway", recorded_by_id=therapist.id))
    for minutes, point, (sys, dia), moaas in ((0, "pre", (128, 82), 5), (40, "during", (151, 94), 3),
                                              (100, "discharge", (131, 84), 5)):
        db.session.add(VitalsReading(client_id=client.id, dosing_session_id=session.id, point=point,
                                     taken_at=datetime(2025, 3, 3, 15, minutes % 60) + timedelta(hours=minutes // 60),
                                     systolic=sys, diastolic=dia, heart_rate=74, spo2=98, resp_rate=14, moaas=moaas,
                                     dissociation=2 if point == "during" else 0, recorded_by_id=therapist.id))
    db.session.add(AdverseEvent(client_id=client.id, dosing_session_id=session.id, kind="nausea", severity="moderate",
                                detail="Felt sick at forty minutes", action=AE_ACTION, resolved=True))
    db.session.add(SafetyPlanVersion(client_id=client.id, number=2 * number - 1, steps={"people": OLD_PLAN_WORDS},
                                     created_by_id=therapist.id, created_at=datetime(2025, 2, 1, 10)))
    db.session.add(SafetyPlanVersion(client_id=client.id, number=2 * number, created_by_id=therapist.id,
                                     steps={"people": "Sam, 555-0142", "coping": NEW_PLAN_WORDS,
                                            "reasons": "My niece"}, change_note=CHANGE_NOTE))
    export = PlanExport(plan_id=client_plan(client).id, client_id=client.id, version=number, pdf=b"%PDF-1.7", size=8,
                        sha256="0" * 64, ics=b"", ics_sha256="1" * 64)
    link = ShareLink(export=export, client_id=client.id, token_hash=f"{client.id * 100 + number:064x}",
                     expires_at=datetime(2099, 1, 1))
    db.session.add_all([export, link])
    db.session.flush()
    db.session.add(ClientCheckIn(client_id=client.id, share_link_id=link.id, checked_on=day or practice_today(), mood=7,
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
        attachments = [c["attachment"] for c in entry["resource"].get("content", [])]
        attachments += [entry["resource"]["sourceAttachment"]] if "sourceAttachment" in entry["resource"] else []
        for attachment in attachments:
            words.append(base64.b64decode(attachment["data"]).decode())
        words.append(html.unescape(entry["resource"].get("text", {}).get("div", "")))
    return "\n".join(words)


def test_clinician_sees_what_is_in_and_out(client, auth, therapist, record):
    auth.login(therapist)
    page = client.get(f"/clients/{record.id}/export").get_data(as_text=True)
    assert "3 signed notes" in page  # debrief, integration, coaching
    assert "2 private process notes" in page and "45 CFR 164.501" in page
    assert "1 unsigned draft note" in page and "1 draft plan" in page
    assert "marked sensitive" in page
    for words in ("2 safety plan versions, every one in full", "1 signed consent, with the words signed",
                  "1 dosing session, with 3 vitals readings, 1 adverse event and discharge", "1 check-in from Ro"):
        assert words in page, words
    overview = client.get(f"/clients/{record.id}").get_data(as_text=True)
    assert f"/clients/{record.id}/export" in overview


def test_a_new_clients_export_page_says_what_there_is_none_of(client, auth, therapist, coach):
    """A record with nothing in it yet reads "No signed consents", not "0 signed consents, with the words
    signed"."""
    newcomer = ClientFactory.for_team(therapist, coach, first_name="Sol", last_name="Venn")
    auth.login(therapist)
    page = client.get(f"/clients/{newcomer.id}/export").get_data(as_text=True)
    for words in ("No history items and no goals</li>", "No safety plan versions</li>", "No signed consents</li>",
                  "No dosing sessions</li>", "No signed notes</li>", "No finalized plans</li>",
                  f"No check-ins from {newcomer.called}</li>", "No measures</li>"):
        assert words in page, words
    assert "0 " not in page.split("What is included")[1].split("What is not included")[0]
    assert "No private process notes.</strong>" in page  # said even when none: why none would be given
    # The copy the client is given reads the same way.
    text = " ".join(_pdf_text(client.get(f"/clients/{newcomer.id}/export.pdf").data).split())
    included = text.split("What is in this copy")[1].split("What is not in this copy")[0]
    for words in ("No items of personal history and no goals", "No signed consents", "No dosing sessions",
                  "No signed notes", "No integration plans", "No check-ins you sent", "No questionnaires"):
        assert words in included, words
    assert "0 " not in included and "safety plan" not in included
    assert "No private process notes. Private process notes are not included" in text


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


def test_pdf_in_large_print_is_the_same_record_in_bigger_type(client, auth, therapist, record):
    record.practice.name = "Harbor Light Integration Clinic of the Northern Valleys"  # a long running footer
    db.session.commit()
    auth.login(therapist)
    regular = client.get(f"/clients/{record.id}/export.pdf").data
    response = client.get(f"/clients/{record.id}/export.pdf?print=large")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('.large-print.pdf"')
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert len(pages) > len(PdfReader(io.BytesIO(regular)).pages)
    text = " ".join(_pdf_text(response.data).split())
    for words in (SIGNED_WORDS, "floating over the lake", "Grief is softening", "2 private process notes"):
        assert words in text, words
    assert "Countertransference" not in text and DRAFT_WORDS not in text
    assert f"Page 1 of {len(pages)}" in pages[0].extract_text()  # on one line, beside the long footer
    exports = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "record-export")
                                 .order_by(AuditEvent.id)).all()
    assert [detail.split(":")[0] for detail in exports] == ["PDF", "PDF, large print"]
    page = client.get(f"/clients/{record.id}/export").get_data(as_text=True)
    assert f"/clients/{record.id}/export.pdf?print=large" in page


def test_bundle_validates_as_fhir_r4_and_holds_no_process_notes(client, auth, therapist, record):
    auth.login(therapist)
    response = client.get(f"/clients/{record.id}/export.fhir.json")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    parsed = Bundle.parse_raw(response.data)  # fhir.resources 6.5 (R4 4.0.1): raises on anything invalid
    kinds = [entry.resource.resource_type for entry in parsed.entry]
    assert kinds.count("Patient") == 1 and kinds.count("DocumentReference") == 3 + 2  # notes, safety plan versions
    assert kinds.count("Goal") == 1 and kinds.count("CarePlan") == 1
    assert kinds.count("QuestionnaireResponse") == 2 + 1  # measures, the check-in
    assert kinds.count("Observation") == 2 + 3 * 6  # measure totals; per reading BP, HR, SpO2, RR, MOAA/S, dissociation
    data = json.loads(response.data)
    urls = {entry["fullUrl"] for entry in data["entry"]}
    assert all(url.startswith("urn:uuid:") for url in urls)
    references = [r["reference"] for r in _references(data)]
    assert references and set(references) <= urls
    observations = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"]
    totals = [o for o in observations if o["category"][0]["coding"][0]["code"] == "survey"]
    codes = [o["code"].get("coding", [{}])[0].get("code") for o in totals]
    assert "44261-6" in codes and None in codes  # PHQ-9 by LOINC; the PCL-5 by text only
    patient = data["entry"][0]["resource"]
    assert patient["name"][1] == {"use": "usual", "given": ["Ro"]} and "id" not in patient
    text = _bundle_text(response.data)
    assert SIGNED_WORDS in text and "The session was on Monday" in text
    assert "Countertransference" not in text and DRAFT_WORDS not in text


def test_pdf_holds_the_safety_record_consent_safety_plan_and_check_ins(client, auth, therapist, record):
    auth.login(therapist)
    body = client.get(f"/clients/{record.id}/export.pdf").data
    text = " ".join(_pdf_text(body).split())
    for words in ("Dosing sessions and safety", "128/82", "151/94", "During monitoring", "Before discharge",
                  "Nausea or vomiting", "Felt sick at forty minutes", AE_ACTION, "with her partner Sam",
                  "Your consent to treatment", CONSENT_WORDS, "Version 3", "Signed by Rowan Tessly",
                  "Witnessed by Ines Calloway", "Saturday, March 1, 2025",
                  "Your safety plan", "Current version (2)", NEW_PLAN_WORDS, "My niece", CHANGE_NOTE,
                  "Version 1, Saturday, February 1, 2025", OLD_PLAN_WORDS, "replaced by version 2",
                  "Your check-ins", "Mood 7 of 10", STAYED_WORDS, "In the next few days", COMMENT_WORDS,
                  "1 check-in you sent", "2 versions, the current one first"):
        assert words in text, words
    assert text.index("Current version (2)") < text.index("Version 1, Saturday")  # the current plan first
    assert text.index(STAYED_WORDS) < text.index(COMMENT_WORDS)  # the client's words, then the comment beside them
    assert "Countertransference" not in text and DRAFT_WORDS not in text
    assert PdfReader(io.BytesIO(body)).trailer["/Root"]["/MarkInfo"]["/Marked"]


def _resources(data, kind):
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def test_bundle_carries_vitals_adverse_events_consent_safety_plan_and_check_ins(client, auth, therapist, record):
    from fhir.resources import construct_fhir_element

    auth.login(therapist)
    body = client.get(f"/clients/{record.id}/export.fhir.json").data
    data = json.loads(body)
    new_kinds = ("Encounter", "Observation", "AdverseEvent", "Consent", "DocumentReference", "QuestionnaireResponse")
    for entry in data["entry"]:
        if entry["resource"]["resourceType"] in new_kinds:  # each on its own too, not only inside the Bundle
            construct_fhir_element(entry["resource"]["resourceType"], entry["resource"])
    urls = {entry["fullUrl"] for entry in data["entry"]}
    assert {r["reference"] for r in _references(data)} <= urls
    patient_url = data["entry"][0]["fullUrl"]
    [encounter] = _resources(data, "Encounter")
    encounter_url = next(e["fullUrl"] for e in data["entry"] if e["resource"] is encounter)

    vitals = [o for o in _resources(data, "Observation") if o["category"][0]["coding"][0]["code"] == "vital-signs"]
    by_code = {}
    for o in vitals:
        assert o["encounter"]["reference"] == encounter_url and o["subject"]["reference"] == patient_url
        by_code.setdefault(o["code"]["coding"][0]["code"], []).append(o)
    assert {code: len(found) for code, found in by_code.items()} == {"85354-9": 3, "8867-4": 3, "59408-5": 3,
                                                                      "9279-1": 3}
    assert all(o["code"]["coding"][0]["system"] == "http://loinc.org" for o in vitals)
    panel = by_code["85354-9"][1]
    assert [(c["code"]["coding"][0]["code"], c["valueQuantity"]["value"], c["valueQuantity"]["code"])
            for c in panel["component"]] == [("8480-6", 151, "mm[Hg]"), ("8462-4", 94, "mm[Hg]")]
    assert by_code["8867-4"][0]["valueQuantity"] == {"value": 74, "unit": "beats/minute",
                                                     "system": "http://unitsofmeasure.org", "code": "/min"}
    assert by_code["59408-5"][0]["valueQuantity"]["code"] == "%"
    assert by_code["9279-1"][0]["valueQuantity"]["code"] == "/min"
    ratings = [o for o in _resources(data, "Observation") if o["category"][0]["coding"][0]["code"] == "exam"]
    assert len(ratings) == 6 and all("coding" not in o["code"] for o in ratings)  # no LOINC code exists: text only
    assert sorted(o["valueInteger"] for o in ratings if o["code"]["text"].startswith("MOAA/S")) == [3, 5, 5]
    assert sorted(o["valueInteger"] for o in ratings if o["code"]["text"].startswith("Dissociation")) == [0, 0, 2]

    [event] = _resources(data, "AdverseEvent")
    assert event["actuality"] == "actual" and event["event"]["text"].startswith("Nausea or vomiting")
    assert event["severity"]["coding"][0] == {"system": "http://terminology.hl7.org/CodeSystem/adverse-event-severity",
                                              "code": "moderate", "display": "Moderate"}
    assert event["outcome"]["coding"][0]["code"] == "resolved"
    assert event["outcome"]["coding"][0]["system"] == "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
    assert "Ondansetron" in event["text"]["div"]

    [consent] = _resources(data, "Consent")
    assert consent["scope"]["coding"][0]["code"] == "treatment" and consent["dateTime"] == "2025-03-01"
    assert consent["category"][0]["coding"][0] == {"system": "http://loinc.org", "code": "59284-0",
                                                   "display": "Patient Consent"}
    import base64
    assert base64.b64decode(consent["sourceAttachment"]["data"]).decode() == CONSENT_WORDS
    assert "Ines Calloway" in consent["text"]["div"]

    plans = [d for d in _resources(data, "DocumentReference") if d["type"]["text"] == "Safety plan"]
    assert [d["status"] for d in plans] == ["superseded", "current"]
    older_url = next(e["fullUrl"] for e in data["entry"] if e["resource"] is plans[0])
    assert plans[1]["relatesTo"] == [{"code": "replaces", "target": {"reference": older_url}}]
    current_text = base64.b64decode(plans[1]["content"][0]["attachment"]["data"]).decode()
    assert NEW_PLAN_WORDS in current_text and CHANGE_NOTE in current_text
    assert OLD_PLAN_WORDS in base64.b64decode(plans[0]["content"][0]["attachment"]["data"]).decode()

    [checkin] = [q for q in _resources(data, "QuestionnaireResponse")
                 if q["extension"][0]["valueString"] == "Client check-in"]
    assert checkin["source"]["reference"] == patient_url
    answers = {item["linkId"]: item["answer"] for item in checkin["item"]}
    assert answers["mood"] == [{"valueInteger": 7}] and answers["stayed-with"] == [{"valueString": STAYED_WORDS}]
    assert answers["reach-out"] == [{"valueBoolean": True}]
    assert COMMENT_WORDS in checkin["text"]["div"] and COMMENT_WORDS not in json.dumps(checkin["item"])
    text = _bundle_text(body)
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
    assert "1 dosing sessions (3 vitals readings, 1 adverse events), 1 consents, 2 safety plan versions, 1 check-ins" \
        in exports[0].detail
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

    def count(path: str) -> int:
        with counting_queries() as statements:
            assert client.get(f"/clients/{record.id}/{path}").status_code == 200
        return len(statements)

    before = {path: count(path) for path in ("export.fhir.json", "export")}
    for n in range(30):
        note = NoteFactory.signed(client=record, author=therapist, text=f"Session {n}")
        InsightFactory(note=note, text=f"Insight {n}")
        db.session.add(Addendum(note_id=note.id, client_id=record.id, author_id=therapist.id, reason="r", text="t"))
        GoalFactory(client=record)
    for n in range(5):  # sessions with vitals and adverse events, consents, safety plan versions, check-ins
        session = DosingSessionFactory(client=record, started_at=datetime(2025, 4, 1 + n, 15))
        _add_safety_record(record, session, therapist, number=2 + n, day=practice_today() - timedelta(days=n + 1))
    db.session.commit()
    assert {path: count(path) for path in before} == before
