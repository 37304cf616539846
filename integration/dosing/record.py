"""What a session's page shows of its safety record: readings with their warnings, adverse events,
discharge, and whether the client has consent on file (three queries)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import signals
from ..extensions import db
from ..notes.models import DosingSession
from .checks import warnings
from .models import AdverseEvent, Consent, VitalsReading


def connect() -> None:
    from . import audit_words, worklist

    worklist.connect(signals.worklist)
    audit_words.connect()


@dataclass
class SafetyRecord:
    readings: list[tuple[VitalsReading, list[str]]] = field(default_factory=list)
    adverse_events: list[AdverseEvent] = field(default_factory=list)
    consent: Consent | None = None

    @property
    def warning_count(self) -> int:
        return sum(len(found) for _, found in self.readings)


def safety_record(session: DosingSession) -> SafetyRecord:
    readings = db.session.scalars(select(VitalsReading).where(VitalsReading.dosing_session_id == session.id)
                                  .order_by(VitalsReading.taken_at, VitalsReading.id)).all()
    events = db.session.scalars(select(AdverseEvent).where(AdverseEvent.dosing_session_id == session.id)
                                .order_by(AdverseEvent.id)).all()
    return SafetyRecord([(r, warnings(r)) for r in readings], events, latest_consent(session.client_id))


def latest_consent(client_id: int) -> Consent | None:
    return db.session.scalar(select(Consent).where(Consent.client_id == client_id)
                             .options(joinedload(Consent.consent_text))
                             .order_by(Consent.signed_on.desc(), Consent.id.desc()).limit(1))
