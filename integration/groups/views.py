"""Group circle pages: series, roster, sessions with attendance and the group note (/groups/...),
and the two client-scoped pages: a client's circle history and writing their individual note.

A series is reached through permissions.series_or_404(): the practice's admins and the series' facilitators
only, 404 for everyone else. The group note is for the facilitators alone (it is clinical content; an
admin runs the circle's roster and calendar). A client is reached through the one access rule, as
everywhere, and individual notes open only for those who may read a client's clinical notes.
"""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..audit.log import record
from ..auth.models import User
from ..clients.models import Client
from ..clock import from_local, local_day, local_today, to_local, utcnow, viewer_tz
from ..database import MAX_INTEGER
from ..extensions import db
from ..forms import stored_int
from ..notes import editor, lifecycle
from ..notes.models import Note
from ..permissions import (accessible_clients, can_open_series, client_scoped, clients_where, facilitates,
                           get_client_or_404, group_scoped, reads, series_child_or_404, visible_series, writes)
from . import rules
from .forms import EnrolForm, SeriesForm, SessionForm
from .models import ATTENDANCE_STATUSES, Attendance, Enrollment, GroupNote, GroupSeries, GroupSession

bp = Blueprint("groups", __name__)


def _session_or_404(series: GroupSeries, group_session_id: int) -> GroupSession:
    return series_child_or_404(GroupSession, series, group_session_id, selectinload(GroupSession.facilitators))


def _practice_users() -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.practice_id == current_user.practice_id, User.active.is_(True)).order_by(User.name)))


# --- series ---------------------------------------------------------------------------------------

@bp.route("/groups/")
@login_required
def index():
    series_list = db.session.scalars(visible_series().options(selectinload(GroupSeries.facilitators))
                                     .order_by(GroupSeries.status, GroupSeries.name)).all()
    ids = [s.id for s in series_list]
    counts = Counter()
    next_session = {}
    if ids:
        counts = Counter({(sid, status): n for sid, status, n in db.session.execute(
            select(Enrollment.series_id, Enrollment.status, func.count())
            .where(Enrollment.series_id.in_(ids)).group_by(Enrollment.series_id, Enrollment.status))})
        upcoming = rules.upcoming_sessions(ids, current_user.practice_id, utcnow(), limit=1, days=366)
        next_session = {sid: sessions[0] for sid, sessions in upcoming.items()}
    return render_template("groups/index.html", series_list=series_list, counts=counts,
                           next_session=next_session)


def _series_form(series: GroupSeries | None = None) -> SeriesForm:
    form = SeriesForm(obj=series)
    users = _practice_users()
    if series is not None:  # someone deactivated since stays listed, not silently dropped
        users += [u for u in series.facilitators if u not in users]
    form.facilitators.choices = [(u.id, u.display_name) for u in users]
    if request.method == "GET":
        if series is None:
            form.facilitators.data = [current_user.id]
        else:
            form.facilitators.data = [u.id for u in series.facilitators]
            form.weekday.data = series.weekday if series.weekday is not None else -1
    return form


def _fill_series(series: GroupSeries, form: SeriesForm) -> None:
    for name in ("name", "description", "schedule_text", "place", "video_link"):
        setattr(series, name, getattr(form, name).data or "")
    series.weekday = form.weekday.data if form.weekday.data in range(7) else None
    series.meets_at = form.meets_at.data
    series.capacity = form.capacity.data
    chosen = set(form.facilitators.data or [])
    series.facilitators = list(db.session.scalars(select(User).where(
        User.id.in_(chosen), User.practice_id == current_user.practice_id)))


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_series():
    form = _series_form()
    if form.validate_on_submit():
        series = GroupSeries(practice_id=current_user.practice_id, created_by_id=current_user.id)
        _fill_series(series, form)
        db.session.add(series)
        db.session.flush()
        record("create", obj=series, detail=series.name)
        db.session.commit()
        flash(f"“{series.name}” is ready. Add its first session and enrol people.", "success")
        if not can_open_series(series):
            return redirect(url_for("groups.index"))
        return redirect(url_for("groups.show_series", series_id=series.id))
    status = 422 if request.method == "POST" else 200
    return render_template("groups/series_form.html", form=form, series=None), status


def _roster(series: GroupSeries) -> dict[str, list[Enrollment]]:
    rows = db.session.scalars(select(Enrollment).where(Enrollment.series_id == series.id)
                              .options(joinedload(Enrollment.client))
                              .order_by(Enrollment.status_at, Enrollment.id)).all()
    roster = {"enrolled": [], "waitlisted": [], "withdrawn": []}
    for row in rows:
        roster.setdefault(row.status, []).append(row)
    roster["enrolled"].sort(key=lambda e: (e.client.last_name.lower(), e.client.first_name.lower()))
    return roster


