"""A note's life, for every kind of note (client notes and the circle's group note alike):
start a draft, save it (checked by version), sign it (author only, content hash, signed copy),
then only addenda. A pre-licensed author's signed client note also waits for their supervisor's
co-signature (`cosign`, the supervisor only). A client note's draft may be discarded by its author
(`discard`: kept as a revision, out of the record) and restored by them (`restore`) for
DISCARD_KEEP_DAYS days.

Plain functions: they change the note and add rows to the session; the view records the audit
event and commits, so the change and its audit row land together. Call them before adding
anything else to the session: a save or a signature that lost a race rolls the transaction back.

Races. Every UPDATE of a note is conditional on the version that was read (the mapper's version
column: `UPDATE ... WHERE id = :id AND version = :read`), and both saving and signing move the
version on. Of two transitions that race, one lands; the other finds no row to update
(StaleDataError), and is answered like any stale save: its text is kept as a conflict copy, or
the signature is refused because the note changed meanwhile.
"""
from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import with_parent
from sqlalchemy.orm.exc import StaleDataError

from .. import signals
from ..auth.models import User
from ..clock import utcnow
from ..extensions import db
from . import sections
from .models import DISCARD_KEEP_DAYS

MAX_REASON_CHARS = 300
# Conflict copies kept since the draft was last saved. Each is a full copy of the refused text,
# so a tab left open on an old version must not add one with every autosave, without end.
MAX_OPEN_CONFLICTS = 20


class NoteLocked(Exception):
    """The note is signed: its content can no longer change."""

    message = "This note is signed and locked. You can add an addendum below it."


class NoteDiscarded(Exception):
    """The draft was discarded by its author: it takes no saves or signature until it is restored."""

    message = ("This draft was discarded, so it was not changed. Its author can restore it from "
               "\u201cDiscarded drafts\u201d on the client's notes page.")


class StaleVersion(Exception):
    """The change was based on an older version of the note than the one saved now."""

    def __init__(self, note, revision=None):
        super().__init__(f"{note.kind} note {note.id} is at version {note.version}")
        self.note = note
        self.revision = revision


class TooManyConflicts(Exception):
    """The draft already keeps MAX_OPEN_CONFLICTS conflict copies made since it was last saved."""

    message = (f"This note already keeps {MAX_OPEN_CONFLICTS} versions from saves that crossed each other, "
               "so this one was not stored. Compare the versions and save the one you want; after that, "
               "saving works again.")

    def __init__(self, note, latest):
        super().__init__(f"{note.kind} note {note.id} keeps {MAX_OPEN_CONFLICTS} open conflict copies")
        self.note = note
        self.latest = latest


class NotSigner(Exception):
    """Someone tried to sign (or co-sign) a note that is not theirs to sign; `message` says who may."""

    message = "Only the note's author signs it."


class NotAuthor(NotSigner):
    """Only a note's author signs it."""

    def __init__(self, note):
        name = note.author.display_name if note.author else "its author"
        super().__init__(f"Only the note's author, {name}, can sign it.")
        self.message = str(self)


class NotCosigner(NotSigner):
    """Only the supervisor named when the note was signed co-signs it."""

    def __init__(self, note):
        name = note.cosigner.display_name if note.cosigner else "the author's supervisor"
        super().__init__(f"Only {name} can co-sign this note.")
        self.message = str(self)


class NotDiscarder(NotSigner):
    """Only a draft's author discards it, or restores it."""

    def __init__(self, note):
        name = note.author.display_name if note.author else "its author"
        super().__init__(f"Only the note's author, {name}, can discard or restore this draft.")
        self.message = str(self)


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


def hash_matches(note) -> bool:
    """Whether a signed note's content is still what was signed."""
    return bool(note.content_hash) and content_hash(note.content or {}) == note.content_hash


def start(note, author: User, fields: Mapping | None = None):
    """Begin a draft: a note of its kind, by `author`, at version 1 (flushed, so it has an id), empty
    or holding a template's starting text (`fields`, as the editor posts them)."""
    note.author_id = author.id
    note.store(sections.content_from_fields(note.kind, fields or {})[0])
    note.status = "draft"
    note.version = 1
    note.updated_by_id = author.id
    db.session.add(note)
    db.session.flush()
    return note


