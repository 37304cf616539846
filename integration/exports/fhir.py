"""The client's record as a FHIR R4 (4.0.1) Bundle of type "collection", built as plain dicts.

Resources refer to each other by urn:uuid fullUrls made fresh for each export, and carry no `id`
or identifier of ours: nothing in the file names a database row. Patient; Goal; CarePlan for each
delivered plan version (activities from its items); QuestionnaireResponse with every answer and an
Observation for the total of each measure taken (LOINC only where the code is certain: PHQ-9 total
44261-6, GAD-7 total 70274-6; the PCL-5 and the practice's own measures by text); DocumentReference
for each signed note (its text, insights and addenda as a text/plain attachment).

The dosing safety record: an Encounter for each dosing session (what was given, discharge), and for
each timed reading Observations in category vital-signs with LOINC and UCUM units (blood pressure
panel 85354-9 with systolic 8480-6 and diastolic 8462-4 in mm[Hg], heart rate 8867-4 and respiratory
rate 9279-1 in /min, SpO2 59408-5 in %); the MOAA/S sedation score and our own 0-4 dissociation
rating are Observations in category exam with `code.text` only: LOINC has no code for either. Each
adverse event is an AdverseEvent (actuality actual; severity and outcome from the HL7 code systems;
what was done in its narrative, as R4's AdverseEvent has no field for it). Each signed consent is a
Consent (scope treatment, category LOINC 59284-0 "Patient consent", the version of the practice's text
signed as sourceAttachment, the witness in its narrative).

The safety plan is a DocumentReference for each version (not a CarePlan): it is the client's own words
under six headings, a document read as a whole, and its versions chain by relatesTo "replaces", the
earlier ones "superseded". Check-ins are QuestionnaireResponses (not Observations): each is one
answer set the client sent themselves (source: the Patient), as the measures are; the practitioner's
comment beside it is in its narrative with their name, never mixed into the client's answers.

Personal history is in the PDF only. tests/test_exports.py parses the result with fhir.resources (R4)
to prove it valid, and checks that every reference resolves inside the bundle.
"""
from __future__ import annotations

import base64
import uuid
from datetime import date, datetime, timezone
from html import escape

from ..measures.instruments import Definition
from ..measures.models import MeasureResponse
from ..dosing.models import DISSOCIATION, MOAAS, SEVERITIES
from ..safetyplans.models import REASONS, STEPS
from .record import ExportNote, ExportRecord, SessionSafety

LOINC = "http://loinc.org"
# measure key -> (LOINC code of the total score, its display). Only codes we are sure of.
TOTAL_SCORE_CODES = {
    "phq9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
    "gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
}
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
GOAL_STATUS = {"active": "active", "achieved": "completed", "paused": "on-hold", "let_go": "cancelled"}
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs", "display": "Vital Signs"}]}
EXAM = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "exam", "display": "Exam"}]}
# reading attribute -> (LOINC code, display, UCUM unit, unit as printed)
VITALS_CODES = {
    "heart_rate": ("8867-4", "Heart rate", "/min", "beats/minute"),
    "spo2": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%"),
    "resp_rate": ("9279-1", "Respiratory rate", "/min", "breaths/minute"),
}
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
BP_PARTS = (("systolic", "8480-6", "Systolic blood pressure"), ("diastolic", "8462-4", "Diastolic blood pressure"))
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ENCOUNTER_CLASS = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _instant(moment: datetime) -> str:
    """A naive UTC datetime as a FHIR instant."""
    return moment.replace(tzinfo=timezone.utc, microsecond=0).isoformat()


def _day(day: date) -> str:
    return day.isoformat()


def _text_attachment(text: str, title: str) -> dict:
    return {"contentType": "text/plain; charset=utf-8", "data": base64.b64encode(text.encode()).decode("ascii"),
            "title": title}


