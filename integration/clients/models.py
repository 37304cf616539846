"""Clients and the practitioners on their care team."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import Practice, User
from ..clock import utcnow
from ..crypto.columns import EncryptedText
from ..extensions import db

# "closed": read-only for everyone, purged after the practice's retention period (erasure/lifecycle.py).
CLIENT_STATUSES = {"active": "Active", "archived": "Archived", "closed": "Closed"}


class Client(db.Model):
    # The practice's clients by id: the care-team check of every page across clients (permissions.
    # reading_scopes: is this client of my practice?) is answered from the index alone, one probe per
    # client of the team. Indexed by practice alone, PostgreSQL hashed all 5,005 clients of the
    # practice for Ines's 103 instead (2.4 -> 0.3-0.4 ms, and 2.1 -> 0.3-1.7 ms of planning). Migration 0032.
    __table_args__ = (Index("ix_client_practice_id", "practice_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    preferred_name: Mapped[str] = mapped_column(String(100), default="")
    pronouns: Mapped[str] = mapped_column(String(40), default="")
    date_of_birth: Mapped[date | None]
    # Contact fields are encrypted at rest (integration/crypto/); names stay plaintext, as lists sort
    # and filter by them. Forms keep the lengths (254, 40, 300).
    email: Mapped[str] = mapped_column(EncryptedText, default="")
    phone: Mapped[str] = mapped_column(EncryptedText, default="")
    emergency_contact: Mapped[str] = mapped_column(EncryptedText, default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the record is closed (status "closed"); cleared when an admin reopens it.
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    practice: Mapped[Practice] = relationship()
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    care_team: Mapped[list[CareTeamMember]] = relationship(
        back_populates="client", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def called(self) -> str:
        """The name to use when speaking to or about the client."""
        return self.preferred_name or self.first_name

    @property
    def practitioners(self) -> list[User]:
        return sorted((m.user for m in self.care_team), key=lambda u: u.name)


class CareTeamMember(db.Model):
    __table_args__ = (UniqueConstraint("client_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(back_populates="care_team")
    user: Mapped[User] = relationship()


HISTORY_CATEGORIES = {
    "family": "Family",
    "childhood": "Childhood",
    "relationships": "Relationships",
    "adversity": "Adversity and trauma",
    "health": "Health",
    "substance_use": "Substance use",
    "earlier_treatment": "Earlier treatment",
    "work": "Work and purpose",
    "spirituality": "Spirituality",
    "other": "Other",
}
GOAL_STATUSES = {"active": "Active", "achieved": "Achieved", "paused": "Paused", "let_go": "Let go"}
LIFE_AREAS = {
    "emotional": "Emotional wellbeing",
    "relationships": "Relationships",
    "health": "Body and health",
    "work": "Work and purpose",
    "habits": "Habits and substance use",
    "meaning": "Meaning and spirituality",
    "creativity": "Creativity and play",
    "other": "Other",
}


class HistoryItem(db.Model):
    """A piece of the client's personal history. Archived, never deleted, once anything links to it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(EncryptedText, default="")
    when_text: Mapped[str] = mapped_column(String(100), default="")
    # Sensitive items are collapsed in lists until revealed and never reach a client document.
    sensitive: Mapped[bool] = mapped_column(default=False)
    # A clinician may share a sensitive item with the coaches on the care team (permissions.py).
    shared_with_coach: Mapped[bool] = mapped_column(default=False, server_default=false())
    archived: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()

    @property
    def category_label(self) -> str:
        return HISTORY_CATEGORIES.get(self.category, self.category)


class Goal(db.Model):
    """Something the client wants to change, in their words. Archived, never deleted."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # The goal as the client's plan names it; empty: the plan uses `title`.
    client_title: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))
    why: Mapped[str] = mapped_column(EncryptedText, default="")  # why it matters, in the client's own words
    how_we_know: Mapped[str] = mapped_column(EncryptedText, default="")  # a sign of progress
    life_area: Mapped[str] = mapped_column(String(30), default="other")
    status: Mapped[str] = mapped_column(String(20), default="active")
    target_date: Mapped[date | None]
    # Sensitive goals stay out of client documents and away from coaches, unless a clinician shares them.
    sensitive: Mapped[bool] = mapped_column(default=False, server_default=false())
    shared_with_coach: Mapped[bool] = mapped_column(default=False, server_default=false())
    archived: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()
    check_ins: Mapped[list[GoalCheckIn]] = relationship(
        back_populates="goal", order_by="(GoalCheckIn.checked_on, GoalCheckIn.id)", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return GOAL_STATUSES.get(self.status, self.status)

    @property
    def life_area_label(self) -> str:
        return LIFE_AREAS.get(self.life_area, self.life_area)


class GoalCheckIn(db.Model):
    """How the client rates their progress on a goal, on a given day (0 to 10)."""

    __table_args__ = (CheckConstraint("rating >= 0 AND rating <= 10", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    checked_on: Mapped[date]
    rating: Mapped[int]
    note: Mapped[str] = mapped_column(EncryptedText, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="check_ins")


class BreakGlass(db.Model):
    """An admin's emergency opening of one client's clinical record: a recorded reason, one hour long.

    Shown on the record to its care team; opening it is audited as its own action ("break-glass").
    """

    __tablename__ = "break_glass"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()

    def is_open(self, now: datetime) -> bool:
        return self.opened_at <= now < self.expires_at
