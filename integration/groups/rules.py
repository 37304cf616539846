"""The rules of a circle, as plain functions: enrolment and the waitlist, attendance, dates.

They change objects and add rows to the session; the view writes the audit event and
commits, so a change and its audit row land together.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..auth.models import User
from ..clients.models import Client
from ..clock import utcnow
from ..extensions import db
from .models import ATTENDANCE_STATUSES, Attendance, Enrollment, GroupSeries, GroupSession

# A session dated further back or ahead than this is possible, but more likely a typo: ask first.
PAST_DAYS_BEFORE_ASKING = 60
FUTURE_DAYS_BEFORE_ASKING = 365
# What a client's plan shows of a series: the next few sessions, not the whole year.
UPCOMING_LIMIT = 6
UPCOMING_DAYS = 92


class AlreadyOnRoster(Exception):
    """The client is already enrolled or waiting in this series."""

    def __init__(self, enrollment: Enrollment):
        super().__init__(f"client {enrollment.client_id} is {enrollment.status}")
        self.enrollment = enrollment


def enrolled_count(series: GroupSeries) -> int:
    return db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.series_id == series.id, Enrollment.status == "enrolled")) or 0


def has_room(series: GroupSeries) -> bool:
    return enrolled_count(series) < series.capacity


def enrol(series: GroupSeries, client: Client, user: User) -> Enrollment:
    """Put a client in the circle, or on its waitlist when it is full.

    A client who withdrew before keeps their row: it is reopened, so their history stays in one place.

    :raise AlreadyOnRoster: the client is enrolled or waiting already.
    """
    enrollment = db.session.scalar(select(Enrollment).where(
        Enrollment.series_id == series.id, Enrollment.client_id == client.id))
    if enrollment is not None and enrollment.status != "withdrawn":
        raise AlreadyOnRoster(enrollment)
    status = "enrolled" if has_room(series) else "waitlisted"
    if enrollment is None:
        enrollment = Enrollment(series_id=series.id, client_id=client.id, created_by_id=user.id)
        db.session.add(enrollment)
    enrollment.status = status
    enrollment.status_at = utcnow()
    enrollment.withdrawn_at = None
    enrollment.withdrawn_by_id = None
    db.session.flush()
    return enrollment


def withdraw(enrollment: Enrollment, user: User) -> list[Enrollment]:
    """Take a client off the roster (or the waitlist). Their attendance and notes stay.

    Returns whoever moved up from the waitlist into the freed place.
    """
    if enrollment.status == "withdrawn":
        return []
    enrollment.status = "withdrawn"
    enrollment.status_at = enrollment.withdrawn_at = utcnow()
    enrollment.withdrawn_by_id = user.id
    db.session.flush()
    return fill_from_waitlist(enrollment.series)


def waitlist(series: GroupSeries) -> list[Enrollment]:
    """Who is waiting, first come first served."""
    return list(db.session.scalars(select(Enrollment).where(
        Enrollment.series_id == series.id, Enrollment.status == "waitlisted")
        .order_by(Enrollment.status_at, Enrollment.id)))


def fill_from_waitlist(series: GroupSeries) -> list[Enrollment]:
    """Move the first on the waitlist into the circle while there is room. Returns who moved."""
    free = series.capacity - enrolled_count(series)
    moved = waitlist(series)[:max(free, 0)]
    for enrollment in moved:
        enrollment.status = "enrolled"
        enrollment.status_at = utcnow()
    db.session.flush()
    return moved


@dataclass
class AttendanceResult:
    saved: list[Attendance] = field(default_factory=list)
    changed: int = 0
    refused: list[int] = field(default_factory=list)  # client ids not enrolled in the series


def take_attendance(session: GroupSession, marks: dict[int, str], user: User) -> AttendanceResult:
    """Record present / late / absent / excused for each client id in `marks`, in one go.

    Only clients enrolled in the series (not waiting, not withdrawn) can be marked; others are
    refused and listed. An unknown status is ignored (the form offers only the four).
    """
    enrolled = set(db.session.scalars(select(Enrollment.client_id).where(
        Enrollment.series_id == session.series_id, Enrollment.status == "enrolled")))
    existing = {a.client_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.group_session_id == session.id))}
    result = AttendanceResult()
    for client_id, status in marks.items():
        if status not in ATTENDANCE_STATUSES:
            continue
        if client_id not in enrolled:
            result.refused.append(client_id)
            continue
        row = existing.get(client_id)
        if row is None:
            row = Attendance(group_session_id=session.id, client_id=client_id, status=status,
                             recorded_by_id=user.id)
            db.session.add(row)
            result.changed += 1
        elif row.status != status:
            row.status = status
            row.recorded_by_id = user.id
            row.recorded_at = utcnow()
            result.changed += 1
        result.saved.append(row)
    db.session.flush()
    return result


def date_needs_confirmation(day: date, today: date) -> bool:
    """Whether a session date is far enough in the past or future to be a likely typo."""
    return day < today - timedelta(days=PAST_DAYS_BEFORE_ASKING) or day > today + timedelta(
        days=FUTURE_DAYS_BEFORE_ASKING)


def upcoming_sessions(series_ids: list[int], practice_id: int, after: datetime,
                      limit: int = UPCOMING_LIMIT, days: int = UPCOMING_DAYS) -> dict[int, list[GroupSession]]:
    """The next sessions of each series (of this practice only), after a moment, within `days`.

    One query for all the series; at most `limit` sessions each, soonest first.
    """
    if not series_ids:
        return {}
    rows = db.session.scalars(
        select(GroupSession).join(GroupSeries, GroupSeries.id == GroupSession.series_id)
        .where(GroupSession.series_id.in_(series_ids), GroupSeries.practice_id == practice_id,
               GroupSession.starts_at >= after, GroupSession.starts_at < after + timedelta(days=days))
        .order_by(GroupSession.starts_at, GroupSession.id))
    found: dict[int, list[GroupSession]] = {}
    for session in rows:
        bucket = found.setdefault(session.series_id, [])
        if len(bucket) < limit:
            bucket.append(session)
    return found
