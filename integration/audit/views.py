"""Admins browse, filter and export the audit log, each row a sentence. Nothing here edits or deletes a row.

The page is bounded whatever the size of the log: 50 rows by keyset ("Older →" from the last row's
time and id, integration/keyset.py), no count of everything, and a client filter by a part of a name
rather than a list of every client. The export streams: rows read from a server-side cursor in chunks,
written as CSV row by row, in constant memory, for a date range (the last 30 days unless chosen).
"""
from datetime import time, timedelta
from itertools import islice

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_login import current_user
from sqlalchemy import select

from .. import signals
from ..auth.models import User
from ..clock import from_local, local_today, viewer_tz
from ..csvsafe import csv_line
from ..extensions import db
from ..keyset import Keyset, paginate
from ..permissions import requires
from .forms import AuditExportForm, AuditFilterForm
from .log import record
from .models import ACTIONS, AuditEvent
from .words import describe_objects, sentences

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50
NEWEST_FIRST = Keyset((AuditEvent.at, AuditEvent.id), ("datetime", "int"))
EXPORT_DAYS = 30  # the export's range unless the admin chooses one
EXPORT_CHUNK = 1000  # rows fetched from the cursor, and named (clients, objects), at a time
CSV_COLUMNS = ("at_utc", "user", "user_name", "action", "what", "object_type", "object_id", "client_id",
               "client_name", "remote_addr", "detail")


def _filter_form(form_class=AuditFilterForm):
    """The filters as asked, and the practice's people (the "Person" choices, and the rows' names and emails)."""
    form = form_class(request.args)
    practice_id = current_user.practice_id
    users = db.session.execute(select(User.id, User.name, User.email).where(User.practice_id == practice_id)
                               .order_by(User.name)).all()
    form.user_id.choices = [(0, "Anyone")] + [(u.id, u.name) for u in users]
    form.validate()
    return form, users


def _in_words(events, people: dict[int, str], practice_id: int | None = None):
    """The rows as sentences: names of people, clients and objects loaded once for all of them."""
    practice_id = practice_id or current_user.practice_id
    clients = _client_names(practice_id, ids={e.client_id for e in events if e.client_id})
    return sentences(events, people=people, clients=clients, objects=describe_objects(events, practice_id))


def _client_names(practice_id: int, **which) -> dict[int, str]:
    """Client names from the clients area (the audit log sits below it and does not import it)."""
    return signals.merged(signals.client_names, practice_id, **which)


def _chosen(field):
    """A filter's value, if it is one the form offers (a refused value filters nothing)."""
    return field.data if field.data and not field.errors else None


def _filtered_events(form: AuditFilterForm, *, dates: bool = True):
    query = select(AuditEvent).where(AuditEvent.practice_id == current_user.practice_id)
    if _chosen(form.user_id):
        query = query.where(AuditEvent.user_id == form.user_id.data)
    if _chosen(form.client_id):
        query = query.where(AuditEvent.client_id == form.client_id.data)
    if _chosen(form.client):  # a name, not a list of every client: the practice may have thousands
        query = query.where(AuditEvent.client_id.in_(list(_client_names(current_user.practice_id, name_contains=form.client.data))))
    if _chosen(form.action):
        query = query.where(AuditEvent.action == form.action.data)
    if dates:
        query = _between(query, _chosen(form.date_from), _chosen(form.date_to))
    return query


def _between(query, first, last):
    """Days as the admin reads them: from midnight to midnight in their own time zone."""
    if first:
        query = query.where(AuditEvent.at >= from_local(first, time.min, viewer_tz()))
    if last:
        query = query.where(AuditEvent.at < from_local(last + timedelta(days=1), time.min, viewer_tz()))
    return query


@bp.route("/")
@requires("practice.manage")
def index():
    return _index_page(_filter_form(AuditExportForm))


def _index_page(asked, status: int = 200):
    """The page: the newest 50 rows that match (or the 50 after/before the cursor), and the export form."""
    form, users = asked
    people = {u.id: u.name for u in users}
    page = paginate(_filtered_events(form), NEWEST_FIRST, per_page=PER_PAGE,
                    after=request.args.get("after"), before=request.args.get("before"))
    filters = {key: value for key, value in request.args.items()
               if key in ("user_id", "client", "client_id", "action", "date_from", "date_to") and value}
    if not (form.since.errors or form.until.errors):
        first, last = _export_range(form)
        form.since.data, form.until.data = first, last
    return render_template("audit/index.html", form=form, page=page, filters=filters, export_days=EXPORT_DAYS,
                           rows=_in_words(page.items, people), action_words=ACTIONS), status


def _export_range(form: AuditExportForm):
    """The export's days: as chosen, else the page's From/To, else the last EXPORT_DAYS days to today."""
    last = _chosen(form.until) or _chosen(form.date_to) or local_today(viewer_tz())
    first = _chosen(form.since) or _chosen(form.date_from) or last - timedelta(days=EXPORT_DAYS - 1)
    return first, last


@bp.route("/export.csv")
@requires("practice.manage")
def export_csv():
    """The log as CSV for a range of days, streamed: nothing of it is held in memory but one chunk of rows.

    Audited before the first row is sent (the export is the admin's act, whether or not the download
    completes). Under gunicorn's gthread workers a long export runs in one thread while the worker
    answers other requests (its heartbeat goes on), so it is not killed at the worker timeout.
    """
    asked = _filter_form(AuditExportForm)
    form, users = asked
    if form.since.errors or form.until.errors:
        return _index_page(asked, 422)
    first, last = _export_range(form)
    query = _between(_filtered_events(form, dates=False), first, last)
    record("export", detail=f"audit log CSV {first.isoformat()} to {last.isoformat()} "
                            f"{request.query_string.decode()[:160]}".strip())
    db.session.commit()
    people = {u.id: u.name for u in users}
    emails = {u.id: u.email for u in users}
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return Response(stream_with_context(_csv_lines(query, people, emails, current_user.practice_id)), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f"attachment; filename=audit-log-{first.isoformat()}-to-{last.isoformat()}.csv"})


def _csv_lines(query, people: dict[int, str], emails: dict[int, str], practice_id: int):
    """The CSV file line by line, the rows fetched EXPORT_CHUNK at a time from a server-side cursor
    (PostgreSQL: a named cursor; SQLite: rows stepped from the open statement) and named per chunk.

    It runs after the view has returned and its session was closed: the signed-in person (whose time
    zone dates the rows' words) is put back into the session the stream reads through."""
    yield csv_line(CSV_COLUMNS)
    db.session.add(current_user._get_current_object())
    # Plain rows, not ORM objects (a sentence reads only their columns): a third less time a row.
    events = db.session.execute(query.with_only_columns(*AuditEvent.__table__.c)
                                .execution_options(yield_per=EXPORT_CHUNK))
    try:
        while chunk := list(islice(events, EXPORT_CHUNK)):
            # One write per chunk (about 200 KB), not per row: fewer trips through the server's socket.
            yield "".join(csv_line([row.event.at.isoformat(timespec="seconds"), emails.get(row.event.user_id, ""),
                                    people.get(row.event.user_id, ""), row.event.action, row.sentence,
                                    row.event.object_type, row.event.object_id or "", row.event.client_id or "",
                                    row.client_name, row.event.remote_addr, row.event.detail])
                          for row in _in_words(chunk, people, practice_id))
    finally:
        events.close()
