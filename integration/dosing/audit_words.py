"""The dosing area's words for the audit log: readings, adverse events and consents named by the session
or date they belong to, never by what they say (signal `audit_objects`; see audit/words.py)."""
from __future__ import annotations

from sqlalchemy import select

from .. import signals
from ..clients.models import Client
from ..extensions import db
from ..notes.audit_words import short_day
from ..notes.models import DosingSession
from .models import AdverseEvent, Consent, ConsentText, VitalsReading


def connect() -> None:
    for kind, receiver in (("vitalsreading", readings), ("adverseevent", adverse_events), ("consent", consents),
                           ("consenttext", consent_texts)):
        signals.audit_objects.connect(receiver, sender=kind)


def _of_session(model, words: str, ids, practice_id: int) -> dict[int, str]:
    rows = db.session.execute(select(model.id, DosingSession.number).join(DosingSession,
                                                                          DosingSession.id == model.dosing_session_id)
                              .join(Client, Client.id == model.client_id)
                              .where(model.id.in_(ids), Client.practice_id == practice_id))
    return {row.id: f"{words} of dosing session {row.number}" for row in rows}


def readings(kind: str, *, ids, practice_id: int) -> dict[int, str]:
    return _of_session(VitalsReading, "a vitals reading", ids, practice_id)


def adverse_events(kind: str, *, ids, practice_id: int) -> dict[int, str]:
    return _of_session(AdverseEvent, "an adverse event", ids, practice_id)


def consents(kind: str, *, ids, practice_id: int) -> dict[int, str]:
    rows = db.session.execute(select(Consent.id, Consent.signed_on).join(Client, Client.id == Consent.client_id)
                              .where(Consent.id.in_(ids), Client.practice_id == practice_id))
    return {row.id: f"the consent signed {short_day(row.signed_on)}" for row in rows}


def consent_texts(kind: str, *, ids, practice_id: int) -> dict[int, str]:
    rows = db.session.execute(select(ConsentText.id, ConsentText.version)
                              .where(ConsentText.id.in_(ids), ConsentText.practice_id == practice_id))
    return {row.id: f"the consent text (version {row.version})" for row in rows}