def save_draft(note, fields: Mapping, based_on_version: int, user: User) -> bool:
    """Save the editor's fields into a draft. Returns whether anything changed.

    `fields` are the editor's form fields (notes/sections.py): they are parsed here, once.

    :raise NoteLocked: the note is signed.
    :raise NoteDiscarded: the draft was discarded (a save that lost the race to a discard keeps
        its text as a conflict copy first, so it is there when the draft is restored).
    :raise Invalid: a section is too long or a choice unknown; the note is left as it was.
    :raise StaleVersion: the save was based on an older version (or lost a race to another
        save); the refused text is kept as a revision (reason "conflict") so neither is lost.
    :raise TooManyConflicts: stale, and the draft already keeps MAX_OPEN_CONFLICTS conflict copies
        since its last save: nothing is stored (the browser keeps its copy).
    """
    if note.is_signed:
        raise NoteLocked()
    if _is_discarded(note):
        raise NoteDiscarded()
    content, errors = sections.content_from_fields(note.kind, fields)
    if errors:
        raise Invalid(errors)
    if content == (note.content or {}):
        return False  # nothing new, or the same text arriving twice: nothing to keep apart
    if based_on_version != note.version:
        raise StaleVersion(note, _keep_conflict(note, content, based_on_version, user))
    with db.session.no_autoflush:  # the conditional UPDATE goes out only in the flush below
        note.store(content)
        note.version += 1
        note.updated_at = utcnow()
        note.updated_by_id = user.id
    try:
        db.session.flush()
    except StaleDataError:  # another save or a signature landed between our read and our write
        db.session.rollback()
        if note.is_signed:
            raise NoteLocked() from None
        revision = _keep_conflict(note, content, based_on_version, user)
        if _is_discarded(note):
            raise NoteDiscarded() from None
        raise StaleVersion(note, revision) from None
    return True


def _is_discarded(note) -> bool:
    return getattr(note, "is_discarded", False)  # the circle's own group note is never discarded


def open_conflicts(note) -> tuple[int, object | None]:
    """How many conflict copies the draft has kept since it was last saved, and the newest one.

    Saving the draft (comparing and choosing a version does that) settles the copies before it.
    """
    revision_class = type(note).revisions.property.mapper.class_
    since_last_save = (with_parent(note, type(note).revisions), revision_class.reason == "conflict",
                       revision_class.saved_at >= note.updated_at)
    count = db.session.scalar(select(func.count()).select_from(revision_class).where(*since_last_save))
    latest = db.session.scalar(select(revision_class).where(*since_last_save)
                               .order_by(revision_class.id.desc()).limit(1)) if count else None
    return count, latest


def _keep_conflict(note, content: dict, based_on_version: int, user: User):
    count, latest = open_conflicts(note)
    if latest is not None and latest.content == content:
        return latest  # the same refused text again (a retry, a reload): kept once
    if count >= MAX_OPEN_CONFLICTS:
        raise TooManyConflicts(note, latest)
    revision = note.new_revision(based_on_version=based_on_version, reason="conflict",
                                 content=copy.deepcopy(content), saved_by_id=user.id)
    db.session.add(revision)
    db.session.flush()
    return revision


def sign(note, user: User, based_on_version: int):
    """Lock the note: its content hash, who signed and when, and a signed copy. Author only.

    :raise NoteLocked: already signed.
    :raise NotAuthor: someone other than the author tried.
    :raise StaleVersion: the note changed since the signer last saw it (or while signing).
    :raise Invalid: there is nothing written yet.
    """
    if note.is_signed:
        raise NoteLocked()
    if _is_discarded(note):
        raise NoteDiscarded()
    if note.author_id != user.id:
        raise NotAuthor(note)
    if based_on_version != note.version:
        raise StaleVersion(note)
    if sections.is_blank(note.kind, note.content or {}):
        raise Invalid({"note": "There is nothing written in this note yet, so there is nothing to sign."})
    content = copy.deepcopy(note.content or {})
    with db.session.no_autoflush:  # the conditional UPDATE goes out only in the flush below
        note.content_hash = content_hash(content)
        note.status = "signed"
        note.signed_at = utcnow()
        note.signed_by_id = user.id
        if needs_cosignature(note, user):
            note.cosigner_id = user.supervisor_id
        note.version += 1  # so a save that read the draft can no longer land
        revision = note.new_revision(based_on_version=based_on_version, reason="signed", content=content,
                                     saved_by_id=user.id)
        db.session.add(revision)
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise _lost_race(note) from None
    signals.note_signed.send(note)  # e.g. a debrief's "follow-up needed" raises an alert (measures/)
    return revision