def _narrative(*lines: str) -> dict:
    """Resource.text: the lines as escaped XHTML paragraphs (what a reader shows a person)."""
    body = "".join(f"<p>{escape(line)}</p>" for line in lines if line)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def bundle(export: ExportRecord) -> dict:
    """The export as a Bundle (a JSON-ready dict)."""
    patient_url = _urn()
    entries = [(patient_url, _patient(export))]
    for consent in export.consents:
        entries.append((_urn(), _consent(consent, patient_url)))
    for safety in export.safety:
        encounter_url = _urn()
        entries.append((encounter_url, _encounter(safety, patient_url)))
        for reading in safety.readings:
            entries += [(_urn(), resource) for resource in _vitals(reading, patient_url, encounter_url)]
        for event in safety.adverse_events:
            entries.append((_urn(), _adverse_event(event, patient_url, encounter_url)))
    earlier_url = None
    for version in reversed(export.safety_plans):  # oldest first, so each names the one it replaces
        url = _urn()
        entries.append((url, _safety_plan(version, patient_url, earlier_url, version is export.safety_plans[0])))
        earlier_url = url
    for checkin in export.checkins:
        entries.append((_urn(), _checkin(checkin, patient_url)))
    goal_urls = {}
    for goal in export.goals:
        goal_urls[goal.id] = _urn()
        entries.append((goal_urls[goal.id], _goal(goal, patient_url)))
    for plan in export.plans:
        entries.append((_urn(), _care_plan(plan, patient_url, goal_urls, plan.id in export.replaced_plan_ids)))
    for response, definition in export.responses:
        response_url = _urn()
        entries.append((response_url, _questionnaire_response(response, definition, patient_url)))
        entries.append((_urn(), _total_observation(response, definition, patient_url, response_url)))
    for note in export.notes:
        entries.append((_urn(), _document_reference(note, patient_url)))
    return {
        "resourceType": "Bundle",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": _urn()},
        "type": "collection",
        "timestamp": _instant(export.made_at),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }


def _patient(export: ExportRecord) -> dict:
    client = export.client
    names = [{"use": "official", "family": client.last_name, "given": [client.first_name]}]
    if client.preferred_name and client.preferred_name != client.first_name:
        names.append({"use": "usual", "given": [client.preferred_name]})
    patient = {"resourceType": "Patient", "active": client.status == "active", "name": names}
    telecom = []
    if client.phone:
        telecom.append({"system": "phone", "value": client.phone})
    if client.email:
        telecom.append({"system": "email", "value": client.email})
    if telecom:
        patient["telecom"] = telecom
    if client.date_of_birth:
        patient["birthDate"] = _day(client.date_of_birth)
    if client.emergency_contact:
        patient["contact"] = [{"relationship": [{"text": "Emergency contact"}],
                               "name": {"text": client.emergency_contact}}]
    if client.pronouns:
        patient["extension"] = [{"url": "http://hl7.org/fhir/StructureDefinition/individual-pronouns",
                                 "extension": [{"url": "value", "valueCodeableConcept": {"text": client.pronouns}}]}]
    return patient


def _goal(goal, patient_url: str) -> dict:
    resource = {
        "resourceType": "Goal",
        "lifecycleStatus": GOAL_STATUS.get(goal.status, "active"),
        "description": {"text": goal.title},
        "subject": {"reference": patient_url},
        "category": [{"text": goal.life_area_label}],
        "startDate": _day(goal.created_at.date()),
    }
    if goal.status == "achieved":
        resource["achievementStatus"] = {"coding": [{"system": GOAL_ACHIEVEMENT, "code": "achieved"}]}
    if goal.target_date:
        resource["target"] = [{"dueDate": _day(goal.target_date)}]
    notes = [f"Why it matters: {goal.why}" if goal.why else "",
             f"How we will know: {goal.how_we_know}" if goal.how_we_know else ""]
    notes += [f"Check-in {c.checked_on.isoformat()}: {c.rating} of 10" + (f". {c.note}" if c.note else "")
              for c in goal.check_ins]
    if any(notes):
        resource["note"] = [{"text": text} for text in notes if text]
    return resource


