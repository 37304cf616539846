"""Notes (client-scoped): the Notes tab with the client's dosing sessions and notes, the note pages,
and the supervisor's list of notes to co-sign. A dosing session's own pages are dosing/views.py."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..audit.log import record
from ..clients.models import Client
from ..clock import local_day, local_today, viewer_tz
from ..crypto.columns import unread_encrypted
from ..extensions import db
from ..keyset import Keyset, paginate
from .. import undo
from ..permissions import (client_scoped, clients_where, discarded_drafts, discarded_note_or_404, may,
                           may_write_note, note_kinds_to_start, note_or_404, reader_of, readable_notes, reads, writes)
from . import editor, lifecycle, templates
from .forms import NewNoteForm, SignForm
from .models import DISCARD_KEEP_DAYS, NOTE_KINDS, Addendum, DosingSession, Note
from .sections import INSIGHT_KINDS
from .session_notes import SESSION_LOADS, debrief_choice, debrief_state, has_debrief
from .window import integration_window

bp = Blueprint("notes", __name__, url_prefix="/clients/<int:client_id>")
cosign_bp = Blueprint("cosign", __name__)
NOTE_CONTENT_KINDS = ("notes.clinical", "notes.coaching", "notes.process")


# --- the Notes tab: the client's dosing sessions and notes ---------------------------------------

def _sessions_query(client: Client):
    return select(DosingSession).where(DosingSession.client_id == client.id).options(*SESSION_LOADS)


# The tab's two lists, newest first, a page at a time by keyset (integration/keyset.py): a record of
# thousands of notes opens as fast as one of ten.
SESSIONS_PER_PAGE = 20
NOTES_PER_PAGE = 50
SESSIONS_NEWEST_FIRST = Keyset((DosingSession.started_at, DosingSession.id), ("datetime", "int"))
NOTES_NEWEST_FIRST = Keyset((Note.occurred_on, Note.id), ("date", "int"))


@bp.route("/sessions")
@client_scoped
@reads("sessions", *NOTE_CONTENT_KINDS)
def index(client):
    sessions_shown = may("read", "sessions", client)
    args = request.args
    sessions = paginate(_sessions_query(client), SESSIONS_NEWEST_FIRST, per_page=SESSIONS_PER_PAGE,
                        after=args.get("sessions_after"), before=args.get("sessions_before")) \
        if sessions_shown else None
    loose = select(Note).where(Note.client_id == client.id, readable_notes(reader_of(client)))
    if sessions_shown:  # a session's notes are listed under it
        loose = loose.where(Note.dosing_session_id.is_(None))
    # Listed by kind, day and author: their sections and search text stay encrypted, unread.
    loose_notes = paginate(loose.options(*unread_encrypted(Note), joinedload(Note.author)), NOTES_NEWEST_FIRST,
                           per_page=NOTES_PER_PAGE, after=args.get("notes_after"), before=args.get("notes_before"))
    tz_name = viewer_tz()
    today = local_today(tz_name)
    windows = {s.id: integration_window(s, client.practice, today) for s in (sessions.items if sessions else [])}
    discarded = db.session.scalar(select(func.count()).select_from(discarded_drafts(client).subquery()))
    # Each list's links keep the other list where it is.
    keep_sessions = {k: v for k, v in args.items() if k in ("sessions_after", "sessions_before")}
    keep_notes = {k: v for k, v in args.items() if k in ("notes_after", "notes_before")}
    return render_template("notes/index.html", client=client, sessions=sessions.items if sessions else [],
                           sessions_page=sessions, windows=windows, loose_notes=loose_notes.items,
                           notes_page=loose_notes, keep_sessions=keep_sessions, keep_notes=keep_notes,
                           has_debrief=has_debrief, debrief_state=debrief_state,
                           kinds_to_start=note_kinds_to_start(client), discarded_count=discarded,
                           debrief_choice=debrief_choice(client) if sessions and sessions.items else None)


# --- notes -----------------------------------------------------------------------------------

def _note_or_404(client: Client, note_id: int, write: bool = False) -> Note:
    """The note with what its page shows, loaded by (client, id), if the user may read (or write) it."""
    return note_or_404(client, note_id, joinedload(Note.author), joinedload(Note.signed_by),
                       joinedload(Note.cosigner), joinedload(Note.dosing_session),
                       selectinload(Note.addenda).joinedload(Addendum.author), write=write)


def _note_page(client: Client, note: Note) -> editor.NotePage:
    def link(endpoint: str) -> str:
        return url_for(endpoint, client_id=client.id, note_id=note.id)

    links = editor.Links(page=link("notes.show_note"), autosave=link("notes.autosave"), sign=link("notes.sign"),
                         addenda=link("notes.add_addendum"), storage_key=editor.storage_key("note", note.id),
                         discard=link("notes.discard"))
    return editor.NotePage(note=note, links=links, client=client, render=_render_note)


def _render_note(page: editor.NotePage, status: int = 200, **kwargs):
    note, client = page.note, page.client
    sessions_shown = may("read", "sessions", client)
    window = integration_window(note.dosing_session, client.practice) if note.dosing_session and sessions_shown \
        else None
    return render_template("notes/note.html", client=client, window=window, active_tab="notes.index",
                           sessions_shown=sessions_shown, may_change=may_write_note(note, client),
                           has_insights=note.kind in INSIGHT_KINDS and may("read", "insights", client),
                           **editor.editor_context(page, **kwargs)), status


@bp.route("/notes/new", methods=["GET", "POST"])
@client_scoped
@writes(*NOTE_CONTENT_KINDS)
def new_note(client):
    tz_name = viewer_tz()
    form = NewNoteForm(tz_name=tz_name)
    kinds = note_kinds_to_start(client)
    form.kind.choices = [(kind, NOTE_KINDS[kind]) for kind in kinds]
    if "process" not in kinds:
        form.kind.description = ""
    # Notes follow a session that was held: a planned one has nothing to debrief yet.
    sessions = db.session.scalars(select(DosingSession).where(DosingSession.client_id == client.id,
                                                              DosingSession.status == "held")
                                  .order_by(DosingSession.started_at.desc())).all() \
        if may("read", "sessions", client) else []
    form.session_id.choices = [(0, "Not tied to a dosing session")] + [
        (s.id, f"Session {s.number} · {local_day(s.started_at, tz_name):%b %-d, %Y}") for s in sessions]
    # Only the kinds this user may start: a coach sees coaching templates, never clinical ones.
    offered = {kind: found for kind, found in templates.offered(client.practice_id, kinds).items() if found}
    offered_by_id = {t.id: t for found in offered.values() for t in found}
    form.template_kinds = {t.id: t.kind for t in offered_by_id.values()}
    form.template_id.choices = {"Start blank": [(0, "None")], **{
        NOTE_KINDS[kind]: [(t.id, t.name) for t in found] for kind, found in offered.items()}}
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in kinds else kinds[0]
        form.session_id.data = request.args.get("session_id", type=int) or (sessions[0].id if sessions and
                                                                            form.kind.data == "debrief" else 0)
        form.occurred_on.data = local_today(tz_name)
        form.template_id.data = templates.last_used(current_user, client.practice_id).get(form.kind.data, 0)
    if form.validate_on_submit():
        tied = form.kind.data in ("debrief", "integration")  # coaching and process notes stand alone
        template = offered_by_id.get(form.template_id.data)
        version = template.current if template is not None else None
        note = lifecycle.start(Note(client_id=client.id, kind=form.kind.data, occurred_on=form.occurred_on.data,
                                    dosing_session_id=(form.session_id.data or None) if tied else None,
                                    template_version=version),
                               current_user, templates.starting_fields(version))
        record("create", obj=note, client=client, detail=f"{note.kind} note" + (
            f", from template {template.id} version {version.number}" if version else ""))
        db.session.commit()
        return redirect(url_for("notes.show_note", client_id=client.id, note_id=note.id))
    status = 422 if request.method == "POST" else 200
    return render_template("notes/new_note.html", client=client, form=form, has_sessions=bool(sessions),
                           kinds=kinds, has_templates=bool(offered), active_tab="notes.index"), status


@bp.route("/notes/<int:note_id>")
@client_scoped
def show_note(client, note_id: int):
    note = _note_or_404(client, note_id)
    return _note_page(client, note).show(conflict=editor.requested_conflict(note))


@bp.route("/notes/<int:note_id>/autosave", methods=["POST"])
@client_scoped
@writes(*NOTE_CONTENT_KINDS)
def autosave(client, note_id: int):
    return editor.autosave(_note_page(client, _note_or_404(client, note_id, write=True)))


@bp.route("/notes/<int:note_id>/sign", methods=["POST"])
@client_scoped
@writes(*NOTE_CONTENT_KINDS)
def sign(client, note_id: int):
    return editor.sign(_note_page(client, _note_or_404(client, note_id, write=True)), "This note is already signed.")


@bp.route("/notes/<int:note_id>/addenda", methods=["POST"])
@client_scoped
@writes(*NOTE_CONTENT_KINDS)
def add_addendum(client, note_id: int):
    return editor.add_addendum(_note_page(client, _note_or_404(client, note_id, write=True)))


@bp.route("/notes/<int:note_id>/cosign", methods=["POST"])
@client_scoped
@reads("notes.clinical")
def cosign(client, note_id: int):
    """The supervisor co-signs a pre-licensed clinician's signed note (lifecycle.cosign says who may)."""
    return editor.cosign(_note_page(client, _note_or_404(client, note_id)))


