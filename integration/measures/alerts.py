"""Alerts that must be seen: what raises them, and a clinician's acknowledgement.

Raised when a response is saved (PHQ-9 item 9 above 0, a total in a band marked "alerts", a rise of
`rise_alert` points or more from the previous total) and when a debrief is signed with
"Follow-up needed: yes" (notes' lifecycle sends `signals.note_signed`). The caller commits, so an
alert lands in the same transaction as what raised it.
"""
from __future__ import annotations

from sqlalchemy import select, update

from ..audit.log import record
from ..clock import utcnow
from ..extensions import db
from .instruments import Definition
from .models import MeasureAlert, MeasureResponse


def alerts_for(definition: Definition, answers: list[int], total: int, previous: int | None) -> list[tuple[str, str]]:
    """What this response raises: [(kind, detail)]. Pure, so every trigger is tested on its own."""
    raised = []
    if definition.safety_item is not None:
        answer = answers[definition.safety_item - 1]
        if answer > 0:
            raised.append(("item9", f"{definition.name} item {definition.safety_item} answered "
                                    f"“{definition.label_of(answer)}” ({answer})."))
    band = definition.band_of(total)
    if band is not None and band.alerts:
        raised.append(("severe", f"{definition.name} total {total}: {band.label.lower()}."))
    if previous is not None and definition.rise_alert is not None and total - previous >= definition.rise_alert:
        raised.append(("rise", f"{definition.name} rose {total - previous} points, from {previous} to {total}."))
    return raised


def previous_total(response: MeasureResponse) -> int | None:
    """The total of the same measure taken just before this one (by date, then by entry)."""
    return db.session.scalar(
        select(MeasureResponse.total).where(
            MeasureResponse.client_id == response.client_id, MeasureResponse.measure_key == response.measure_key,
            MeasureResponse.id != response.id,
            (MeasureResponse.taken_on < response.taken_on)
            | ((MeasureResponse.taken_on == response.taken_on) & (MeasureResponse.id < response.id)))
        .order_by(MeasureResponse.taken_on.desc(), MeasureResponse.id.desc()).limit(1))


def raise_for_response(response: MeasureResponse, definition: Definition) -> list[MeasureAlert]:
    """Add the alerts a saved (flushed) response raises."""
    found = [MeasureAlert(client_id=response.client_id, kind=kind, response_id=response.id, detail=detail)
             for kind, detail in alerts_for(definition, response.answers, response.total, previous_total(response))]
    db.session.add_all(found)
    return found


def raise_for_signed_note(note) -> MeasureAlert | None:
    """A debrief signed with "Follow-up needed: yes" stays on the worklist until acknowledged."""
    safety = (note.content or {}).get("safety") or {}
    if getattr(note, "kind", None) != "debrief" or safety.get("follow_up") != "yes":
        return None
    session = f" for session {note.dosing_session.number}" if note.dosing_session is not None else ""
    alert = MeasureAlert(client_id=note.client_id, kind="follow_up", note_id=note.id,
                         detail=f"Debrief of {note.occurred_on:%b %-d, %Y}{session} says follow-up is needed.")
    db.session.add(alert)
    return alert


def acknowledge(alert: MeasureAlert, user, text: str, client) -> bool:
    """Close the alert with the clinician's note, once: of two acknowledgements that race, the first
    lands and the second is told (False). Audited."""
    now = utcnow()
    done = db.session.execute(
        update(MeasureAlert).where(MeasureAlert.id == alert.id, MeasureAlert.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=user.id, acknowledgement=text)
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        return False
    record("acknowledge", obj=alert, client=client, detail=f"alert: {alert.kind}")
    db.session.expire(alert)
    return True
