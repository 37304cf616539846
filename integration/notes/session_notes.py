"""A dosing session's notes as the pages that list or show sessions present them: loaded with the
session, whether its debrief is written and signed, and the "Start the debrief" button's templates.
Shared by the Notes tab (notes/views.py) and the session's own page (dosing/views.py)."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..clients.models import Client
from ..crypto.columns import unread_encrypted
from ..permissions import note_kinds_to_start
from . import templates
from .models import DosingSession, Note

# What a session's pages show with it: who was there and the notes written after it (listed by kind,
# state and author: their sections and search text stay encrypted, unread).
SESSION_LOADS = (selectinload(DosingSession.practitioners),
                 selectinload(DosingSession.notes_written).options(*unread_encrypted(Note), joinedload(Note.author)))


def has_debrief(session: DosingSession) -> bool:
    return any(note.kind == "debrief" for note in session.notes_written)


def debrief_state(session: DosingSession) -> str | None:
    """"signed" when a signed debrief exists, "draft" when only drafts do, else None."""
    debriefs = [note for note in session.notes_written if note.kind == "debrief"]
    if not debriefs:
        return None
    return "signed" if any(note.is_signed for note in debriefs) else "draft"


def debrief_choice(client: Client) -> dict | None:
    """The practice's debrief templates for a "Start the debrief" button, with this clinician's last
    one picked; None when they may not start a debrief or there are none."""
    if "debrief" not in note_kinds_to_start(client):
        return None
    offered = templates.offered(client.practice_id, ["debrief"])["debrief"]
    if not offered:
        return None
    return {"templates": offered,
            "selected": templates.last_used(current_user, client.practice_id).get("debrief", 0)}
