"""A check-in the client sent through their private link: never edited by staff, only commented on."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..clients.models import Client
from ..clock import utcnow
from ..crypto.columns import EncryptedText
from ..extensions import db

SLEEP = {"well": "Well", "so_so": "So-so", "badly": "Badly"}
REACH_WHEN = {"today": "Today", "soon": "In the next few days", "any": "Any time"}


class ClientCheckIn(db.Model):
    """One check-in, as the client sent it (who: the client; when; through which link). One a day per link,
    so a form sent twice (a replay) adds nothing."""

    __table_args__ = (CheckConstraint("mood >= 0 AND mood <= 10", name="mood_range"),
                      UniqueConstraint("share_link_id", "checked_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    share_link_id: Mapped[int] = mapped_column(ForeignKey("share_link.id"), index=True)
    checked_on: Mapped[date]  # the client's day, in the practice's time zone
    mood: Mapped[int]
    sleep: Mapped[str] = mapped_column(String(10), default="")
    practices: Mapped[list] = mapped_column(JSON, default=list)  # titles of the plan's practices they did
    stayed_with: Mapped[str] = mapped_column(EncryptedText, default="")  # "what stayed with me today"
    reach_out: Mapped[bool] = mapped_column(default=False)
    reach_when: Mapped[str] = mapped_column(String(10), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]  # a "reach out" request someone took up
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    comment: Mapped[str] = mapped_column(EncryptedText, default="")  # the practitioner's comment, beside the client's words
    comment_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    client: Mapped[Client] = relationship()
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    comment_by: Mapped[User | None] = relationship(foreign_keys=[comment_by_id])

    @property
    def sleep_label(self) -> str:
        return SLEEP.get(self.sleep, "")

    @property
    def reach_when_label(self) -> str:
        return REACH_WHEN.get(self.reach_when, "")

    def __repr__(self) -> str:
        return f"<ClientCheckIn {self.id} client {self.client_id} {self.checked_on}>"
