"""Vitals readings, adverse events and discharge of a dosing session; consent records and the practice's
consent text versions. The session itself is notes.models.DosingSession (status, product, discharge)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..clock import utcnow
from ..crypto.columns import EncryptedText
from ..extensions import db

# When in the session a reading was taken (the Spravato REMS and most KAP protocols: before the dose,
# during monitoring, and before the client leaves).
POINTS = {"pre": "Before dosing", "during": "During monitoring", "discharge": "Before discharge"}

# Sedation: the Modified Observer's Assessment of Alertness/Sedation (MOAA/S), free to use; 5 is awake.
MOAAS = {
    5: "5 — Responds readily to name in a normal tone",
    4: "4 — Lethargic response to name in a normal tone",
    3: "3 — Responds only after name is called loudly or repeatedly",
    2: "2 — Responds only after mild prodding or shaking",
    1: "1 — Does not respond to mild prodding or shaking",
    0: "0 — Does not respond to deep stimulus",
}
# Dissociation: our own clinician-rated observation, 0-4 (not a licensed instrument; CADSS is not embedded).
DISSOCIATION = {
    0: "0 — None: oriented, in contact",
    1: "1 — Mild: some perceptual change, fully in contact",
    2: "2 — Moderate: clearly altered, answers when asked",
    3: "3 — Marked: little contact, answers slowly or not at all",
    4: "4 — Severe: no contact, or distressed by it",
}

AE_KINDS = {
    "nausea": "Nausea or vomiting",
    "hypertension": "Raised blood pressure",
    "sedation": "Excess sedation",
    "respiratory": "Breathing slowed or oxygen low",
    "anxiety": "Anxiety, panic or dysphoria",
    "dizziness": "Dizziness or fall risk",
    "headache": "Headache",
    "other": "Other",
}
SEVERITIES = {"mild": "Mild", "moderate": "Moderate", "severe": "Severe"}


class VitalsReading(db.Model):
    """One timed set of vitals with the sedation and dissociation ratings taken at the same moment."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    dosing_session_id: Mapped[int] = mapped_column(ForeignKey("dosing_session.id"), index=True)
    taken_at: Mapped[datetime]  # naive UTC
    point: Mapped[str] = mapped_column(String(12))
    systolic: Mapped[int]  # mmHg
    diastolic: Mapped[int]  # mmHg
    heart_rate: Mapped[int]  # beats a minute
    spo2: Mapped[int]  # percent
    resp_rate: Mapped[int | None]  # breaths a minute
    moaas: Mapped[int | None]  # 0-5
    dissociation: Mapped[int | None]  # 0-4
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped[User | None] = relationship()

    @property
    def point_label(self) -> str:
        return POINTS.get(self.point, self.point)


class AdverseEvent(db.Model):
    """Something that went wrong during or after dosing: what, how bad, what was done, whether it resolved."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    dosing_session_id: Mapped[int] = mapped_column(ForeignKey("dosing_session.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(EncryptedText, default="")  # 300 characters at most (the form)
    severity: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(EncryptedText, default="")
    resolved: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return AE_KINDS.get(self.kind, self.kind)


class ConsentText(db.Model):
    """A version of the practice's consent to treatment. Editing makes a new version; old ones stay."""

    __table_args__ = (UniqueConstraint("practice_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()


class Consent(db.Model):
    """The client's signed consent for a treatment series, to one version of the practice's text."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    consent_text_id: Mapped[int] = mapped_column(ForeignKey("consent_text.id"))
    series: Mapped[str] = mapped_column(String(120), default="")
    signed_on: Mapped[date]
    signed_by: Mapped[str] = mapped_column(String(200))  # the typed name of the person who signed
    witnessed_by: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    consent_text: Mapped[ConsentText] = relationship()
    recorded_by: Mapped[User | None] = relationship()