def _enrol_form(series: GroupSeries, roster: dict) -> EnrolForm:
    """Offer the active clients this user may reach who are not enrolled or waiting already."""
    form = EnrolForm()
    taken = {e.client_id for key in ("enrolled", "waitlisted") for e in roster[key]}
    clients = db.session.scalars(accessible_clients().where(Client.status == "active")
                                 .order_by(Client.last_name, Client.first_name)).all()
    form.client_id.choices = [(0, "Choose a client…")] + [(c.id, c.full_name) for c in clients if c.id not in taken]
    return form


@bp.route("/groups/<int:series_id>")
@group_scoped
def show_series(series):
    roster = _roster(series)
    now = utcnow()
    sessions = db.session.scalars(select(GroupSession).where(GroupSession.series_id == series.id)
                                  .options(selectinload(GroupSession.group_note))
                                  .order_by(GroupSession.starts_at, GroupSession.id)).all()
    counts = dict(db.session.execute(
        select(Attendance.group_session_id, func.count()).join(GroupSession)
        .where(GroupSession.series_id == series.id, Attendance.status.in_(("present", "late")))
        .group_by(Attendance.group_session_id)).all())
    return render_template("groups/series.html", series=series, roster=roster,
                           upcoming=[s for s in sessions if s.starts_at >= now],
                           past=list(reversed([s for s in sessions if s.starts_at < now])),
                           came=counts, enrol_form=_enrol_form(series, roster))


@bp.route("/groups/<int:series_id>/edit", methods=["GET", "POST"])
@group_scoped
def edit_series(series):
    form = _series_form(series)
    if form.validate_on_submit():
        _fill_series(series, form)
        moved = rules.fill_from_waitlist(series)
        record("change", obj=series, detail=series.name)
        for enrollment in moved:
            record("change", obj=enrollment, client=enrollment.client,
                   detail=f"moved from the waitlist into {series.name}")
        db.session.commit()
        flash("Saved.", "success")
        _flash_moved(moved)
        if not can_open_series(series):
            return redirect(url_for("groups.index"))
        return redirect(url_for("groups.show_series", series_id=series.id))
    status = 422 if request.method == "POST" else 200
    return render_template("groups/series_form.html", form=form, series=series), status


@bp.route("/groups/<int:series_id>/archive", methods=["POST"])
@group_scoped
def archive_series(series):
    series.status = "active" if series.status == "archived" else "archived"
    record("change", obj=series, detail=f"{series.name}: {series.status}")
    db.session.commit()
    flash("The circle is archived. Its sessions, attendance and notes are kept." if series.status == "archived"
          else "The circle is active again.", "success")
    return redirect(url_for("groups.show_series", series_id=series.id))


# --- roster -----------------------------------------------------------------------------------------

def _flash_moved(moved: list[Enrollment]) -> None:
    for enrollment in moved:
        flash(f"{enrollment.client.full_name} moved up from the waitlist and is now in the circle.", "success")


@bp.route("/groups/<int:series_id>/roster", methods=["POST"])
@group_scoped
def enrol(series):
    client_id = request.form.get("client_id", type=stored_int)
    if not client_id:
        flash("Choose a client to enrol.", "error")
        return redirect(url_for("groups.show_series", series_id=series.id, _anchor="roster"))
    client = get_client_or_404(client_id)  # the one access rule: only clients this user may reach
    try:
        enrollment = rules.enrol(series, client, current_user)
    except rules.AlreadyOnRoster as already:
        flash(f"{client.full_name} is already {already.enrollment.status_label.lower()}.", "info")
        return redirect(url_for("groups.show_series", series_id=series.id, _anchor="roster"))
    record("create", obj=enrollment, client=client, detail=f"{enrollment.status} in {series.name}")
    db.session.commit()
    if enrollment.status == "waitlisted":
        place = len(rules.waitlist(series))
        flash(f"The circle is full ({series.capacity} of {series.capacity} places), so {client.full_name} "
              f"is on the waitlist, number {place}. They move up as soon as a place frees.", "info")
    else:
        flash(f"{client.full_name} is in the circle.", "success")
    return redirect(url_for("groups.show_series", series_id=series.id, _anchor="roster"))


