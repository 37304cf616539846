"""A client's safety plan: every saved version is a row of its own, never changed once written."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..clients.models import Client
from ..clock import utcnow
from ..crypto.columns import EncryptedJSON, EncryptedText
from ..extensions import db

# The six steps of the widely used safety plan (Stanley & Brown), in the client's words, then reasons
# for living. key -> (the heading the client reads, a short hint under it). Printed to the client.
STEPS: dict[str, tuple[str, str]] = {
    "warning_signs": ("Warning signs", "Thoughts, feelings or things that happen that tell me a hard time may be starting."),
    "coping": ("Things I can do on my own", "Things that help me feel a bit better, without anyone else."),
    "distraction": ("People and places that help me take my mind off things",
                    "People I like to be with, and places I can go."),
    "people": ("People I can ask for help", "Names and phone numbers."),
    "professionals": ("Professionals and crisis lines", "My care team and who to call, day or night."),
    "environment": ("Making my surroundings safer", "What I will do to keep things I could use to hurt myself away."),
}
REASONS = ("My reasons for living", "What matters most to me and is worth living for.")
FIELDS = (*STEPS, "reasons")


class SafetyPlanVersion(db.Model):
    """One saved version of a client's safety plan. Version numbers run 1, 2, 3 per client; the
    unique (client_id, number) is the conditional write: of two saves made from the same version,
    only one may become the next number (safetyplans/versions.py)."""

    __table_args__ = (UniqueConstraint("client_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    number: Mapped[int]
    # step key -> the client's words, lines as typed ("reasons" too)
    steps: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    change_note: Mapped[str] = mapped_column(EncryptedText, default="")  # why this version (for the care team only)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()
    created_by: Mapped[User | None] = relationship()

    def text(self, key: str) -> str:
        return (self.steps or {}).get(key, "") or ""

    def lines(self, key: str) -> list[str]:
        return [line.strip() for line in self.text(key).splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<SafetyPlanVersion client {self.client_id} v{self.number}>"