def _care_plan(plan, patient_url: str, goal_urls: dict, replaced: bool) -> dict:
    resource = {
        "resourceType": "CarePlan",
        "status": "revoked" if replaced else "active",
        "intent": "plan",
        "title": f"Integration plan, version {plan.version}",
        "subject": {"reference": patient_url},
        "period": {"start": _day(plan.start_date)},
    }
    if plan.finalized_at:
        resource["created"] = _instant(plan.finalized_at)
    if plan.finalized_by:
        resource["author"] = {"display": plan.finalized_by.display_name}
    if plan.message:
        resource["description"] = plan.message
    linked = [goal_urls[g.id] for item in plan.items for g in item.goals if g.id in goal_urls]
    if linked:
        resource["goal"] = [{"reference": url} for url in dict.fromkeys(linked)]
    activities = []
    for item in plan.items:
        detail = {"status": "scheduled", "code": {"text": item.title}, "scheduledString": item.schedule_label}
        if item.instructions:
            detail["description"] = item.instructions
        item_goals = [{"reference": goal_urls[g.id]} for g in item.goals if g.id in goal_urls]
        if item_goals:
            detail["goal"] = item_goals
        activity = {"detail": detail}
        if item.prompt_list:
            activity["progress"] = [{"text": f"Prompt: {prompt}"} for prompt in item.prompt_list]
        activities.append(activity)
    if activities:
        resource["activity"] = activities
    return resource


def _measure_name(response: MeasureResponse, definition: Definition | None) -> str:
    return definition.title if definition else response.measure_key


def _questionnaire_response(response: MeasureResponse, definition: Definition | None, patient_url: str) -> dict:
    items = []
    texts = definition.items if definition else ()
    for number, score in enumerate(response.answers or [], start=1):
        item = {"linkId": str(number)}
        if number <= len(texts):
            item["text"] = texts[number - 1]
        coding = {"code": str(score)}
        if definition:
            coding["display"] = definition.label_of(score)
        item["answer"] = [{"valueCoding": coding}]
        items.append(item)
    if response.difficulty:
        items.append({"linkId": "difficulty", "text": "How difficult have these problems made it for you?",
                      "answer": [{"valueString": response.difficulty}]})
    resource = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "subject": {"reference": patient_url},
        "authored": _day(response.taken_on),
        "item": items,
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/display",
                       "valueString": _measure_name(response, definition)}],
    }
    return resource


def _total_observation(response: MeasureResponse, definition: Definition | None, patient_url: str,
                       response_url: str) -> dict:
    name = _measure_name(response, definition)
    code = {"text": f"{name} total score"}
    if response.measure_key in TOTAL_SCORE_CODES:
        loinc, display = TOTAL_SCORE_CODES[response.measure_key]
        code["coding"] = [{"system": LOINC, "code": loinc, "display": display}]
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": code,
        "subject": {"reference": patient_url},
        "effectiveDateTime": _day(response.taken_on),
        "valueInteger": response.total,
        "derivedFrom": [{"reference": response_url}],
    }
    if response.band:
        resource["interpretation"] = [{"text": response.band}]
    return resource


def _document_reference(note: ExportNote, patient_url: str) -> dict:
    n = note.note
    resource = {
        "resourceType": "DocumentReference",
        "status": "current",
        "docStatus": "amended" if note.addenda else "final",
        "type": {"text": n.kind_label},
        "subject": {"reference": patient_url},
        "date": _instant(n.signed_at or n.created_at),
        "author": [{"display": n.author.display_name}],
        "description": f"{n.kind_label}, {n.occurred_on.isoformat()}",
        "content": [{"attachment": _text_attachment(note.text, f"{n.kind_label}, {n.occurred_on.isoformat()}")}],
        "context": {"period": {"start": _day(n.occurred_on), "end": _day(n.occurred_on)}},
    }
    if n.signed_by:
        resource["authenticator"] = {"display": n.signed_by.display_name}
    return resource