@bp.route("/groups/<int:series_id>/roster/<int:enrollment_id>/withdraw", methods=["POST"])
@group_scoped
def withdraw(series, enrollment_id: int):
    enrollment = series_child_or_404(Enrollment, series, enrollment_id)
    was = enrollment.status
    moved = rules.withdraw(enrollment, current_user)
    record("change", obj=enrollment, client=enrollment.client, detail=f"withdrawn from {series.name} (was {was})")
    for promoted in moved:
        record("change", obj=promoted, client=promoted.client, detail=f"moved from the waitlist into {series.name}")
    db.session.commit()
    flash(f"{enrollment.client.full_name} has left the circle. Their attendance and notes are kept.", "success")
    _flash_moved(moved)
    return redirect(url_for("groups.show_series", series_id=series.id, _anchor="roster"))


# --- sessions -----------------------------------------------------------------------------------------

def _session_form(series: GroupSeries, session: GroupSession | None = None) -> SessionForm:
    tz_name = viewer_tz()
    form = SessionForm(obj=session)
    users = _practice_users()
    known = {u.id for u in users}
    users += [u for u in series.facilitators + (session.facilitators if session else []) if u.id not in known]
    form.facilitators.choices = [(u.id, u.display_name) for u in dict.fromkeys(users)]
    if request.method == "GET":
        if session is None:
            form.starts_on.data = _next_meeting_day(series, local_today(tz_name))
            if series.meets_at:
                form.starts_time.data = series.meets_at
            form.facilitators.data = [u.id for u in series.facilitators]
        else:
            local = to_local(session.starts_at, tz_name)
            form.starts_on.data, form.starts_time.data = local.date(), local.time()
            form.facilitators.data = [u.id for u in session.facilitators]
    return form


def _next_meeting_day(series: GroupSeries, today):
    from datetime import timedelta

    if series.weekday is None:
        return today
    return today + timedelta(days=(series.weekday - today.weekday()) % 7)


def _date_confirmed_or_ask(form: SessionForm) -> bool:
    """A date far in the past or the future is saved once someone ticks "Yes, this date is right"."""
    if rules.date_needs_confirmation(form.starts_on.data, local_today(viewer_tz())) and not form.confirm_date.data:
        form.asks_confirmation = True
        form.confirm_date.errors = ["This date is far from today. Check it, then tick the box to save it."]
        return False
    return True


def _fill_session(session: GroupSession, form: SessionForm) -> None:
    session.starts_at = from_local(form.starts_on.data, form.starts_time.data, viewer_tz())
    session.theme = form.theme.data or ""
    chosen = set(form.facilitators.data or [])
    session.facilitators = list(db.session.scalars(select(User).where(
        User.id.in_(chosen), User.practice_id == current_user.practice_id)))


@bp.route("/groups/<int:series_id>/sessions/new", methods=["GET", "POST"])
@group_scoped
def new_session(series):
    session = GroupSession(series_id=series.id, created_by_id=current_user.id)
    return _save_or_show_session(series, session, "The session is on the calendar.")


@bp.route("/groups/<int:series_id>/sessions/<int:group_session_id>/edit", methods=["GET", "POST"])
@group_scoped
def edit_session(series, group_session_id: int):
    return _save_or_show_session(series, _session_or_404(series, group_session_id), "Saved.")


def _save_or_show_session(series: GroupSeries, session: GroupSession, saved_message: str):
    """Save a new or changed session and go to it; else the form again, as typed."""
    is_new = session.id is None
    form = _session_form(series, None if is_new else session)
    if form.validate_on_submit() and _date_confirmed_or_ask(form):
        _fill_session(session, form)
        if is_new:
            db.session.add(session)
            db.session.flush()
        record("create" if is_new else "change", obj=session,
               detail=f"{series.name} on {form.starts_on.data:%Y-%m-%d}")
        db.session.commit()
        flash(saved_message, "success")
        return redirect(url_for("groups.show_session", series_id=series.id, group_session_id=session.id))
    status = 422 if request.method == "POST" else 200
    return render_template("groups/session_form.html", series=series, form=form,
                           group_session=None if is_new else session), status


