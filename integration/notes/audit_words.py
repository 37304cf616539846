"""The notes area's words for the audit log: notes, dosing sessions, insights and addenda named by
their kind and date, never by what they say (signal `audit_objects`; see audit/words.py)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .. import signals
from ..clients.models import Client
from ..clock import local_day, local_today, viewer_tz
from ..extensions import db
from .models import NOTE_KINDS, Addendum, DosingSession, Insight, Note, NoteTemplate


def connect() -> None:
    for kind, receiver in (("note", notes), ("dosingsession", dosing_sessions), ("insight", insights),
                           ("addendum", addenda), ("notetemplate", note_templates)):
        signals.audit_objects.connect(receiver, sender=kind)


def short_day(day: date) -> str:
    """"Nov 28" this year, "Nov 28, 2025" another year."""
    return f"{day:%b %-d}" if day.year == local_today(viewer_tz()).year else f"{day:%b %-d, %Y}"


def note_words(kind_label: str, occurred_on: date) -> str:
    return f"the note of {short_day(occurred_on)} ({kind_label.lower()})"


def _in_practice(model, practice_id: int):
    return model.client_id.in_(select(Client.id).where(Client.practice_id == practice_id))


def notes(kind: str, *, ids, practice_id: int) -> dict[int, str]:
    rows = db.session.execute(select(Note.id, Note.kind, Note.occurred_on)
                              .where(Note.id.in_(ids), _in_practice(Note, practice_id)))
    return {row.id: note_words(NOTE_KINDS.get(row.kind, row.kind), row.occurred_on) for row in rows}


def dosing_sessions(kind: str, *, ids, practice_id: int) -> dict[int, str]:
    rows = db.session.execute(select(DosingSession.id, DosingSession.number, DosingSession.started_at)
                              .where(DosingSession.id.in_(ids), _in_practice(DosingSession, practice_id)))
    tz_name = viewer_tz()
    return {row.id: f"the dosing session {row.number} of {short_day(local_day(row.started_at, tz_name))}"
            for row in rows}


def insights(kind: str, *, ids, practice_id: int) -> dict[int, str]:
    rows = db.session.execute(select(Insight.id, Note.kind, Note.occurred_on).join(Note, Note.id == Insight.note_id)
                              .where(Insight.id.in_(ids), _in_practice(Insight, practice_id)))
    return {row.id: f"an insight on {note_words(NOTE_KINDS.get(row.kind, row.kind), row.occurred_on)}" for row in rows}


def addenda(kind: str, *, ids, practice_id: int) -> dict[int, str]:
    rows = db.session.execute(select(Addendum.id, Note.kind, Note.occurred_on)
                              .join(Note, Note.id == Addendum.note_id)
                              .where(Addendum.id.in_(ids), _in_practice(Addendum, practice_id)))
    return {row.id: f"an addendum to {note_words(NOTE_KINDS.get(row.kind, row.kind), row.occurred_on)}" for row in rows}


def note_templates(kind: str, *, ids, practice_id: int) -> dict[int, str]:
    """A template by its name and kind: a practice's wording, not a client's."""
    found = db.session.scalars(select(NoteTemplate).where(NoteTemplate.id.in_(ids),
                                                          NoteTemplate.practice_id == practice_id)).all()
    return {t.id: f"the note template “{t.name}” ({t.kind_label.lower()})" for t in found}