def _lost_race(note) -> Exception:
    """What a transition that found the note changed under it answers, by what the note is now."""
    if note.is_signed:
        return NoteLocked()
    if _is_discarded(note):
        return NoteDiscarded()
    return StaleVersion(note)


def discard(note, user: User, based_on_version: int):
    """Take an unsigned draft out of the record: its author only, the version they saw.

    Nothing is destroyed: the text is kept as a revision (reason "discarded"), the note keeps its
    row with status "discarded" (hidden from the record, timeline, attention list, search and
    plans), and its author may `restore` it for DISCARD_KEEP_DAYS days. Conditional on the version
    like every transition, so a discard racing a save or a signature is decided once.

    :raise NoteLocked: the note is signed (signed notes take addenda, never a discard).
    :raise NoteDiscarded: it is discarded already.
    :raise NotDiscarder: someone other than the author tried.
    :raise StaleVersion: the draft changed since the author last saw it (or while discarding).
    """
    if note.is_signed:
        raise NoteLocked()
    if _is_discarded(note):
        raise NoteDiscarded()
    if not hasattr(note, "discarded_at"):
        raise Invalid({"note": "This kind of note cannot be discarded."})
    if note.author_id != user.id:
        raise NotDiscarder(note)
    if based_on_version != note.version:
        raise StaleVersion(note)
    with db.session.no_autoflush:  # the conditional UPDATE goes out only in the flush below
        revision = note.new_revision(based_on_version=based_on_version, reason="discarded",
                                     content=copy.deepcopy(note.content or {}), saved_by_id=user.id)
        db.session.add(revision)
        note.status = "discarded"
        note.discarded_at = utcnow()
        note.version += 1  # so a save or a signature that read the draft can no longer land
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise _lost_race(note) from None
    return revision


def restorable(note, user: User, now=None) -> bool:
    """Whether `user` may still restore this discarded draft: its author, within DISCARD_KEEP_DAYS."""
    now = now or utcnow()
    return (_is_discarded(note) and note.author_id == user.id and note.discarded_at is not None
            and note.discarded_at > now - timedelta(days=DISCARD_KEEP_DAYS))


def restore(note, user: User):
    """Bring a discarded draft back into the record as a draft, as it was (the Undo, or later).

    :raise NotDiscarder: someone other than the author tried.
    :raise Invalid: it is not discarded, or was discarded more than DISCARD_KEEP_DAYS days ago.
    :raise StaleVersion: a second restore landed first.
    """
    if note.author_id != user.id:
        raise NotDiscarder(note)
    if not restorable(note, user):
        raise Invalid({"note": "This draft can no longer be restored."})
    with db.session.no_autoflush:
        note.status = "draft"
        note.discarded_at = None
        note.version += 1
        note.updated_at = utcnow()
        note.updated_by_id = user.id
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise StaleVersion(note) from None
    return note


def needs_cosignature(note, user: User) -> bool:
    """A client note signed by a pre-licensed clinician waits for their supervisor; process notes
    never do (nobody but their author reads them), nor does the circle's group note."""
    return hasattr(type(note), "cosigner_id") and user.supervisor_id is not None and note.kind != "process"


def cosign(note, user: User):
    """Co-sign a signed note: only the supervisor it waits for, only once, only the text as signed.

    :raise NotCosigner: someone else tried, or the note waits for nobody.
    :raise NoteLocked: it is already co-signed (the message says so).
    :raise Invalid: it is still a draft, or its text no longer matches its signature.
    """
    if not note.is_signed:
        raise Invalid({"note": "This note is still a draft: its author signs it first."})
    if note.cosigner_id is None or note.cosigner_id != user.id:
        raise NotCosigner(note)
    if note.cosigned_at is not None:
        raise NoteLocked()
    if not hash_matches(note):
        raise Invalid({"note": "The text no longer matches its signature, so it cannot be co-signed."})
    with db.session.no_autoflush:  # conditional on the version read, like every other transition
        note.cosigned_at = utcnow()
        note.version += 1
    try:
        db.session.flush()
    except StaleDataError:  # a second co-signature landed first
        db.session.rollback()
        raise NoteLocked() from None
    return note


def add_addendum(note, user: User, reason: str, text: str):
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
    addendum = note.new_addendum(author_id=user.id, reason=reason, text=text)
    db.session.add(addendum)
    return addendum