def _attendance_rows(series: GroupSeries, session: GroupSession) -> list[dict]:
    """Everyone enrolled, plus anyone marked at this session who has since left (read-only)."""
    marked = {a.client_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.group_session_id == session.id)
        .options(joinedload(Attendance.client), joinedload(Attendance.note)))}
    enrolled = db.session.scalars(select(Enrollment).where(
        Enrollment.series_id == series.id, Enrollment.status == "enrolled")
        .options(joinedload(Enrollment.client))).all()
    here = [e.client_id for e in enrolled] + list(marked)
    readable, writable = (set(db.session.scalars(select(Client.id).where(
        Client.id.in_(here), Client.id.in_(clients_where(action, "notes.clinical"))))) for action in ("read", "write"))
    rows = [{"client": e.client, "attendance": marked.get(e.client_id), "enrolled": True} for e in enrolled]
    rows += [{"client": a.client, "attendance": a, "enrolled": False}
             for client_id, a in marked.items() if client_id not in {e.client_id for e in enrolled}]
    for row in rows:
        row["readable"] = row["client"].id in readable
        row["reachable"] = row["client"].id in writable
    rows.sort(key=lambda r: (not r["enrolled"], r["client"].last_name.lower(), r["client"].first_name.lower()))
    return rows


def _render_session(series, session):
    return render_template("groups/session.html", series=series, group_session=session,
                           rows=_attendance_rows(series, session), statuses=ATTENDANCE_STATUSES,
                           note=session.group_note, runs_it=facilitates(series))


@bp.route("/groups/<int:series_id>/sessions/<int:group_session_id>")
@group_scoped
def show_session(series, group_session_id: int):
    return _render_session(series, _session_or_404(series, group_session_id))


@bp.route("/groups/<int:series_id>/sessions/<int:group_session_id>/attendance", methods=["POST"])
@group_scoped
def take_attendance(series, group_session_id: int):
    session = _session_or_404(series, group_session_id)
    marks = {}
    for key, value in request.form.items():
        client_id = key.removeprefix("status-")
        if key.startswith("status-") and client_id.isdecimal() and int(client_id) <= MAX_INTEGER:
            marks[int(client_id)] = value
    if request.form.get("everyone") == "present":  # everyone not marked on the form, nor before
        marked = set(db.session.scalars(select(Attendance.client_id).where(
            Attendance.group_session_id == session.id)))
        for client_id in db.session.scalars(select(Enrollment.client_id).where(
                Enrollment.series_id == series.id, Enrollment.status == "enrolled")):
            if client_id not in marks and client_id not in marked:
                marks[client_id] = "present"
    result = rules.take_attendance(session, marks, current_user)
    names = {c.id: c for c in db.session.scalars(select(Client).where(Client.id.in_([a.client_id for a in result.saved])))}
    for row in result.saved:
        record("change", obj=row, client=names.get(row.client_id),
               detail=f"attendance at {series.name} session {session.id}: {row.status}")
    db.session.commit()
    if result.refused:
        known = db.session.scalars(select(Client).join(Enrollment, Enrollment.client_id == Client.id).where(
            Enrollment.series_id == series.id, Client.id.in_(result.refused))).all()
        who = ", ".join(c.full_name for c in known) or "Someone not on the roster"
        flash(f"{who}: not enrolled in this circle, so no attendance was recorded for them. "
              "Enrol them first (people on the waitlist or who have left cannot be marked).", "error")
    if result.saved:
        tally = Counter(row.status for row in result.saved)
        summary = ", ".join(f"{tally[key]} {label.lower()}" for key, label in ATTENDANCE_STATUSES.items() if tally[key])
        flash(f"Attendance saved: {summary}.", "success")
    elif not result.refused:
        flash("Nobody was marked yet: choose present, late, absent or excused for each person.", "info")
    return redirect(url_for("groups.show_session", series_id=series.id, group_session_id=session.id,
                            _anchor="attendance"), code=303)


# --- the group note: the same life as every note (notes/lifecycle.py, notes/editor.py) --------------

def _group_note_or_404(series: GroupSeries, group_session_id: int) -> GroupNote:
    session = _session_or_404(series, group_session_id)
    if session.group_note is None or not facilitates(series):
        abort(404)
    return session.group_note


def _group_note_page(series: GroupSeries, note: GroupNote) -> editor.NotePage:
    def link(endpoint: str) -> str:
        return url_for(endpoint, series_id=series.id, group_session_id=note.group_session_id)

    links = editor.Links(page=link("groups.group_note"), autosave=link("groups.autosave_group_note"),
                         sign=link("groups.sign_group_note"), addenda=link("groups.add_group_note_addendum"),
                         storage_key=editor.storage_key("circle-note", note.id))
    return editor.NotePage(note=note, links=links, render=_render_group_note)


def _render_group_note(page: editor.NotePage, status: int = 200, **kwargs):
    note = page.note
    series = note.group_session.series
    return render_template("groups/note.html", series=series, group_session=note.group_session,
                           **editor.editor_context(page, **kwargs)), status


