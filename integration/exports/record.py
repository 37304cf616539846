"""The client's record as it is released to them (45 CFR 164.524), gathered once for the PDF and the bundle.

What is in it is a rule, not the exporter's view of the record: the same export whoever on the care
team makes it.

- In: details, care team, personal history and goals (sensitive ones too: they are the client's
  record; the export page asks the clinician to look at them first), goal check-ins, dosing sessions
  with their safety record (each timed vitals reading with the sedation and dissociation ratings,
  adverse events with what was done, discharge), every signed consent with the full text of the version
  signed, every safety plan version (the current one first; earlier ones in full and dated, with the
  care team's note on why each changed: they are the record as it stood), the client's check-ins with
  the practitioner's comment beside them, signed notes of every kind but one with their addenda and
  insights, finalized plans (every delivered version), measures with each answer (those sent through
  the private link too).
- Out, and counted on the page and in both files: private process notes (psychotherapy notes, 45 CFR
  164.501: excluded from the right of access, the author's own included), unsigned drafts (not yet
  part of the record: they can still change), draft plans, and insights removed from a draft.

A fixed number of queries whatever the size of the record (tests/test_exports.py counts them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..checkins.models import ClientCheckIn
from ..clients.models import Client, Goal, HistoryItem
from ..clock import utcnow
from ..dosing.models import AdverseEvent, Consent, VitalsReading
from ..extensions import db
from ..measures.instruments import Definition, definition_for
from ..measures.models import Measure, MeasureResponse
from ..notes import sections
from ..notes.models import Addendum, DosingSession, Insight, Note
from ..plans.models import Plan, PlanItem
from ..safetyplans.models import SafetyPlanVersion
from ..wording import counted

# Kinds of note that never leave the app, whoever asks (psychotherapy notes).
WITHHELD_KINDS = ("process",)
PSYCHOTHERAPY_NOTES = "psychotherapy notes, 45 CFR 164.501"


@dataclass(frozen=True)
class NoteSection:
    label: str
    lines: tuple[str, ...]


@dataclass
class ExportNote:
    note: Note
    sections: list[NoteSection]
    insights: list[Insight]
    addenda: list[Addendum]

    @property
    def text(self) -> str:
        """The note as plain text (the bundle's attachment): sections, insights, addenda."""
        parts = [f"{self.note.kind_label}, {self.note.occurred_on.isoformat()}"]
        for section in self.sections:
            parts.append(f"{section.label}\n" + "\n".join(section.lines))
        if self.insights:
            parts.append("Insights\n" + "\n".join(insight_line(i) for i in self.insights))
        for addendum in self.addenda:
            parts.append(f"Addendum by {addendum.author.name}, {addendum.created_at:%Y-%m-%d %H:%M} UTC "
                         f"({addendum.reason})\n{addendum.text}")
        return "\n\n".join(parts) + "\n"


@dataclass
class SessionSafety:
    """A dosing session with its safety record: readings in time order, adverse events as recorded."""

    session: DosingSession
    readings: list[VitalsReading] = field(default_factory=list)
    adverse_events: list[AdverseEvent] = field(default_factory=list)


@dataclass(frozen=True)
class Excluded:
    """What the export leaves out, in words, with how many."""

    count: int
    what: str
    why: str
    always: bool = False  # listed even when none were left out (private process notes)


@dataclass
class ExportRecord:
    client: Client
    made_at: datetime
    made_by: object
    history: list[HistoryItem]
    goals: list[Goal]
    sessions: list[DosingSession]
    notes: list[ExportNote]
    plans: list[Plan]
    replaced_plan_ids: set[int]
    responses: list[tuple[MeasureResponse, Definition | None]]
    safety: list[SessionSafety] = field(default_factory=list)  # one per session, in the sessions' order
    consents: list[Consent] = field(default_factory=list)
    safety_plans: list[SafetyPlanVersion] = field(default_factory=list)  # newest (the current one) first
    checkins: list[ClientCheckIn] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)

    @property
    def reading_count(self) -> int:
        return sum(len(s.readings) for s in self.safety)

    @property
    def adverse_event_count(self) -> int:
        return sum(len(s.adverse_events) for s in self.safety)

    @property
    def first_day(self) -> date | None:
        days = self._days()
        return min(days) if days else None

    @property
    def last_day(self) -> date | None:
        days = self._days()
        return max(days) if days else None

    def _days(self) -> list[date]:
        days = [n.note.occurred_on for n in self.notes] + [r.taken_on for r, _ in self.responses]
        days += [s.started_at.date() for s in self.sessions] + [p.start_date for p in self.plans]
        days += [c.checked_on for goal in self.goals for c in goal.check_ins]
        days += [c.signed_on for c in self.consents] + [c.checked_on for c in self.checkins]
        days += [v.created_at.date() for v in self.safety_plans]
        return days

    @property
    def sensitive_count(self) -> int:
        return sum(1 for item in [*self.history, *self.goals] if item.sensitive)


def insight_line(insight: Insight) -> str:
    line = insight.text
    if insight.client_words:
        line += f" (in your words: “{insight.client_words}”)"
    if insight.is_retracted:
        line += f" [retracted: {insight.retraction_reason}]"
    return line


def note_sections(kind: str, content) -> list[NoteSection]:
    """A note's content as labelled lines, section by section, leaving out what was not filled in."""
    fields = sections.fields_from_content(kind, content)
    found: dict[str, list[str]] = {}
    layout = fields.get("progress-layout", "")
    for name, section_label, field_label in sections.field_labels(kind):
        value = fields.get(name, "").strip()
        if not value or name == "progress-layout":
            continue
        if name.startswith("emotion-"):
            value = sections.INTENSITIES.get(int(value), value) if value.isdigit() else value
        elif name in ("safety-asked", "safety-follow_up"):
            value = sections.YES_NO.get(value, value)
        elif name.startswith("progress-") and layout and not name.startswith(f"progress-{layout}-"):
            continue  # text kept under another layout than the one chosen is not the note as signed
        found.setdefault(section_label, []).append(value if field_label == section_label
                                                   else f"{field_label}: {value}")
    return [NoteSection(label, tuple(lines)) for label, lines in found.items()]