# --- discarding a draft started by mistake, and bringing it back -------------------------------

@bp.route("/notes/<int:note_id>/discard", methods=["POST"])
@client_scoped
@writes(*NOTE_CONTENT_KINDS)
def discard(client, note_id: int):
    """The author takes an unsigned draft out of the record; the next page offers Undo."""
    page = _note_page(client, _note_or_404(client, note_id, write=True))
    note = page.note
    form = SignForm()  # the version the author saw, as for signing
    if not form.validate_on_submit():
        return editor.refuse(page, 400, "This request did not say which version of the draft to discard.")
    try:
        lifecycle.discard(note, current_user, form.version.data)
    except (lifecycle.NoteLocked, lifecycle.NoteDiscarded):
        return editor.refuse(page, 409, "This note was signed meanwhile, so it is kept; add an addendum instead."
                             if note.is_signed else lifecycle.NoteDiscarded.message)
    except lifecycle.NotSigner as refused:
        return editor.refuse(page, 403, refused.message)
    except lifecycle.StaleVersion:
        return editor.refuse(page, 409, "The draft changed since this page showed it (saved in another tab or "
                                        "window?), so it was not discarded. Read it once more first.")
    except lifecycle.Invalid as refused:
        return editor.refuse(page, 422, next(iter(refused.errors.values())))
    record("discard", obj=note, client=client, detail=f"{note.kind} note, version {note.version}")
    db.session.commit()
    undo.offer(f"The draft {note.kind_label.lower()} of {note.occurred_on:%b %-d} is discarded.",
               url_for("notes.restore", client_id=client.id, note_id=note.id))
    return redirect(url_for("notes.index", client_id=client.id), code=303)


