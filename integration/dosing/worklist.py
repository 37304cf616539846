"""The dosing area's part of the practitioner's worklist (signals.worklist): sessions recorded as held with
no consent on file (until a consent is recorded), and planned sessions whose day has come (to record).
One query each over every client of the worklist, only where the reader may read dosing sessions."""
from __future__ import annotations

from datetime import date, time, timedelta

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..clock import from_local, local_day
from ..extensions import db
from ..notes.models import DosingSession
from ..permissions import among
from ..worklist import WorkItem, clients_reading
from .checks import clients_with_consent


def connect(signal) -> None:
    for receiver in (sessions_without_consent, planned_to_record):
        signal.connect(receiver)


def _url(session: DosingSession) -> str:
    return url_for("dosing.show_session", client_id=session.client_id, session_id=session.id)


def sessions_without_consent(user, *, scopes, today: date) -> list[WorkItem]:
    sessions = db.session.scalars(
        select(DosingSession).join(DosingSession.client)
        .where(among(DosingSession.client_id, clients_reading(scopes, "sessions")), DosingSession.status == "held",
               DosingSession.client_id.not_in(clients_with_consent()))
        .options(contains_eager(DosingSession.client))).all()
    tz = user.practice.timezone
    return [WorkItem("no_consent", s.client_id, s.client.full_name, f"Session {s.number} was held with no consent on file",
                     f"Dosing session on {local_day(s.started_at, tz):%b %-d, %Y}. Record the client's consent.",
                     url_for("dosing.consent", client_id=s.client_id), local_day(s.started_at, tz)) for s in sessions]


def planned_to_record(user, *, scopes, today: date) -> list[WorkItem]:
    """Planned sessions of today or earlier: held and waiting to be recorded, or to be moved."""
    tz = user.practice.timezone
    end_of_today = from_local(today + timedelta(days=1), time(0, 0), tz)
    sessions = db.session.scalars(
        select(DosingSession).join(DosingSession.client)
        .where(among(DosingSession.client_id, clients_reading(scopes, "sessions")), DosingSession.status == "planned",
               DosingSession.started_at < end_of_today)
        .options(contains_eager(DosingSession.client))).all()
    items = []
    for s in sessions:
        day = local_day(s.started_at, tz)
        when = "today" if day == today else f"on {day:%b %-d, %Y}, not recorded since"
        items.append(WorkItem("to_record", s.client_id, s.client.full_name, f"Session {s.number} was planned {when}",
                              "Record it as held, or change its date.", _url(s), day))
    return items



