"""Group circles: a series with its facilitators and roster, its sessions, attendance and the group note.

What one client shared stays in that client's own individual note (a Note of kind "group",
written through the client's record). The group note here holds themes and process in general
terms, for the facilitators only: it never reaches a client's record.
"""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..clients.models import Client
from ..clock import WEEKDAYS, utcnow
from ..extensions import db, link_table
from ..notes.models import AddendumMixin, LifecycleMixin, RevisionMixin

SERIES_STATUSES = {"active": "Active", "archived": "Archived"}
ENROLLMENT_STATUSES = {"enrolled": "Enrolled", "waitlisted": "On the waitlist", "withdrawn": "Withdrawn"}
ATTENDANCE_STATUSES = {"present": "Present", "late": "Late", "absent": "Absent", "excused": "Excused"}
# Those who were in the room, and so may have an individual note.
ATTENDED = ("present", "late")

group_series_facilitator = link_table(
    "group_series_facilitator", ("series_id", "group_series.id"), ("user_id", "user.id"))
group_session_facilitator = link_table(
    "group_session_facilitator", ("group_session_id", "group_session.id"), ("user_id", "user.id"))


class GroupSeries(db.Model):
    """A circle that meets regularly, e.g. "Tuesday evening integration circle"."""

    __tablename__ = "group_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    schedule_text: Mapped[str] = mapped_column(String(200), default="")  # e.g. "Every Tuesday, 6:30-8 pm"
    weekday: Mapped[int | None]  # 0 = Monday; the regular meeting day, when there is one
    meets_at: Mapped[time | None]  # the regular start time, in the practice's zone
    place: Mapped[str] = mapped_column(String(300), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(default=8)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    facilitators: Mapped[list[User]] = relationship(secondary=group_series_facilitator, order_by="User.name")
    sessions: Mapped[list[GroupSession]] = relationship(
        back_populates="series", order_by="(GroupSession.starts_at, GroupSession.id)")
    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="series", order_by="Enrollment.status_at")

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def weekday_label(self) -> str:
        return WEEKDAYS.get(self.weekday, "") if self.weekday is not None else ""


class GroupSession(db.Model):
    """One meeting of a series."""

    __tablename__ = "group_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("group_series.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)  # naive UTC
    theme: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    series: Mapped[GroupSeries] = relationship(back_populates="sessions")
    facilitators: Mapped[list[User]] = relationship(secondary=group_session_facilitator, order_by="User.name")
    attendance: Mapped[list[Attendance]] = relationship(back_populates="group_session")
    group_note: Mapped[GroupNote | None] = relationship(back_populates="group_session")


class Enrollment(db.Model):
    """A client's place in a series: enrolled, on the waitlist, or withdrawn (kept, never deleted)."""

    __table_args__ = (UniqueConstraint("series_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("group_series.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="enrolled")
    # When the current status began: the waitlist is served in this order.
    status_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    series: Mapped[GroupSeries] = relationship(back_populates="enrollments")
    client: Mapped[Client] = relationship()

    @property
    def status_label(self) -> str:
        return ENROLLMENT_STATUSES.get(self.status, self.status)


class Attendance(db.Model):
    """Whether a client came to a session; the individual note, once written, is linked here."""

    __table_args__ = (UniqueConstraint("group_session_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_session_id: Mapped[int] = mapped_column(ForeignKey("group_session.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    note_id: Mapped[int | None] = mapped_column(ForeignKey("note.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    group_session: Mapped[GroupSession] = relationship(back_populates="attendance")
    client: Mapped[Client] = relationship()
    # The client's individual note for this session; a discarded draft is out of the record, so not here.
    note = relationship("Note", primaryjoin="and_(Attendance.note_id == Note.id, Note.status != 'discarded')",
                        foreign_keys=[note_id], viewonly=True)

    @property
    def status_label(self) -> str:
        return ATTENDANCE_STATUSES.get(self.status, self.status)

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED


class GroupNote(LifecycleMixin, db.Model):
    """The session's note on themes and process, in general terms. The facilitators only.

    It lives the same life as every note (notes/lifecycle.py): autosaved drafts, kept conflict
    copies, signing with a content hash and a signed copy, then only addenda.
    """

    kind = "circle"  # its sections in notes/sections.py
    kind_label = "Group note"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_session_id: Mapped[int] = mapped_column(ForeignKey("group_session.id"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    group_session: Mapped[GroupSession] = relationship(back_populates="group_note")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys="GroupNote.signed_by_id")
    addenda: Mapped[list[GroupNoteAddendum]] = relationship(back_populates="group_note",
                                                             order_by="GroupNoteAddendum.created_at")
    revisions: Mapped[list[GroupNoteRevision]] = relationship(back_populates="group_note",
                                                               order_by="GroupNoteRevision.id")

    def new_revision(self, **fields) -> GroupNoteRevision:
        return GroupNoteRevision(group_note=self, **fields)

    def new_addendum(self, **fields) -> GroupNoteAddendum:
        return GroupNoteAddendum(group_note=self, **fields)


class GroupNoteRevision(RevisionMixin, db.Model):
    group_note_id: Mapped[int] = mapped_column(ForeignKey("group_note.id"), index=True)

    group_note: Mapped[GroupNote] = relationship(back_populates="revisions")


class GroupNoteAddendum(AddendumMixin, db.Model):
    group_note_id: Mapped[int] = mapped_column(ForeignKey("group_note.id"), index=True)

    group_note: Mapped[GroupNote] = relationship(back_populates="addenda")
