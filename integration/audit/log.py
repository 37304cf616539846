"""Writing to the audit log. Call record() next to the change it describes."""
from flask import request
from flask_login import current_user

from ..extensions import db
from .models import AuditEvent


def record(action: str, *, obj=None, client=None, detail: str = "", user=None, practice_id=None) -> AuditEvent:
    """Add an audit event to the current transaction (committed with the change it records)."""
    actor = user if user is not None else (current_user if current_user.is_authenticated else None)
    event = AuditEvent(
        action=action,
        user_id=actor.id if actor else None,
        practice_id=practice_id or (actor.practice_id if actor else None),
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", None),
        client_id=client.id if client is not None else None,
        remote_addr=(request.remote_addr or "")[:64] if request else "",
        detail=detail[:500],
    )
    db.session.add(event)
    return event


def record_many(action: str, client_ids: list[int], *, detail: str = "") -> None:
    """One event per client (e.g. every client a search page shows), written in one batch."""
    for client_id in client_ids:
        event = record(action, detail=detail)
        event.client_id = client_id