def gather(client: Client, made_by) -> ExportRecord:
    """Everything the export holds for this client, and what it leaves out."""
    history = db.session.scalars(select(HistoryItem).where(HistoryItem.client_id == client.id)
                                 .order_by(HistoryItem.category, HistoryItem.id)).all()
    goals = db.session.scalars(select(Goal).where(Goal.client_id == client.id)
                               .options(selectinload(Goal.check_ins)).order_by(Goal.id)).all()
    sessions = db.session.scalars(select(DosingSession).where(DosingSession.client_id == client.id)
                                  .options(selectinload(DosingSession.practitioners))
                                  .order_by(DosingSession.started_at)).all()
    notes = db.session.scalars(
        select(Note).where(Note.client_id == client.id, Note.status == "signed", Note.kind.not_in(WITHHELD_KINDS))
        .options(joinedload(Note.author), joinedload(Note.signed_by), joinedload(Note.cosigner),
                 joinedload(Note.dosing_session),
                 selectinload(Note.addenda).joinedload(Addendum.author),
                 selectinload(Note.insights))
        .order_by(Note.occurred_on, Note.id)).all()
    plans = db.session.scalars(
        select(Plan).where(Plan.client_id == client.id, Plan.status == "finalized")
        .options(joinedload(Plan.finalized_by), selectinload(Plan.items).selectinload(PlanItem.goals))
        .order_by(Plan.start_date, Plan.version)).all()
    replaced = set(db.session.scalars(select(Plan.replaces_id).where(
        Plan.client_id == client.id, Plan.status == "finalized", Plan.replaces_id.is_not(None))))
    responses = db.session.scalars(select(MeasureResponse).where(MeasureResponse.client_id == client.id)
                                   .order_by(MeasureResponse.taken_on, MeasureResponse.id)).all()
    own_measures = {m.key: m for m in db.session.scalars(select(Measure).where(
        Measure.practice_id == client.practice_id))}
    export = ExportRecord(
        client=client, made_at=utcnow(), made_by=made_by, history=list(history), goals=list(goals),
        sessions=list(sessions),
        notes=[ExportNote(n, note_sections(n.kind, n.content),
                          [i for i in n.insights if i.removed_at is None], list(n.addenda)) for n in notes],
        plans=list(plans), replaced_plan_ids=replaced,
        responses=[(r, definition_for(r.measure_key, own_measures)) for r in responses])
    _gather_safety(export)
    export.excluded = _excluded(client)
    return export


def _gather_safety(export: ExportRecord) -> None:
    """The dosing safety record, consents, safety plan versions and check-ins: one query each."""
    client_id = export.client.id
    readings = db.session.scalars(select(VitalsReading).where(VitalsReading.client_id == client_id)
                                  .order_by(VitalsReading.taken_at, VitalsReading.id)).all()
    events = db.session.scalars(select(AdverseEvent).where(AdverseEvent.client_id == client_id)
                                .order_by(AdverseEvent.created_at, AdverseEvent.id)).all()
    by_session = {s.id: SessionSafety(s) for s in export.sessions}
    for reading in readings:
        if reading.dosing_session_id in by_session:
            by_session[reading.dosing_session_id].readings.append(reading)
    for event in events:
        if event.dosing_session_id in by_session:
            by_session[event.dosing_session_id].adverse_events.append(event)
    export.safety = list(by_session.values())
    export.consents = list(db.session.scalars(
        select(Consent).where(Consent.client_id == client_id).options(joinedload(Consent.consent_text))
        .order_by(Consent.signed_on, Consent.id)))
    export.safety_plans = list(db.session.scalars(
        select(SafetyPlanVersion).where(SafetyPlanVersion.client_id == client_id)
        .options(joinedload(SafetyPlanVersion.created_by)).order_by(SafetyPlanVersion.number.desc())))
    export.checkins = list(db.session.scalars(
        select(ClientCheckIn).where(ClientCheckIn.client_id == client_id)
        .options(joinedload(ClientCheckIn.comment_by), joinedload(ClientCheckIn.acknowledged_by))
        .order_by(ClientCheckIn.checked_on, ClientCheckIn.id)))


def _excluded(client: Client) -> list[Excluded]:
    """What is left out, counted in one query over notes and one over plans."""
    bucket = case((Note.kind.in_(WITHHELD_KINDS), "process"), else_="draft")
    counts = dict(db.session.execute(
        select(bucket, func.count())
        .where(Note.client_id == client.id,
               (Note.kind.in_(WITHHELD_KINDS) & (Note.status != "discarded")) | (Note.status == "draft"))
        .group_by(bucket)).all())
    draft_plans = db.session.scalar(select(func.count()).select_from(Plan).where(
        Plan.client_id == client.id, Plan.status == "draft")) or 0
    return [
        Excluded(counts.get("process", 0), counted(counts.get("process", 0), "private process note", start=True),
                 f"Private process notes are not included ({PSYCHOTHERAPY_NOTES}): they are a "
                 "practitioner's working notes, kept apart from the record.", always=True),
        Excluded(counts.get("draft", 0), counted(counts.get("draft", 0), "unsigned draft note", start=True),
                 "Drafts are not part of the record until they are signed; they may still change."),
        Excluded(draft_plans, counted(draft_plans, "draft plan", start=True),
                 "Plans are included once they are finalized and given to you."),
    ]


