"""The client's record as a FHIR R4 (4.0.1) Bundle of type "collection", built as plain dicts.

Resources refer to each other by urn:uuid fullUrls made fresh for each export, and carry no `id`
or identifier of ours: nothing in the file names a database row. Patient; Goal; CarePlan for each
delivered plan version (activities from its items); QuestionnaireResponse with every answer and an
Observation for the total of each measure taken (LOINC only where the code is certain: PHQ-9 total
44261-6, GAD-7 total 70274-6; the PCL-5 and the practice's own measures by text); DocumentReference
for each signed note (its text, insights and addenda as a text/plain attachment). Personal history,
check-ins and dosing sessions are in the PDF only. tests/test_exports.py parses the result with
fhir.resources (R4) to prove it valid.
"""
from __future__ import annotations

import base64
import uuid
from datetime import date, datetime, timezone

from ..measures.instruments import Definition
from ..measures.models import MeasureResponse
from .record import ExportNote, ExportRecord

LOINC = "http://loinc.org"
# measure key -> (LOINC code of the total score, its display). Only codes we are sure of.
TOTAL_SCORE_CODES = {
    "phq9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
    "gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
}
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
GOAL_STATUS = {"active": "active", "achieved": "completed", "paused": "on-hold", "let_go": "cancelled"}


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


def bundle(export: ExportRecord) -> dict:
    """The export as a Bundle (a JSON-ready dict)."""
    patient_url = _urn()
    entries = [(patient_url, _patient(export))]
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