def _encounter(safety: SessionSafety, patient_url: str) -> dict:
    """A dosing session: when, what was given and how, and when the client went home."""
    s = safety.session
    given = f"{s.product_label}, {s.route_label}" + (f", {s.dose_mg:g} mg" if s.dose_mg else "") \
        + (f", {s.dose_mg_per_kg:g} mg/kg" if s.dose_mg_per_kg else "")
    resource = {
        "resourceType": "Encounter",
        "status": "planned" if s.is_planned else "finished",
        "class": {"system": ENCOUNTER_CLASS, "code": "AMB", "display": "ambulatory"},
        "type": [{"text": f"Dosing session {s.number}"}],
        "subject": {"reference": patient_url},
        "period": {"start": _instant(s.started_at)},
        "reasonCode": [{"text": s.intention}] if s.intention else None,
    }
    if s.discharged_at:
        resource["period"]["end"] = _instant(s.discharged_at)
    lines = [f"Dosing session {s.number}: {given}."]
    if s.discharge_criteria_met:
        lines.append("Discharge criteria met.")
    if s.discharged_at:
        with_whom = f" with {s.discharged_with}." if s.discharged_with else "."
        lines.append(f"Left {s.discharged_at:%Y-%m-%d %H:%M} UTC{with_whom}")
    resource["text"] = _narrative(*lines)
    return {key: value for key, value in resource.items() if value is not None}


def _observation(reading, patient_url: str, encounter_url: str, category: dict, code: dict) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [category],
        "code": code,
        "subject": {"reference": patient_url},
        "encounter": {"reference": encounter_url},
        "effectiveDateTime": _instant(reading.taken_at),
        "note": [{"text": reading.point_label}],
    }


def _quantity(value: int, unit: str, printed: str) -> dict:
    return {"value": value, "unit": printed, "system": UCUM, "code": unit}


def _loinc(code: str, display: str) -> dict:
    return {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display}


def _vitals(reading, patient_url: str, encounter_url: str) -> list[dict]:
    """One reading as Observations: the blood pressure panel, heart rate, SpO2, breathing, then the two
    ratings that have no LOINC code (by text)."""
    panel = _observation(reading, patient_url, encounter_url, VITAL_SIGNS, _loinc(*BP_PANEL))
    panel["component"] = [{"code": _loinc(code, display),
                           "valueQuantity": _quantity(getattr(reading, name), "mm[Hg]", "mmHg")}
                          for name, code, display in BP_PARTS]
    found = [panel]
    for name, (code, display, unit, printed) in VITALS_CODES.items():
        value = getattr(reading, name)
        if value is not None:
            observation = _observation(reading, patient_url, encounter_url, VITAL_SIGNS, _loinc(code, display))
            observation["valueQuantity"] = _quantity(value, unit, printed)
            found.append(observation)
    for value, text, labels in ((reading.moaas, "MOAA/S sedation score (Modified Observer's Assessment of "
                                 "Alertness/Sedation, 0-5, 5 awake)", MOAAS),
                                (reading.dissociation, "Dissociation, clinician-rated 0-4 (the practice's own "
                                 "scale, 0 none to 4 severe)", DISSOCIATION)):
        if value is not None:
            observation = _observation(reading, patient_url, encounter_url, EXAM, {"text": text})
            observation["valueInteger"] = value
            observation["note"].append({"text": labels.get(value, str(value))})
            found.append(observation)
    return found


def _adverse_event(event, patient_url: str, encounter_url: str) -> dict:
    outcome = "resolved" if event.resolved else "ongoing"
    return {
        "resourceType": "AdverseEvent",
        "actuality": "actual",
        "event": {"text": event.kind_label + (f": {event.detail}" if event.detail else "")},
        "subject": {"reference": patient_url},
        "encounter": {"reference": encounter_url},
        "recordedDate": _instant(event.created_at),  # no `date`: when it happened is not kept apart from this
        "severity": {"coding": [{"system": AE_SEVERITY, "code": event.severity,
                                 "display": SEVERITIES.get(event.severity, event.severity)}]},
        "outcome": {"coding": [{"system": AE_OUTCOME, "code": outcome, "display": outcome.capitalize()}]},
        "text": _narrative(f"{event.kind_label} ({SEVERITIES.get(event.severity, event.severity).lower()})"
                           + (f": {event.detail}" if event.detail else "."),
                           f"What was done: {event.action}" if event.action else "",
                           "Resolved." if event.resolved else "Not resolved when recorded."),
    }


