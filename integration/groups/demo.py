"""Demo data for group circles: one circle with past sessions, attendance, signed notes, and one
to come. Every name and word here is invented. Running it twice adds nothing twice."""
from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from ..auth.models import User
from ..clients.demo import demo_clinician
from ..clients.models import Client
from ..clock import from_local, local_day, local_today, utcnow
from ..extensions import db
from ..notes import lifecycle
from ..notes.models import Note
from .models import Attendance, Enrollment, GroupNote, GroupSeries, GroupSession

SERIES_NAME = "Tuesday evening integration circle"
MEETS_AT = time(18, 30)
# (weeks from the next meeting, theme, attendance by first name; missing = not marked)
SESSIONS = [
    (-3, "Arriving: what brought us here",
     {"Rowan": "present", "Maribel": "present", "Desmond": "present", "Lukas": "late"}),
    (-2, "The body remembers",
     {"Rowan": "present", "Maribel": "excused", "Desmond": "present", "Lukas": "present"}),
    (-1, "Carrying insight into ordinary days",
     {"Rowan": "present", "Maribel": "present", "Desmond": "absent", "Lukas": "present"}),
    (0, "Relationships after a session", {}),
]
ROSTER = ["Rowan", "Maribel", "Desmond", "Lukas"]
WAITING = ["Priya"]
CAPACITY = 4
GROUP_NOTE = (
    "Three members. The circle opened with a short grounding. Main themes: how to hold on to what felt clear "
    "after a session once work and family return; the difference between forcing change and allowing it. "
    "The group was warm and attentive; two members spoke for the first time at length. Closing round of one "
    "word each.")
# Individual notes for the latest past session, in each client's own words (fictional).
NOTES = {
    "Rowan": {
        "participation": "Arrived early, helped set out cushions. Spoke twice, listened closely, stayed for tea.",
        "brought": "Ro described keeping a small stone from the lake in a coat pocket as a reminder to slow down.",
        "reflections": "Noticed that the urge to 'get everything done' returns on Mondays. Linked it to the goal "
                       "of gentler mornings.",
        "next_steps": "Try the five-minute arrival journal on Monday mornings; bring one page next week.",
    },
    "Lukas": {
        "participation": "Quiet at first, then offered a long reflection in the second round.",
        "brought": "Lukas spoke about his workshop: planing wood as the one time his mind goes still.",
        "reflections": "Wondered whether stillness could be found outside the workshop too, in small doses.",
        "next_steps": "Ten minutes of sitting in the workshop before starting work, three days this week.",
    },
}


def _next_meeting(timezone: str) -> date:
    """The day of the circle's next meeting: this Tuesday if it has not begun yet, else the one after
    (on a Tuesday evening the meeting of that day is one of the past ones)."""
    today = local_today(timezone)
    day = today + timedelta(days=(1 - today.weekday()) % 7)
    return day if from_local(day, MEETS_AT, timezone) > utcnow() else day + timedelta(weeks=1)


def load_demo(practice, users: dict[str, User], clients: list[Client]) -> None:
    by_name = {c.first_name: c for c in clients}
    facilitators = [users[k] for k in ("ines", "theo") if k in users]
    series = db.session.scalar(select(GroupSeries).where(
        GroupSeries.practice_id == practice.id, GroupSeries.name == SERIES_NAME))
    if series is None:
        series = GroupSeries(practice_id=practice.id, name=SERIES_NAME, weekday=1, meets_at=MEETS_AT,
                             description="A weekly circle for clients in the weeks after their sessions: "
                                         "share what you lived through, hear others, feel less alone.",
                             schedule_text="Every Tuesday, 6:30 to 8 pm", place="The garden room, 12 Alder Lane",
                             capacity=CAPACITY, facilitators=facilitators,
                             created_by_id=facilitators[0].id if facilitators else None)
        db.session.add(series)
        db.session.flush()
    lead = series.facilitators[0] if series.facilitators else users.get("admin")

    for status, names in (("enrolled", ROSTER), ("waitlisted", WAITING)):
        for name in names:
            client = by_name.get(name)
            if client is None or db.session.scalar(select(Enrollment.id).where(
                    Enrollment.series_id == series.id, Enrollment.client_id == client.id)):
                continue
            db.session.add(Enrollment(series_id=series.id, client_id=client.id, status=status,
                                      status_at=utcnow(), created_by_id=lead.id))
    db.session.flush()

    next_meeting = _next_meeting(practice.timezone)
    for weeks, theme, marks in SESSIONS:
        session = db.session.scalar(select(GroupSession).where(
            GroupSession.series_id == series.id, GroupSession.theme == theme))
        if session is None:
            day = next_meeting + timedelta(weeks=weeks)
            session = GroupSession(series_id=series.id, theme=theme, facilitators=list(series.facilitators),
                                   starts_at=from_local(day, MEETS_AT, practice.timezone), created_by_id=lead.id)
            db.session.add(session)
            db.session.flush()
        for name, status in marks.items():
            client = by_name.get(name)
            if client is not None and not db.session.scalar(select(Attendance.id).where(
                    Attendance.group_session_id == session.id, Attendance.client_id == client.id)):
                db.session.add(Attendance(group_session_id=session.id, client_id=client.id, status=status,
                                          recorded_by_id=lead.id, recorded_at=session.starts_at))
        if weeks == -1:
            _notes(practice, session, by_name, users, lead)
    db.session.commit()


def _notes(practice, session: GroupSession, by_name: dict[str, Client], users: dict[str, User], lead: User) -> None:
    """Signed individual notes for the latest past session, and its signed group note."""
    db.session.flush()
    for name, fields in NOTES.items():
        client = by_name.get(name)
        author = demo_clinician(client, users) if client else None
        if author is None:
            continue
        attendance = db.session.scalar(select(Attendance).where(
            Attendance.group_session_id == session.id, Attendance.client_id == client.id))
        if attendance is None or attendance.note_id:
            continue
        note = lifecycle.start(Note(client_id=client.id, kind="group", group_session_id=session.id,
                                    occurred_on=local_day(session.starts_at, practice.timezone),
                                    created_at=session.starts_at), author)
        lifecycle.save_draft(note, fields, note.version, author)
        revision = lifecycle.sign(note, author, note.version)
        note.updated_at = session.starts_at
        note.signed_at = revision.saved_at = session.starts_at + timedelta(hours=20)
        attendance.note_id = note.id
    if session.group_note is None:
        signed_at = session.starts_at + timedelta(hours=21)
        note = lifecycle.start(GroupNote(group_session_id=session.id), lead)
        lifecycle.save_draft(note, {"text": GROUP_NOTE}, note.version, lead)
        revision = lifecycle.sign(note, lead, note.version)
        note.updated_at = note.signed_at = revision.saved_at = signed_at
