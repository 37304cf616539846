"""Factories for group circles: series, sessions, enrolments, attendance and individual notes."""
from datetime import timedelta

import factory

from integration.clock import utcnow
from integration.groups.models import Attendance, Enrollment, GroupSeries, GroupSession
from integration.notes import lifecycle, sections
from integration.notes.models import Note
from tests.factories import Base


class GroupSeriesFactory(Base):
    class Meta:
        model = GroupSeries

    practice_id = None  # pass practice_id=
    name = factory.Sequence(lambda n: f"Circle {n}")
    description = "A weekly circle in the weeks after a session."
    weekday = 1
    capacity = 8
    place = "The garden room"

    @classmethod
    def run_by(cls, *facilitators, **kwargs) -> GroupSeries:
        """A series of the first facilitator's practice, with these facilitators."""
        return cls(practice_id=facilitators[0].practice_id, facilitators=list(facilitators), **kwargs)


class GroupSessionFactory(Base):
    class Meta:
        model = GroupSession

    series = None  # pass series=
    series_id = factory.LazyAttribute(lambda o: o.series.id)
    starts_at = factory.LazyFunction(lambda: utcnow().replace(microsecond=0) - timedelta(days=2))
    theme = factory.Sequence(lambda n: f"Theme {n}")


class EnrollmentFactory(Base):
    class Meta:
        model = Enrollment

    series = None  # pass series=
    client = None  # pass client=
    series_id = factory.LazyAttribute(lambda o: o.series.id)
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    status = "enrolled"
    status_at = factory.LazyFunction(utcnow)


class AttendanceFactory(Base):
    class Meta:
        model = Attendance

    group_session = None  # pass group_session=
    client = None  # pass client=
    group_session_id = factory.LazyAttribute(lambda o: o.group_session.id)
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    status = "present"


def group_note_for(attendance: Attendance, author, *, signed: bool = True, **fields) -> Note:
    """The client's individual note for the session they attended, linked from the attendance row."""
    content = sections.content_from_fields("group", fields)[0]
    note = Note(client_id=attendance.client_id, kind="group", author_id=author.id,
                group_session_id=attendance.group_session_id, occurred_on=attendance.group_session.starts_at.date(),
                content=content, search_text=sections.search_text("group", content), status="draft", version=1)
    Base._meta.sqlalchemy_session_factory().add(note)
    Base._meta.sqlalchemy_session_factory().flush()
    if signed:
        lifecycle.sign(note, author, note.version)
    attendance.note_id = note.id
    Base._meta.sqlalchemy_session_factory().commit()
    return note
