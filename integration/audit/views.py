"""Admins browse, filter and export the audit log, each row a sentence. Nothing here edits or deletes a row."""
from datetime import time, timedelta

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import signals
from ..auth.models import User
from ..clock import from_local, viewer_tz
from ..csvsafe import csv_text
from ..extensions import db
from ..permissions import requires
from .forms import AuditFilterForm
from .log import record
from .models import ACTIONS, AuditEvent
from .words import describe_objects, sentences

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50
CSV_COLUMNS = ("at_utc", "user", "user_name", "action", "what", "object_type", "object_id", "client_id",
               "client_name", "remote_addr", "detail")


def _filter_form() -> tuple[AuditFilterForm, dict[int, str]]:
    """The filters as asked, and the practice's people by id (the "Person" choices, and the rows' names)."""
    form = AuditFilterForm(request.args)
    practice_id = current_user.practice_id
    users = db.session.execute(select(User.id, User.name).where(User.practice_id == practice_id)
                               .order_by(User.name)).all()
    form.user_id.choices = [(0, "Anyone")] + [(u.id, u.name) for u in users]
    form.validate()
    return form, {u.id: u.name for u in users}


def _in_words(events, people: dict[int, str]):
    """The rows as sentences: names of people, clients and objects loaded once for all of them."""
    clients = _client_names(ids={e.client_id for e in events if e.client_id})
    return sentences(events, people=people, clients=clients,
                     objects=describe_objects(events, current_user.practice_id))


def _client_names(**which) -> dict[int, str]:
    """Client names from the clients area (the audit log sits below it and does not import it)."""
    return signals.merged(signals.client_names, current_user.practice_id, **which)


def _chosen(field):
    """A filter's value, if it is one the form offers (a refused value filters nothing)."""
    return field.data if field.data and not field.errors else None


def _filtered_events(form: AuditFilterForm):
    query = select(AuditEvent).where(AuditEvent.practice_id == current_user.practice_id)
    if _chosen(form.user_id):
        query = query.where(AuditEvent.user_id == form.user_id.data)
    if _chosen(form.client_id):
        query = query.where(AuditEvent.client_id == form.client_id.data)
    if _chosen(form.client):  # a name, not a list of every client: the practice may have thousands
        query = query.where(AuditEvent.client_id.in_(list(_client_names(name_contains=form.client.data))))
    if _chosen(form.action):
        query = query.where(AuditEvent.action == form.action.data)
    # Days as the admin reads them: from midnight to midnight in their own time zone.
    if _chosen(form.date_from):
        query = query.where(AuditEvent.at >= from_local(form.date_from.data, time.min, viewer_tz()))
    if _chosen(form.date_to):
        query = query.where(AuditEvent.at < from_local(form.date_to.data + timedelta(days=1), time.min, viewer_tz()))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@bp.route("/")
@requires("practice.manage")
def index():
    form, people = _filter_form()
    page = db.paginate(_filtered_events(form), per_page=PER_PAGE, error_out=False)
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("audit/index.html", form=form, page=page, filters=filters,
                           rows=_in_words(page.items, people), action_words=ACTIONS)


@bp.route("/export.csv")
@requires("practice.manage")
def export_csv():
    form, people = _filter_form()
    events = db.session.scalars(_filtered_events(form).options(selectinload(AuditEvent.user))).all()
    rows = ([row.event.at.isoformat(timespec="seconds"), row.event.user.email if row.event.user else "",
             people.get(row.event.user_id, ""), row.event.action, row.sentence, row.event.object_type,
             row.event.object_id or "", row.event.client_id or "", row.client_name, row.event.remote_addr,
             row.event.detail]
            for row in _in_words(events, people))
    body = csv_text(CSV_COLUMNS, rows)  # formula-safe, names and sentences included
    record("export", detail=f"audit log CSV {request.query_string.decode()[:200]}")
    db.session.commit()
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
