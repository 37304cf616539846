"""A note's life: draft saves checked by version, signing with a content hash, addenda.

Plain functions: they change the objects and add rows to the session; the view records
the audit event and commits, so the change and its audit row land together.
"""
from __future__ import annotations

import copy
import hashlib
import json

from ..auth.models import User
from ..clock import utcnow
from ..extensions import db
from . import sections
from .models import Addendum, Note, NoteRevision

MAX_REASON_CHARS = 300


class NoteLocked(Exception):
    """The note is signed: its content can no longer change."""

    message = "This note is signed and locked. You can add an addendum below it."


class StaleVersion(Exception):
    """The change was based on an older version of the note than the one saved now."""

    def __init__(self, note: Note, revision: NoteRevision | None = None):
        super().__init__(f"note {note.id} is at version {note.version}")
        self.note = note
        self.revision = revision


class Invalid(Exception):
    """The change was refused; `errors` says why, by field name."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def canonical_json(content: dict) -> str:
    """One spelling of a note's content: sorted keys, no spaces, real characters (UTF-8)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def hash_matches(note: Note) -> bool:
    """Whether a signed note's content is still what was signed."""
    return bool(note.content_hash) and content_hash(note.content or {}) == note.content_hash


def save_draft(note: Note, content: dict, based_on_version: int, user: User) -> bool:
    """Save new content into a draft. Returns whether anything changed.

    :raise NoteLocked: the note is signed.
    :raise Invalid: a section is too long or a choice unknown; the note is left as it was.
    :raise StaleVersion: the save was based on an older version; the refused text is kept
        as a NoteRevision(reason="conflict") so neither text is lost.
    """
    if note.is_signed:
        raise NoteLocked()
    content, errors = sections.content_from_json(note.kind, content)
    if errors:
        raise Invalid(errors)
    if based_on_version != note.version:
        if content == (note.content or {}):
            return False  # the same text arrived twice: nothing to keep apart
        revision = NoteRevision(note=note, client_id=note.client_id, based_on_version=based_on_version,
                                reason="conflict", content=copy.deepcopy(content), saved_by_id=user.id)
        db.session.add(revision)
        db.session.flush()
        raise StaleVersion(note, revision)
    if content == (note.content or {}):
        return False
    note.content = content
    note.search_text = sections.search_text(note.kind, content)
    note.version += 1
    note.updated_at = utcnow()
    note.updated_by_id = user.id
    return True


def sign(note: Note, user: User, based_on_version: int) -> NoteRevision:
    """Lock the note: store its content hash, who signed and when, and a signed copy.

    :raise NoteLocked: already signed.
    :raise StaleVersion: the note changed since the signer last saw it.
    :raise Invalid: there is nothing written yet.
    """
    if note.is_signed:
        raise NoteLocked()
    if based_on_version != note.version:
        raise StaleVersion(note)
    if sections.is_blank(note.kind, note.content or {}):
        raise Invalid({"note": "There is nothing written in this note yet, so there is nothing to sign."})
    content = copy.deepcopy(note.content or {})
    note.content_hash = content_hash(content)
    note.status = "signed"
    note.signed_at = utcnow()
    note.signed_by_id = user.id
    note.search_text = sections.search_text(note.kind, content)
    revision = NoteRevision(note=note, client_id=note.client_id, based_on_version=note.version,
                            reason="signed", content=content, saved_by_id=user.id)
    db.session.add(revision)
    return revision


def add_addendum(note: Note, user: User, reason: str, text: str) -> Addendum:
    """Add a dated, attributed addendum to a signed note.

    :raise Invalid: the note is still a draft (edit it instead), or the reason or text is
        missing or too long.
    """
    reason = (reason or "").strip()
    text = (text or "").replace("\r\n", "\n").strip()
    errors = {}
    if not note.is_signed:
        errors["note"] = "This note is still a draft: change the note itself instead of adding an addendum."
    if not reason:
        errors["reason"] = "Say why you are adding to a signed note."
    elif len(reason) > MAX_REASON_CHARS:
        errors["reason"] = f"Keep the reason under {MAX_REASON_CHARS} characters."
    if not text:
        errors["text"] = "Write the addendum."
    elif len(text) > sections.MAX_SECTION_CHARS:
        errors["text"] = (f"This is {len(text):,} characters; an addendum holds up to "
                          f"{sections.MAX_SECTION_CHARS:,}. Your text is kept.")
    if errors:
        raise Invalid(errors)
    addendum = Addendum(note=note, client_id=note.client_id, author_id=user.id, reason=reason, text=text)
    db.session.add(addendum)
    return addendum
