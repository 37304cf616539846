"""The notes area's part of the client's record: sessions, notes and insights on the timeline,
open windows, sessions without a debrief, unsigned notes and notes waiting for a co-signature under
"needs attention", and the insights linked to a goal or a history item. Connected to the record's
signals by connect().

Every answer is as far as the reader may see (permissions.CONTENT): a coach gets coaching notes and
the client's words of shared insights, an admin without break-glass nothing, nobody another's
process notes."""
from __future__ import annotations

from datetime import date, timedelta

from flask import url_for
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import signals
from ..clients.models import Client
from ..clients.record import ATTENTION_LIMIT, Attention, Entry, more_line
from ..clock import TIME_FORMAT, local_day, to_local, utcnow
from ..crypto.columns import unread_encrypted
from ..extensions import db
from ..permissions import insight_view, may, reader_of, readable_insights, readable_notes
from . import audit_words
from .models import DosingSession, Insight, Note, insight_goal, insight_history_item
from . import worklist
from .window import integration_window


def connect() -> None:
    signals.timeline.connect(session_entries)
    signals.timeline.connect(note_entries)
    signals.timeline.connect(insight_entries)
    signals.attention.connect(open_windows)
    signals.attention.connect(sessions_without_debrief)
    signals.attention.connect(unsigned_notes)
    signals.attention.connect(notes_to_cosign)
    signals.linked_insights.connect(insights_linked)
    signals.insight_counts.connect(insights_per_link)
    audit_words.connect()
    worklist.connect(signals.worklist)


def note_url(note: Note) -> str:
    return url_for("notes.show_note", client_id=note.client_id, note_id=note.id)


def session_url(session: DosingSession) -> str:
    return url_for("dosing.show_session", client_id=session.client_id, session_id=session.id)


# --- timeline -----------------------------------------------------------------------------------

def session_entries(client: Client, *, tz_name: str, limit: int) -> list[Entry]:
    if not may("read", "sessions", client):
        return []
    sessions = db.session.scalars(
        select(DosingSession).where(DosingSession.client_id == client.id)
        .order_by(DosingSession.started_at.desc(), DosingSession.id.desc()).limit(limit)).all()
    return [_session_entry(s, tz_name) for s in sessions]


def _session_entry(session: DosingSession, tz_name: str) -> Entry:
    dose = []
    if session.dose_mg:
        dose.append(f"{session.dose_mg:g} mg")
    if session.dose_mg_per_kg:
        dose.append(f"{session.dose_mg_per_kg:g} mg/kg")
    local = to_local(session.started_at, tz_name)
    detail = " · ".join(filter(None, [local.strftime(TIME_FORMAT), session.medicine.capitalize(),
                                      session.route_label, ", ".join(dose)]))
    return Entry("session", "Dosing session", local.date(), session.started_at, f"Dosing session {session.number}",
                 detail, url=session_url(session))


def note_entries(client: Client, *, tz_name: str, limit: int) -> list[Entry]:
    # The circle's class through the relationship: the circles area sits above notes.
    group_session = Note.group_session.property.mapper.class_
    notes = db.session.scalars(
        select(Note).where(Note.client_id == client.id, readable_notes(reader_of(client)))
        # A timeline line shows a note's kind, session and author: its sections and search text, and
        # its session's intention and notes, stay encrypted (unread), not decrypted for nothing.
        .options(*unread_encrypted(Note), joinedload(Note.author),
                 joinedload(Note.dosing_session).options(*unread_encrypted(DosingSession)),
                 joinedload(Note.group_session).joinedload(group_session.series))
        # The order of ix_note_client_day exactly, so the page reads as many notes as it shows (ids rise
        # as notes are written: the newest of a day first, as created_at would give).
        .order_by(Note.occurred_on.desc(), Note.id.desc()).limit(limit)).all()
    return [_note_entry(n) for n in notes]


def _note_entry(note: Note) -> Entry:
    title = note.kind_label
    if note.dosing_session is not None and may("read", "sessions", note.client):
        title += f" for session {note.dosing_session.number}"
    if note.group_session is not None:
        title += f": {note.group_session.series.name}"
    by = f"by {note.author.name}" if note.author else ""
    return Entry("note", "Note", note.occurred_on, note.created_at, title, by,
                 badge="Signed" if note.is_signed else "Draft", url=note_url(note))


def insight_entries(client: Client, *, tz_name: str, limit: int) -> list[Entry]:
    insights = db.session.scalars(
        select(Insight).join(Insight.note).where(Insight.client_id == client.id,
                                                 readable_insights(reader_of(client)))
        .options(joinedload(Insight.note).options(*unread_encrypted(Note)), selectinload(Insight.themes))
        .order_by(Note.occurred_on.desc(), Insight.created_at.desc(), Insight.id.desc()).limit(limit)).all()
    return [_insight_entry(i, insight_view(i, client)) for i in insights]


def _insight_entry(insight: Insight, view: str | None) -> Entry:
    if view == "full":
        return Entry("insight", "Insight", insight.note.occurred_on, insight.created_at, insight.text,
                     f"Themes: {', '.join(insight.theme_names)}" if insight.themes else "", url=note_url(insight.note))
    return Entry("insight", "Insight, in their words", insight.note.occurred_on, insight.created_at,
                 f"“{insight.client_words}”")


