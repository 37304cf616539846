"""Dosing sessions, notes with their lifecycle, addenda, revisions and insights."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..clients.models import Client, Goal, HistoryItem
from ..clock import utcnow
from ..extensions import db

ROUTES = {
    "iv": "IV infusion",
    "im": "IM injection",
    "oral": "Sublingual / oral",
    "intranasal": "Intranasal",
}
NOTE_KINDS = {"debrief": "Post-session debrief", "integration": "Integration session", "group": "Group circle"}
NOTE_STATUSES = {"draft": "Draft", "signed": "Signed"}

dosing_session_practitioner = Table(
    "dosing_session_practitioner",
    db.metadata,
    Column("dosing_session_id", ForeignKey("dosing_session.id"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True),
)
insight_goal = Table(
    "insight_goal",
    db.metadata,
    Column("insight_id", ForeignKey("insight.id"), primary_key=True),
    Column("goal_id", ForeignKey("goal.id"), primary_key=True, index=True),
)
insight_history_item = Table(
    "insight_history_item",
    db.metadata,
    Column("insight_id", ForeignKey("insight.id"), primary_key=True),
    Column("history_item_id", ForeignKey("history_item.id"), primary_key=True, index=True),
)


class DosingSession(db.Model):
    """One medicine session in the client's series."""

    __table_args__ = (UniqueConstraint("client_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    number: Mapped[int]  # place in the client's series, assigned automatically
    started_at: Mapped[datetime]  # naive UTC
    medicine: Mapped[str] = mapped_column(String(60), default="ketamine")
    route: Mapped[str] = mapped_column(String(20))
    dose_mg: Mapped[float | None] = mapped_column(Numeric(8, 2, asdecimal=False))
    dose_mg_per_kg: Mapped[float | None] = mapped_column(Numeric(6, 3, asdecimal=False))
    setting: Mapped[str] = mapped_column(String(300), default="")
    intention: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()
    practitioners: Mapped[list[User]] = relationship(secondary=dosing_session_practitioner, order_by="User.name")
    notes_written: Mapped[list[Note]] = relationship(back_populates="dosing_session", order_by="Note.id")

    @property
    def route_label(self) -> str:
        return ROUTES.get(self.route, self.route)


class Note(db.Model):
    """A clinical note. Drafts autosave; signing locks it; afterwards only addenda are added.

    `content` holds the note's sections by name (see notes/sections.py). `version` grows by
    one with every accepted save, so a save based on an older version is a visible conflict.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    dosing_session_id: Mapped[int | None] = mapped_column(ForeignKey("dosing_session.id"), index=True)
    # An individual note of kind "group" belongs to the circle session the client attended.
    group_session_id: Mapped[int | None] = mapped_column(ForeignKey("group_session.id"), index=True)
    occurred_on: Mapped[date]
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    # Lower-cased text of every section, kept in step with `content` for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    content_hash: Mapped[str | None] = mapped_column(String(64))

    client: Mapped[Client] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    dosing_session: Mapped[DosingSession | None] = relationship(back_populates="notes_written")
    group_session = relationship("GroupSession")
    addenda: Mapped[list[Addendum]] = relationship(back_populates="note", order_by="Addendum.created_at")
    insights: Mapped[list[Insight]] = relationship(back_populates="note", order_by="Insight.id")
    revisions: Mapped[list[NoteRevision]] = relationship(back_populates="note", order_by="NoteRevision.id")

    @property
    def is_signed(self) -> bool:
        return self.status == "signed"

    @property
    def kind_label(self) -> str:
        return NOTE_KINDS.get(self.kind, self.kind)


class NoteRevision(db.Model):
    """A kept copy of a note's text: saves refused as stale (so neither text is lost) and signing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    based_on_version: Mapped[int]
    reason: Mapped[str] = mapped_column(String(20))  # "conflict" or "signed"
    content: Mapped[dict] = mapped_column(JSON)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    note: Mapped[Note] = relationship(back_populates="revisions")
    saved_by: Mapped[User | None] = relationship()


class Addendum(db.Model):
    """A dated, attributed addition to a signed note, with the reason it was added."""

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    note: Mapped[Note] = relationship(back_populates="addenda")
    author: Mapped[User] = relationship()


class Insight(db.Model):
    """Something that surfaced in a note, linked to the history and goals it speaks to."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id"), index=True)
    text: Mapped[str] = mapped_column(String(1000))  # the practitioner's statement
    client_words: Mapped[str] = mapped_column(String(1000), default="")  # what client documents use
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    note: Mapped[Note] = relationship(back_populates="insights")
    themes: Mapped[list[InsightTheme]] = relationship(
        back_populates="insight", cascade="all, delete-orphan", order_by="InsightTheme.theme"
    )
    goals: Mapped[list[Goal]] = relationship(secondary=insight_goal, order_by="Goal.title")
    history_items: Mapped[list[HistoryItem]] = relationship(secondary=insight_history_item,
                                                           order_by="HistoryItem.title")

    @property
    def theme_names(self) -> list[str]:
        return [t.theme for t in self.themes]


class InsightTheme(db.Model):
    """A theme tag on an insight (lower case), one row per tag so pages can filter by it."""

    __table_args__ = (UniqueConstraint("insight_id", "theme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    insight_id: Mapped[int] = mapped_column(ForeignKey("insight.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    theme: Mapped[str] = mapped_column(String(60), index=True)

    insight: Mapped[Insight] = relationship(back_populates="themes")