def _consent(consent, patient_url: str) -> dict:
    wording = consent.consent_text
    title = f"Consent to treatment, version {wording.version}"
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment", "display": "Treatment"}]},
        "category": [_loinc("59284-0", "Patient Consent")],
        "patient": {"reference": patient_url},
        "dateTime": _day(consent.signed_on),
        "performer": [{"reference": patient_url, "display": consent.signed_by}],
        "policyRule": {"text": title + (f", for {consent.series}" if consent.series else "")},
        "sourceAttachment": _text_attachment(wording.text, title),
        "text": _narrative(f"{title}, signed {consent.signed_on.isoformat()} by {consent.signed_by}.",
                           f"Witnessed by {consent.witnessed_by}." if consent.witnessed_by else "No witness recorded.",
                           f"For {consent.series}." if consent.series else ""),
    }


def safety_plan_text(version) -> str:
    """A safety plan version as plain text: the care team's note on why it changed, then step by step."""
    parts = [f"Safety plan, version {version.number}, {version.created_at:%Y-%m-%d}"]
    if version.change_note:
        parts.append(f"Why it changed (the care team's note)\n{version.change_note}")
    for number, (key, (heading, _)) in enumerate(STEPS.items(), start=1):
        parts.append(f"{number}. {heading}\n" + ("\n".join(version.lines(key)) or "Not filled in."))
    parts.append(f"{REASONS[0]}\n" + ("\n".join(version.lines("reasons")) or "Not filled in."))
    return "\n\n".join(parts) + "\n"


def _safety_plan(version, patient_url: str, earlier_url: str | None, current: bool) -> dict:
    title = f"Safety plan, version {version.number}"
    resource = {
        "resourceType": "DocumentReference",
        "status": "current" if current else "superseded",
        "docStatus": "final",
        "type": {"text": "Safety plan"},
        "subject": {"reference": patient_url},
        "date": _instant(version.created_at),
        "description": title + (" (current)" if current else ""),
        "content": [{"attachment": _text_attachment(safety_plan_text(version), title)}],
    }
    if version.created_by:
        resource["author"] = [{"display": version.created_by.display_name}]
    if earlier_url:
        resource["relatesTo"] = [{"code": "replaces", "target": {"reference": earlier_url}}]
    return resource


def _checkin(checkin, patient_url: str) -> dict:
    """What the client sent, answer by answer; the practitioner's comment in the narrative beside it."""
    items = [{"linkId": "mood", "text": "Mood today, 0 to 10", "answer": [{"valueInteger": checkin.mood}]}]
    if checkin.sleep:
        items.append({"linkId": "sleep", "text": "How did you sleep?",
                      "answer": [{"valueCoding": {"code": checkin.sleep, "display": checkin.sleep_label}}]})
    if checkin.practices:
        items.append({"linkId": "practices", "text": "Practices from your plan you did",
                      "answer": [{"valueString": title} for title in checkin.practices]})
    if checkin.stayed_with:
        items.append({"linkId": "stayed-with", "text": "What stayed with me today",
                      "answer": [{"valueString": checkin.stayed_with}]})
    items.append({"linkId": "reach-out", "text": "Would you like someone to reach out?",
                  "answer": [{"valueBoolean": checkin.reach_out}]})
    if checkin.reach_out and checkin.reach_when:
        items.append({"linkId": "reach-when", "text": "When?", "answer": [{"valueString": checkin.reach_when_label}]})
    lines = [f"Check-in sent by the client on {checkin.checked_on.isoformat()}: mood {checkin.mood} of 10."]
    if checkin.acknowledged_at:
        lines.append(f"Request to reach out taken up {checkin.acknowledged_at:%Y-%m-%d}"
                     + (f" by {checkin.acknowledged_by.display_name}." if checkin.acknowledged_by else "."))
    if checkin.comment:
        who = checkin.comment_by.display_name if checkin.comment_by else "the care team"
        lines.append(f"Comment from {who}: {checkin.comment}")
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "subject": {"reference": patient_url},
        "source": {"reference": patient_url},
        "author": {"reference": patient_url},
        "authored": _instant(checkin.created_at),
        "item": items,
        "text": _narrative(*lines),
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/display", "valueString": "Client check-in"}],
    }
