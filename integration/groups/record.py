"""The circles area's part of the client's record: the circle sessions they were marked at.

Never who else was there. Connected to the record's signals by connect()."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import signals
from ..clients.models import Client
from ..clients.record import Entry
from ..clock import TIME_FORMAT, to_local
from ..extensions import db
from ..permissions import may
from .models import Attendance, GroupSession


def connect() -> None:
    signals.timeline.connect(circle_entries)


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