@bp.route("/groups/<int:series_id>/sessions/<int:group_session_id>/note/start", methods=["POST"])
@group_scoped
def start_group_note(series, group_session_id: int):
    """Begin the session's group note (once: a second press opens the one already started)."""
    session = _session_or_404(series, group_session_id)
    if not facilitates(series):
        abort(404)
    if session.group_note is None:
        try:
            note = lifecycle.start(GroupNote(group_session_id=session.id), current_user)
        except IntegrityError:  # another press started it a moment ago (one note per session): open that one
            db.session.rollback()
        else:
            record("create", obj=note, detail=f"group note of {series.name} session {session.id}")
            db.session.commit()
    return redirect(url_for("groups.group_note", series_id=series.id, group_session_id=session.id), code=303)


@bp.route("/groups/<int:series_id>/sessions/<int:group_session_id>/note")
@group_scoped
def group_note(series, group_session_id: int):
    note = _group_note_or_404(series, group_session_id)
    return _group_note_page(series, note).show(conflict=editor.requested_conflict(note))


@bp.route("/groups/<int:series_id>/sessions/<int:group_session_id>/note/autosave", methods=["POST"])
@group_scoped
def autosave_group_note(series, group_session_id: int):
    return editor.autosave(_group_note_page(series, _group_note_or_404(series, group_session_id)))


@bp.route("/groups/<int:series_id>/sessions/<int:group_session_id>/note/sign", methods=["POST"])
@group_scoped
def sign_group_note(series, group_session_id: int):
    return editor.sign(_group_note_page(series, _group_note_or_404(series, group_session_id)),
                       "The group note is already signed.")


@bp.route("/groups/<int:series_id>/sessions/<int:group_session_id>/note/addenda", methods=["POST"])
@group_scoped
def add_group_note_addendum(series, group_session_id: int):
    return editor.add_addendum(_group_note_page(series, _group_note_or_404(series, group_session_id)))


# --- on the client's record -------------------------------------------------------------------------

@bp.route("/clients/<int:client_id>/groups")
@client_scoped
@reads("circles")
def client_attendance(client):
    """The client's own circle history: series, dates, themes, their attendance and their own note."""
    rows = db.session.scalars(
        select(Attendance).join(GroupSession).where(Attendance.client_id == client.id)
        .options(joinedload(Attendance.group_session).joinedload(GroupSession.series), joinedload(Attendance.note))
        .order_by(GroupSession.starts_at.desc(), Attendance.id.desc())).all()
    enrollments = db.session.scalars(
        select(Enrollment).where(Enrollment.client_id == client.id)
        .options(joinedload(Enrollment.series).selectinload(GroupSeries.facilitators))
        .order_by(Enrollment.status_at.desc())).all()
    return render_template("groups/client.html", client=client, rows=rows, enrollments=enrollments,
                           tally=Counter(row.status for row in rows),
                           statuses=ATTENDANCE_STATUSES)


@bp.route("/clients/<int:client_id>/groups/sessions/<int:group_session_id>/note", methods=["POST"])
@client_scoped
@writes("notes.clinical")
def write_note(client, group_session_id: int):
    """Open the client's individual note for a session they came to, starting it when there is none."""
    attendance = db.session.scalar(select(Attendance).where(
        Attendance.client_id == client.id, Attendance.group_session_id == group_session_id)
        .options(joinedload(Attendance.group_session).joinedload(GroupSession.series)))
    if attendance is None:
        abort(404)
    # A discarded circle note is out of the record (its author restores it from "Discarded drafts"): start afresh.
    note = attendance.note or db.session.scalar(
        select(Note).where(Note.client_id == client.id, Note.group_session_id == group_session_id,
                           Note.kind == "group", Note.status != "discarded"))
    if note is None:
        if not attendance.attended:
            flash(f"{client.full_name} was marked {attendance.status_label.lower()} at this session, so there is "
                  "no individual note to write. Change the attendance first if that is wrong.", "error")
            return redirect(url_for("groups.client_attendance", client_id=client.id), code=303)
        session = attendance.group_session
        note = lifecycle.start(Note(client_id=client.id, kind="group", group_session_id=session.id,
                                    occurred_on=local_day(session.starts_at, viewer_tz())), current_user)
        record("create", obj=note, client=client, detail=f"group note for {session.series.name} session {session.id}")
    if attendance.note_id != note.id:
        attendance.note_id = note.id
    db.session.commit()
    return redirect(url_for("notes.show_note", client_id=client.id, note_id=note.id), code=303)

