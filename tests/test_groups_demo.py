"""Demo data for circles: one circle, past sessions with attendance and signed notes, one to come;
loading twice adds nothing."""
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from integration.clock import to_local, utcnow
from integration.extensions import db
from integration.groups import demo as groups_demo
from integration.groups.demo import load_demo
from integration.groups.models import Attendance, Enrollment, GroupNote, GroupSeries, GroupSession
from integration.notes.models import Note
from tests.factories import ClientFactory, UserFactory


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_circle_is_complete_and_not_duplicated(app, practice):
    ines = UserFactory(practice=practice, name="Ines Calloway")
    theo = UserFactory(practice=practice, name="Theo Marchetti")
    admin = UserFactory(practice=practice, role="admin")
    people = [ClientFactory.for_team(ines, first_name="Rowan"), ClientFactory.for_team(ines, first_name="Maribel"),
              ClientFactory.for_team(theo, first_name="Desmond"), ClientFactory.for_team(theo, first_name="Priya"),
              ClientFactory.for_team(ines, theo, first_name="Lukas")]
    users = {"admin": admin, "ines": ines, "theo": theo}
    load_demo(practice, users, people)
    first = {model: count(model) for model in (GroupSeries, GroupSession, Enrollment, Attendance, Note, GroupNote)}
    load_demo(practice, users, people)
    assert {model: count(model) for model in first} == first
    assert first[GroupSeries] == 1 and first[GroupNote] == 1
    sessions = db.session.scalars(select(GroupSession).order_by(GroupSession.starts_at)).all()
    now = utcnow()
    assert len([s for s in sessions if s.starts_at < now]) == 3 and sessions[-1].starts_at > now
    notes = db.session.scalars(select(Note)).all()
    assert len(notes) == 2 and all(n.kind == "group" and n.is_signed and n.group_session_id for n in notes)
    for note in notes:  # written by someone on the client's own care team
        assert note.author_id in {m.user_id for m in note.client.care_team}
    statuses = dict(db.session.execute(select(Enrollment.client_id, Enrollment.status)).all())
    assert sorted(statuses.values()) == ["enrolled"] * 4 + ["waitlisted"]


@pytest.mark.parametrize("now_utc, expected", [
    (datetime(2026, 11, 30, 17, 0), date(2026, 12, 1)),   # Monday: tomorrow
    (datetime(2026, 12, 1, 15, 0), date(2026, 12, 1)),    # Tuesday 10 am in New York: tonight
    (datetime(2026, 12, 2, 1, 0), date(2026, 12, 8)),     # Tuesday 8 pm: tonight's has begun, so next week
    (datetime(2026, 12, 2, 17, 0), date(2026, 12, 8)),    # Wednesday
])
def test_the_demo_circle_meets_next_after_now_whatever_the_hour(monkeypatch, now_utc, expected):
    """The demo's upcoming meeting is always ahead (it once fell behind on Tuesday evenings)."""
    zone = "America/New_York"
    monkeypatch.setattr(groups_demo, "utcnow", lambda: now_utc)
    monkeypatch.setattr(groups_demo, "local_today", lambda tz: to_local(now_utc, tz).date())
    assert groups_demo._next_meeting(zone) == expected
