"""Purge requests: one admin asks, another approves, and the approved request is the tombstone."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..clock import utcnow
from ..extensions import db

PURGE_STATUSES = {"requested": "Waiting for a second admin", "purged": "Purged", "cancelled": "Cancelled"}
REQUEST_DAYS = 14  # a request not approved within this many days lapses; ask again


class PurgeRequest(db.Model):
    """The request to purge one closed record. After approval it holds ids, times and counts only.

    `client_id` has no foreign key, like the audit log's: the request outlives the record it names,
    and the purge (which follows foreign keys to client.id) must not take it along.
    """

    __tablename__ = "purge_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    client_id: Mapped[int] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="requested")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    # {table: rows}: the dry run when requested, what was deleted once purged.
    counts: Mapped[dict] = mapped_column(JSON, default=dict)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def is_open(self, now: datetime) -> bool:
        return self.status == "requested" and now < self.expires_at
