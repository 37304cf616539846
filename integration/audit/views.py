"""Admins browse, filter and export the audit log. Nothing here edits or deletes a row."""
from datetime import datetime, time, timedelta

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..clients.models import Client
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
    clients = db.session.scalars(
        select(Client).where(Client.practice_id == practice_id).order_by(Client.last_name, Client.first_name)
    )
    form.user_id.choices = [(0, "Anyone")] + [(u.id, u.name) for u in users]
    form.client_id.choices = [(0, "Any client")] + [(c.id, c.full_name) for c in clients]
    form.validate()
    return form


def _chosen(field):
    """A filter's value, if it is one the form offers (a refused value filters nothing)."""
    return field.data if field.data and not field.errors else None


def _filtered_events(form: AuditFilterForm):
    query = select(AuditEvent).where(AuditEvent.practice_id == current_user.practice_id)
    if _chosen(form.user_id):
        query = query.where(AuditEvent.user_id == form.user_id.data)
    if _chosen(form.client_id):
        query = query.where(AuditEvent.client_id == form.client_id.data)
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
                           client_names=_client_names({e.client_id for e in page.items if e.client_id}))


def _client_names(client_ids: set[int]) -> dict[int, str]:
    """Names for the clients an audit page mentions, in one query."""
    if not client_ids:
        return {}
    rows = db.session.execute(select(Client.id, Client.first_name, Client.last_name).where(
        Client.id.in_(client_ids), Client.practice_id == current_user.practice_id))
    return {row.id: f"{row.first_name} {row.last_name}" for row in rows}


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
