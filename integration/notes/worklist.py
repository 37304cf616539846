"""The notes area's part of the practitioner's worklist (signals.worklist): their own unsigned notes,
sessions without a debrief, integration windows open today, and notes waiting for their co-signature.

One query per kind over every client of the worklist (never one per client), each only where the
reader may read that kind (permissions.CONTENT)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import contains_eager

from ..clients.models import Client
from ..clock import local_day, utcnow
from ..crypto.columns import unread_encrypted
from ..extensions import db
from ..permissions import among
from ..worklist import WorkItem, clients_reading
from .models import DosingSession, Note
from .window import integration_window


def connect(signal) -> None:
    for receiver in (unsigned_notes, sessions_without_debrief, open_windows, cosignatures):
        signal.connect(receiver)


def _note_url(note: Note) -> str:
    return url_for("notes.show_note", client_id=note.client_id, note_id=note.id)


def _session_url(session: DosingSession) -> str:
    return url_for("dosing.show_session", client_id=session.client_id, session_id=session.id)


def _named_only() -> tuple:
    """A work item names a note's kind and day and its client: the note's sections and search text and
    the client's contact details stay encrypted, unread."""
    return (*unread_encrypted(Note), contains_eager(Note.client).options(*unread_encrypted(Client)))


def unsigned_notes(user, *, scopes, today: date) -> list[WorkItem]:
    """Drafts the user wrote: only their author signs a note."""
    notes = db.session.scalars(
        select(Note).join(Note.client).where(Note.author_id == user.id, Note.status == "draft",
                                             among(Note.client_id, clients_reading(scopes, "details")))
        .options(*_named_only())).all()
    return [WorkItem("unsigned", n.client_id, n.client.full_name, f"{n.kind_label} of {n.occurred_on:%b %-d, %Y}",
                     "Draft, not signed.", _note_url(n), n.occurred_on) for n in notes]


def sessions_without_debrief(user, *, scopes, today: date) -> list[WorkItem]:
    has_debrief = exists().where(Note.dosing_session_id == DosingSession.id, Note.kind == "debrief")
    sessions = db.session.scalars(
        select(DosingSession).join(DosingSession.client)
        .where(among(DosingSession.client_id, clients_reading(scopes, "notes.clinical")), ~has_debrief,
               DosingSession.status == "held",
               DosingSession.started_at <= utcnow())
        .options(contains_eager(DosingSession.client))).all()
    tz = user.practice.timezone
    return [WorkItem("no_debrief", s.client_id, s.client.full_name, f"Session {s.number} has no debrief yet",
                     f"Dosing session on {local_day(s.started_at, tz):%b %-d, %Y}.", _session_url(s),
                     local_day(s.started_at, tz)) for s in sessions]


def open_windows(user, *, scopes, today: date) -> list[WorkItem]:
    practice = user.practice
    sessions = db.session.scalars(
        select(DosingSession).join(DosingSession.client)
        .where(among(DosingSession.client_id, clients_reading(scopes, "sessions")), DosingSession.status == "held",
               DosingSession.started_at >= utcnow() - timedelta(days=practice.integration_window_days + 2))
        .options(contains_eager(DosingSession.client))).all()
    items = []
    for session in sessions:
        window = integration_window(session, practice, today)
        if window.is_open:
            items.append(WorkItem("window", session.client_id, session.client.full_name,
                                  f"Integration window open after session {session.number}",
                                  (f"Day {window.day}" if window.day else "Session day")
                                  + f"; open through {window.last:%a %b %-d}.", _session_url(session), window.first))
    return items


def cosignatures(user, *, scopes, today: date) -> list[WorkItem]:
    notes = db.session.scalars(
        select(Note).join(Note.client)
        .where(Note.cosigner_id == user.id, Note.status == "signed", Note.cosigned_at.is_(None),
               among(Note.client_id, clients_reading(scopes, "notes.clinical")))
        .options(*_named_only())).all()
    return [WorkItem("cosign", n.client_id, n.client.full_name, f"{n.kind_label} of {n.occurred_on:%b %-d, %Y}",
                     "Signed; waits for your co-signature.", _note_url(n), n.occurred_on) for n in notes]
