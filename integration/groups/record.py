"""The circles area's part of the client's record: the circle sessions they were marked at.

Never who else was there. Connected to the record's signals by connect()."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import signals
from ..clients.models import Client
from ..clients.record import Entry
from ..clock import TIME_FORMAT, local_day, to_local, viewer_tz
from ..extensions import db
from ..notes.audit_words import short_day
from ..permissions import may
from .models import Attendance, GroupNote, GroupSeries, GroupSession


def connect() -> None:
    signals.timeline.connect(circle_entries)
    signals.audit_objects.connect(circle_sessions_in_words, sender="groupsession")
    signals.audit_objects.connect(group_notes_in_words, sender="groupnote")


def _session_words(starts_at) -> str:
    return f"the circle session of {short_day(local_day(starts_at, viewer_tz()))}"


def circle_sessions_in_words(kind: str, *, ids, practice_id: int) -> dict[int, str]:
    """Circle sessions for the audit log, by date only (never the circle's name or theme)."""
    rows = db.session.execute(select(GroupSession.id, GroupSession.starts_at).join(GroupSeries)
                              .where(GroupSession.id.in_(ids), GroupSeries.practice_id == practice_id))
    return {row.id: _session_words(row.starts_at) for row in rows}


def group_notes_in_words(kind: str, *, ids, practice_id: int) -> dict[int, str]:
    rows = db.session.execute(select(GroupNote.id, GroupSession.starts_at)
                              .join(GroupSession, GroupSession.id == GroupNote.group_session_id).join(GroupSeries)
                              .where(GroupNote.id.in_(ids), GroupSeries.practice_id == practice_id))
    return {row.id: "the group note of " + _session_words(row.starts_at).removeprefix("the ") for row in rows}


def circle_entries(client: Client, *, tz_name: str, limit: int) -> list[Entry]:
    if not may("read", "circles", client):
        return []
    rows = db.session.scalars(
        select(Attendance).join(GroupSession, GroupSession.id == Attendance.group_session_id)
        .where(Attendance.client_id == client.id)
        .options(joinedload(Attendance.group_session).joinedload(GroupSession.series))
        .order_by(GroupSession.starts_at.desc(), Attendance.id.desc()).limit(limit)).all()
    return [_circle_entry(a, tz_name) for a in rows]


def _circle_entry(attendance: Attendance, tz_name: str) -> Entry:
    session = attendance.group_session
    local = to_local(session.starts_at, tz_name)
    detail = " · ".join(filter(None, [local.strftime(TIME_FORMAT), session.theme, attendance.status_label]))
    return Entry("group", "Group circle", local.date(), session.starts_at, session.series.name, detail,
                 url=url_for("groups.client_attendance", client_id=attendance.client_id))
