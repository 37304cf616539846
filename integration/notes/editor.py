"""The note editor's requests, the same for every kind of note: autosave, sign, add an addendum.

A view loads its note by its own access rule (a client's note through the client, the circle's
group note through the series), describes its page in a `NotePage`, and hands the request here.
The note's life itself is in lifecycle.py; this module turns it into answers: JSON for the
editor's script, a redirect or a re-rendered page for a plain form post.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import with_parent

from ..audit.log import record
from ..clock import TIME_FORMAT, to_local, viewer_tz
from ..extensions import db
from ..forms import stored_int
from ..http import wants_json
from . import lifecycle, sections, templates
from .forms import AddendumForm, SignForm
from .models import DISCARD_KEEP_DAYS

INTENSITY_OPTIONS = {"": "—", **{str(n): label for n, label in sections.INTENSITIES.items()}}
LAYOUT_OPTIONS = {"": "None", **{key: label for key, (label, _) in sections.PROGRESS_LAYOUTS.items()}}


@dataclass(frozen=True)
class Links:
    """Where the editor of one note sends its requests."""

    page: str
    autosave: str
    sign: str
    addenda: str
    storage_key: str  # the browser's copy of unsaved text, kept per person and per note
    discard: str | None = None  # client notes only: the circle's own group note is one per session


@dataclass
class NotePage:
    """One note's page, as the view that owns it sets it up."""

    note: object
    links: Links
    render: Callable  # render(page, status=200, **editor_context overrides) -> response
    client: object | None = None  # whose record the audit rows name; None for the circle's note

    def show(self, status: int = 200, **kwargs):
        return self.render(self, status=status, **kwargs)

    def audit(self, action: str, detail: str) -> None:
        record(action, obj=self.note, client=self.client, detail=detail)


def storage_key(kind: str, note_id: int) -> str:
    return f"integration:{current_user.id}:{kind}:{note_id}"


def editor_context(page: NotePage, *, fields=None, errors=None, conflict=None, addendum_form=None) -> dict:
    """What the note templates need: the editor's fields (yours and theirs in a conflict) or the signed text."""
    note = page.note
    theirs = sections.fields_from_content(note.kind, note.content)
    mine = fields if fields is not None else theirs
    differences = set()
    if conflict is not None:
        mine = sections.fields_from_content(note.kind, conflict.content)
        differences = {name for name in theirs if theirs[name] != mine.get(name, "")}
    return dict(note=note, links=page.links, kind_sections=sections.sections_for(note.kind),
                prompts=templates.prompts(note),
                fields=mine, theirs=theirs, differences=differences, conflict=conflict, errors=errors or {},
                addendum_form=addendum_form or AddendumForm(), hash_ok=lifecycle.hash_matches(note),
                emotions=sections.EMOTIONS, intensities=sections.INTENSITIES, yes_no=sections.YES_NO,
                layouts=sections.PROGRESS_LAYOUTS, intensity_options=INTENSITY_OPTIONS,
                layout_options=LAYOUT_OPTIONS, max_chars=sections.MAX_SECTION_CHARS,
                conflict_message=conflict_message(note, conflict.saved_by_id) if conflict is not None else "",
                discard_days=DISCARD_KEEP_DAYS)


def requested_conflict(note):
    """The conflict copy named by ?conflict=<revision id>, when it is one of this draft's."""
    revision_id = request.args.get("conflict", type=stored_int)
    if not revision_id or note.is_signed:
        return None
    revision_class = type(note).revisions.property.mapper.class_
    return db.session.scalar(select(revision_class).where(
        with_parent(note, type(note).revisions), revision_class.id == revision_id,
        revision_class.reason == "conflict"))


def refuse(page: NotePage, status: int, message: str):
    """A refused change: JSON for the editor's script, a plain page for a form post."""
    if wants_json():
        return {"error": "signed" if page.note.is_signed else "refused", "message": message}, status
    return render_template("notes/refused.html", client=page.client, note=page.note, message=message,
                           back_url=page.links.page, active_tab="notes.index"), status