# --- needs attention ------------------------------------------------------------------------------

def open_windows(client: Client, *, tz_name: str, today: date) -> list[Attention]:
    """Sessions whose integration window is open today (whatever the zone: the last few days')."""
    if not may("read", "sessions", client):
        return []
    window_days = client.practice.integration_window_days
    recent = db.session.scalars(
        select(DosingSession).where(DosingSession.client_id == client.id, DosingSession.status == "held",
                                    DosingSession.started_at >= utcnow() - timedelta(days=window_days + 2))
        .order_by(DosingSession.started_at.desc())).all()
    found = []
    for session in recent:
        window = integration_window(session, client.practice, today)
        if window.is_open:
            found.append(Attention(
                "Window open", f"Integration window open after session {session.number}",
                (f"Day {window.day} after the session" if window.day else "Session day")
                + f"; open through {window.last:%a %b %-d}.", url=session_url(session), urgent=False))
    return found


def sessions_without_debrief(client: Client, *, tz_name: str, today: date) -> list[Attention]:
    if not may("read", "notes.clinical", client):
        return []
    has_debrief = exists().where(Note.dosing_session_id == DosingSession.id, Note.kind == "debrief")
    rows = db.session.execute(
        select(DosingSession, func.count().over())
        .where(DosingSession.client_id == client.id, DosingSession.status == "held", ~has_debrief)
        .order_by(DosingSession.started_at.desc()).limit(ATTENTION_LIMIT)).all()
    found = [Attention("No debrief", f"Session {session.number} has no debrief yet",
                       f"Dosing session on {local_day(session.started_at, tz_name):%b %-d, %Y}.",
                       url=session_url(session)) for session, _ in rows]
    return found + more_line(rows[0][1] if rows else 0, len(rows), "session without a debrief",
                             "sessions without a debrief")


def unsigned_notes(client: Client, *, tz_name: str, today: date) -> list[Attention]:
    rows = db.session.execute(
        select(Note, func.count().over())
        .where(Note.client_id == client.id, Note.status == "draft", readable_notes(reader_of(client)))
        .options(joinedload(Note.author))
        .order_by(Note.occurred_on, Note.id).limit(ATTENTION_LIMIT)).all()
    found = [Attention("Unsigned", f"{note.kind_label} of {note.occurred_on:%b %-d, %Y} is not signed",
                       f"Draft by {note.author.name}." if note.author else "Draft.", url=note_url(note))
             for note, _ in rows]
    return found + more_line(rows[0][1] if rows else 0, len(rows), "unsigned note", "unsigned notes")


def notes_to_cosign(client: Client, *, tz_name: str, today: date) -> list[Attention]:
    """Signed notes of a pre-licensed clinician still waiting for their supervisor's co-signature."""
    rows = db.session.execute(
        select(Note, func.count().over())
        .where(Note.client_id == client.id, Note.status == "signed", Note.cosigner_id.is_not(None),
               Note.cosigned_at.is_(None), readable_notes(reader_of(client)))
        .options(joinedload(Note.author), joinedload(Note.cosigner))
        .order_by(Note.occurred_on, Note.id).limit(ATTENTION_LIMIT)).all()
    found = [Attention("Co-signature", f"{note.kind_label} of {note.occurred_on:%b %-d, %Y} waits for a co-signature",
                       f"By {note.cosigner.name}." if note.cosigner else "", url=note_url(note))
             for note, _ in rows]
    return found + more_line(rows[0][1] if rows else 0, len(rows), "note waiting for a co-signature",
                             "notes waiting for a co-signature")


# --- insights linked to goals and history ------------------------------------------------------

def insights_linked(client: Client, *, goal=None, history_item=None) -> list[Insight]:
    """Every insight linked to this goal or history item that the reader may see, newest note first."""
    query = select(Insight).join(Insight.note).where(Insight.client_id == client.id,
                                                     readable_insights(reader_of(client)))
    if goal is not None:
        query = query.join(insight_goal, insight_goal.c.insight_id == Insight.id).where(
            insight_goal.c.goal_id == goal.id)
    if history_item is not None:
        query = query.join(insight_history_item, insight_history_item.c.insight_id == Insight.id).where(
            insight_history_item.c.history_item_id == history_item.id)
    query = query.options(joinedload(Insight.note).joinedload(Note.author), selectinload(Insight.themes),
                          selectinload(Insight.goals), selectinload(Insight.history_items),
                          ).order_by(Note.occurred_on.desc(), Insight.id.desc())
    return db.session.scalars(query).unique().all()


def insights_per_link(client: Client, *, of: str) -> dict[int, int]:
    """How many insights link to each goal (of="goal") or history item (of="history"), in one query."""
    column = insight_goal.c.goal_id if of == "goal" else insight_history_item.c.history_item_id
    rows = db.session.execute(
        select(column, func.count()).join(Insight, Insight.id == column.table.c.insight_id)
        .where(Insight.client_id == client.id, readable_insights(reader_of(client))).group_by(column)).all()
    return {row[0]: row[1] for row in rows}
