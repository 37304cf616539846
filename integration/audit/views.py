"""Admins browse, filter and export the audit log. Nothing here edits or deletes a row."""
from datetime import datetime, time, timedelta

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import signals
from ..auth.models import User
from ..csvsafe import csv_text
from ..extensions import db
from ..permissions import requires
from .forms import AuditFilterForm
from .log import record
from .models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50
CSV_COLUMNS = ("at_utc", "user", "action", "object_type", "object_id", "client_id", "remote_addr", "detail")


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    practice_id = current_user.practice_id
    users = db.session.scalars(select(User).where(User.practice_id == practice_id).order_by(User.name))
    form.user_id.choices = [(0, "Anyone")] + [(u.id, u.name) for u in users]
    form.validate()
    return form


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
    if _chosen(form.date_from):
        query = query.where(AuditEvent.at >= datetime.combine(form.date_from.data, time.min))
    if _chosen(form.date_to):
        query = query.where(AuditEvent.at < datetime.combine(form.date_to.data + timedelta(days=1), time.min))
    return query.options(selectinload(AuditEvent.user)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@bp.route("/")
@requires("practice.manage")
def index():
    form = _filter_form()
    page = db.paginate(_filtered_events(form), per_page=PER_PAGE, error_out=False)
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("audit/index.html", form=form, page=page, filters=filters,
                           client_names=_client_names(ids={e.client_id for e in page.items if e.client_id}))


@bp.route("/export.csv")
@requires("practice.manage")
def export_csv():
    form = _filter_form()
    rows = ([event.at.isoformat(timespec="seconds"), event.user.email if event.user else "", event.action,
             event.object_type, event.object_id or "", event.client_id or "", event.remote_addr, event.detail]
            for event in db.session.scalars(_filtered_events(form)))
    body = csv_text(CSV_COLUMNS, rows)
    record("export", detail=f"audit log CSV {request.query_string.decode()[:200]}")
    db.session.commit()
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