def autosave(page: NotePage):
    """Save the editor's fields into the draft; a stale save is kept as a conflict copy."""
    note = page.note
    if note.is_signed:
        return refuse(page, 409, lifecycle.NoteLocked.message)
    version = request.form.get("version", type=stored_int)
    if version is None:
        return refuse(page, 400, "This save did not say which version of the note it was based on.")
    fields = {name: request.form.get(name, "") for name, _, _ in sections.field_labels(note.kind)}
    quiet = request.form.get("beacon") == "1"  # the editor's last try as the tab closes: nobody reads the answer
    try:
        changed = lifecycle.save_draft(note, fields, version, current_user)
    except lifecycle.NoteLocked:
        return refuse(page, 409, lifecycle.NoteLocked.message)
    except lifecycle.NoteDiscarded:
        page.audit("conflict", f"save based on version {version} refused: the draft was discarded meanwhile")
        db.session.commit()  # the refused text, kept as a conflict copy with the discarded draft
        return refuse(page, 409, lifecycle.NoteDiscarded.message)
    except lifecycle.Invalid as refused:
        if wants_json():
            return {"error": "invalid", "errors": refused.errors,
                    "message": next(iter(refused.errors.values()))}, 422
        return page.show(422, fields=fields, errors=refused.errors)
    except lifecycle.StaleVersion as stale:
        return _kept_as_conflict(page, stale, version, quiet)
    except lifecycle.TooManyConflicts as full:
        return _conflicts_full(page, full)
    if changed:
        page.audit("change", f"draft saved as version {note.version}")
    db.session.commit()
    if quiet:
        return "", 204
    if wants_json():
        return {"status": "saved", "version": note.version,
                "saved_at": to_local(note.updated_at, viewer_tz()).strftime(TIME_FORMAT)}
    flash("Draft saved.", "success")
    return redirect(page.links.page, code=303)


def _kept_as_conflict(page: NotePage, stale: lifecycle.StaleVersion, version: int, quiet: bool):
    note = page.note
    page.audit("conflict", f"save based on version {version} refused (now {note.version}); "
                           f"kept as revision {stale.revision.id}")
    db.session.commit()
    if quiet:
        return "", 204
    conflict_url = f"{page.links.page}?conflict={stale.revision.id}"
    message = conflict_message(note, current_user.id)
    if wants_json():
        return {"error": "conflict", "version": note.version, "conflict_url": conflict_url, "message": message}, 409
    flash(f"{message} Compare them below, then save the one you want.", "error")
    return redirect(conflict_url, code=303)


def conflict_message(note, refused_by_id: int | None) -> str:
    """Who saved the version that won, in words: the same person in another tab, or someone else."""
    if note.updated_by_id is not None and note.updated_by_id == refused_by_id:
        return ("You saved this note in another tab or window while writing here. Both versions are kept.")
    who = note.updated_by.display_name if getattr(note, "updated_by", None) else "Someone else"
    return f"{who} saved this note while you were writing. Both versions are kept."


def _conflicts_full(page: NotePage, full: lifecycle.TooManyConflicts):
    """Refused without storing: the browser keeps the text and sends the person to compare."""
    conflict_url = f"{page.links.page}?conflict={full.latest.id}"
    if wants_json():
        return {"error": "conflicts-full", "message": full.message, "conflict_url": conflict_url}, 409
    return refuse(page, 409, full.message)


def sign(page: NotePage, locked_message: str):
    """Sign the draft: only its author, only the version the signer saw."""
    note = page.note
    form = SignForm()
    if note.is_signed:
        return refuse(page, 409, locked_message)
    if not form.validate_on_submit():
        return refuse(page, 400, "This request did not say which version of the note to sign.")
    return _signature(page, "sign", lambda: lifecycle.sign(note, current_user, form.version.data), locked_message,
                      lambda: f"sha256 {note.content_hash}",
                      "Signed. The note is locked now; add an addendum if anything needs to be added.")


def cosign(page: NotePage):
    """The supervisor's co-signature on a pre-licensed clinician's signed note."""
    note = page.note
    return _signature(page, "cosign", lambda: lifecycle.cosign(note, current_user), "This note is already co-signed.",
                      lambda: f"co-signed {note.kind} note signed by user {note.signed_by_id}",
                      "Co-signed. The note shows both signatures.")


def _signature(page: NotePage, action: str, transition: Callable, locked_message: str, detail: Callable,
               done: str):
    """Sign or co-sign through the lifecycle: a refusal answered in words, else audited and committed."""
    try:
        transition()
    except lifecycle.NotSigner as refused:
        return refuse(page, 403, refused.message)
    except lifecycle.NoteLocked:
        return refuse(page, 409, locked_message)
    except lifecycle.NoteDiscarded:
        return refuse(page, 409, lifecycle.NoteDiscarded.message)
    except lifecycle.StaleVersion:
        return refuse(page, 409, "The note changed since this page showed it. Read it through once more, then sign.")
    except lifecycle.Invalid as refused:
        return refuse(page, 422, next(iter(refused.errors.values())))
    page.audit(action, detail())
    db.session.commit()
    flash(done, "success")
    return redirect(page.links.page, code=303)


def add_addendum(page: NotePage):
    """A dated, attributed addendum below a signed note."""
    note = page.note
    if not note.is_signed:
        return refuse(page, 409, "This note is still a draft: change the note itself instead of adding an addendum.")
    form = AddendumForm()
    if not form.validate_on_submit():
        return page.show(422, addendum_form=form)
    addendum = lifecycle.add_addendum(note, current_user, form.reason.data, form.text.data)
    db.session.flush()
    record("create", obj=addendum, client=page.client, detail=f"addendum to {note.kind} note {note.id}")
    db.session.commit()
    flash("The addendum is added.", "success")
    return redirect(f"{page.links.page}#addenda", code=303)