@bp.route("/notes/<int:note_id>/restore", methods=["POST"])
@client_scoped
@writes(*NOTE_CONTENT_KINDS)
def restore(client, note_id: int):
    """Undo a discard (or restore from the list of discarded drafts): the draft is back as it was."""
    note = discarded_note_or_404(client, note_id)
    try:
        lifecycle.restore(note, current_user)
    except lifecycle.StaleVersion:  # restored a moment ago by a second press
        db.session.rollback()
    except (lifecycle.NotSigner, lifecycle.Invalid):
        abort(404)
    else:
        record("restore", obj=note, client=client, detail=f"discarded {note.kind} note restored as a draft")
        db.session.commit()
        flash("The draft is back, as it was.", "success")
    return redirect(url_for("notes.show_note", client_id=client.id, note_id=note.id), code=303)


@bp.route("/notes/discarded")
@client_scoped
@reads(*NOTE_CONTENT_KINDS)
def discarded(client):
    """The signed-in author's discarded drafts on this record that may still be restored."""
    notes = db.session.scalars(discarded_drafts(client).order_by(Note.discarded_at.desc())).all()
    return render_template("notes/discarded.html", client=client, notes=notes, keep_days=DISCARD_KEEP_DAYS,
                           active_tab="notes.index")


# --- the supervisor's list ---------------------------------------------------------------------

@cosign_bp.route("/cosignatures")
@login_required
def waiting():
    """Signed notes waiting for the signed-in clinician's co-signature, on the records they may read.

    Notes of clients whose care team they are not on are counted, never named: an admin adds them.
    """
    waiting_for_me = select(Note).where(Note.cosigner_id == current_user.id, Note.status == "signed",
                                        Note.cosigned_at.is_(None))
    readable = clients_where("read", "notes.clinical")
    notes = db.session.scalars(
        waiting_for_me.where(Note.client_id.in_(readable))
        .options(joinedload(Note.client), joinedload(Note.author))
        .order_by(Note.signed_at, Note.id)).all()
    elsewhere = db.session.scalar(select(func.count()).select_from(
        waiting_for_me.where(Note.client_id.not_in(readable)).subquery()))
    return render_template("notes/cosignatures.html", notes=notes, elsewhere=elsewhere)
