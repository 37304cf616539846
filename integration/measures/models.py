"""Practice-defined measures, a client's answers (responses), schedules that make a measure due, and
alerts that stay until a clinician acknowledges them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..clients.models import Client
from ..clock import utcnow
from ..crypto.columns import EncryptedText
from ..extensions import db
from ..notes.models import DosingSession, Note

CADENCES = {
    "before_session": "Before every dosing session",
    "weekly": "Weekly",
    "monthly": "Monthly",
}
ALERT_KINDS = {
    "item9": "Item 9 (thoughts of death or self-harm) answered above “Not at all”",
    "follow_up": "A signed debrief says follow-up is needed",
    "severe": "A score in the severe range",
    "rise": "A rise from the previous score",
}


class Measure(db.Model):
    """A measure the practice defined (the built-in ones live in code: measures/instruments.py).

    Never edited once answered: changing an item would change what stored answers mean. An admin
    retires it and defines a new one instead.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    question: Mapped[str] = mapped_column(String(500), default="")
    items: Mapped[list] = mapped_column(JSON)  # item texts, in order
    scale: Mapped[list] = mapped_column(JSON)  # [[label, score], ...]
    bands: Mapped[list] = mapped_column(JSON, default=list)  # [[low, label, alerts], ...]
    rise_alert: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def key(self) -> str:
        return f"m{self.id}"

    def __repr__(self) -> str:
        return f"<Measure {self.id} {self.name!r}>"


class MeasureResponse(db.Model):
    """One completed measure: each item's score, the total and its band, on a day, maybe before a session."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    measure_key: Mapped[str] = mapped_column(String(20))  # "phq9", "gad7", "pcl5" or "m<id>"
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measure.id"), index=True)
    taken_on: Mapped[date]
    dosing_session_id: Mapped[int | None] = mapped_column(ForeignKey("dosing_session.id"), index=True)
    answers: Mapped[list] = mapped_column(JSON)  # each item's score, in item order
    difficulty: Mapped[str] = mapped_column(String(40), default="")  # PHQ-9/GAD-7's unscored last question
    total: Mapped[int]
    band: Mapped[str] = mapped_column(String(60), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the client filled it in themselves through this private link (client-reported).
    share_link_id: Mapped[int | None] = mapped_column(ForeignKey("share_link.id"), index=True)

    client: Mapped[Client] = relationship()
    dosing_session: Mapped[DosingSession | None] = relationship()
    entered_by: Mapped[User | None] = relationship()

    @property
    def client_reported(self) -> bool:
        return self.share_link_id is not None

    def __repr__(self) -> str:
        return f"<MeasureResponse {self.id} {self.measure_key} {self.total}>"


class MeasureSchedule(db.Model):
    """A measure a client is asked to complete on a cadence; while it runs, the measure falls "due"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    measure_key: Mapped[str] = mapped_column(String(20))
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measure.id"), index=True)
    cadence: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    @property
    def cadence_label(self) -> str:
        return CADENCES.get(self.cadence, self.cadence)


class MeasureAlert(db.Model):
    """Something a clinician must see: open until acknowledged with a note (who, when, what they did)."""

    __table_args__ = (UniqueConstraint("response_id", "kind"), UniqueConstraint("note_id", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("measure_response.id"), index=True)
    note_id: Mapped[int | None] = mapped_column(ForeignKey("note.id"), index=True)
    detail: Mapped[str] = mapped_column(String(300), default="")
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    acknowledgement: Mapped[str] = mapped_column(EncryptedText, default="")

    client: Mapped[Client] = relationship()
    response: Mapped[MeasureResponse | None] = relationship()
    note: Mapped[Note | None] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return ALERT_KINDS.get(self.kind, self.kind)

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
