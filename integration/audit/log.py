"""Writing to the audit log. Call record() next to the change it describes."""
from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import insert, inspect

from ..clock import utcnow

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
    if has_request_context():
        g.setdefault("audit_events", []).append(event)
    return event


def record_many(action: str, client_ids: list[int], *, detail: str = "") -> None:
    """One event per client (e.g. every client a search page shows), written by one INSERT with many
    rows (executemany), in the current transaction. Not ORM objects: a page of fifty clients would
    otherwise be fifty objects to track and to expire at the commit."""
    if not client_ids:
        return
    actor = current_user if current_user.is_authenticated else None
    common = {
        "action": action, "at": utcnow(), "user_id": actor.id if actor else None,
        "practice_id": actor.practice_id if actor else None, "object_type": "", "object_id": None,
        "remote_addr": (request.remote_addr or "")[:64] if has_request_context() else "", "detail": detail[:500],
    }
    db.session.execute(insert(AuditEvent), [{**common, "client_id": client_id} for client_id in client_ids])


def shows_content(response) -> bool:
    """Whether a view's own answer shows what it loaded: a page, a fragment or a file, whatever
    the method — a 2xx body, or a 4xx page re-rendered with the form's problems or a refusal.

    Not a redirect, an empty answer, a HEAD request, or a JSON status line for the page's script
    (the note editor's "saved at 4:12 PM"): those show nothing of the record.
    """
    status = response.status_code
    return (request.method != "HEAD" and status != 204 and not 300 <= status < 400
            and not response.is_json)


def record_shown(response, *, client=None, obj=None) -> None:
    """Write one "view" row for an answer that shows part of a record, unless the request
    already wrote a row that names it (a change, a share, a download: one row per request).

    Whatever the view left uncommitted is rolled back first; it would be discarded at the end of
    the request anyway, and must not ride along with the audit row.
    """
    if not shows_content(response):
        return
    db.session.rollback()
    if _recorded_this_request(client):
        return
    suffix = "" if request.method == "GET" else f" ({request.method}, {response.status_code})"
    record("view", obj=obj, client=client, detail=f"{request.endpoint} {request.path}{suffix}")
    db.session.commit()


def _recorded_this_request(client) -> bool:
    """Whether this request wrote an audit row (naming this client, if any) that was committed."""
    for event in g.get("audit_events", ()):
        state = inspect(event)
        if state.persistent and (client is None or event.client_id == client.id):
            return True
    return False
