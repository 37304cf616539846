"""Admins browse, filter and export the audit log. Nothing here edits or deletes a row."""
import csv
import io
from datetime import datetime, time, timedelta

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import signals
from ..auth.models import User
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


def _filtered_events(form: AuditFilterForm):
    query = select(AuditEvent).where(AuditEvent.practice_id == current_user.practice_id)
    if form.user_id.data:
        query = query.where(AuditEvent.user_id == form.user_id.data)
    if form.client_id.data:
        query = query.where(AuditEvent.client_id == form.client_id.data)
    if form.client.data:  # a name, not a list of every client: the practice may have thousands
        query = query.where(AuditEvent.client_id.in_(list(_client_names(name_contains=form.client.data))))
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    if form.date_from.data and not form.date_from.errors:
        query = query.where(AuditEvent.at >= datetime.combine(form.date_from.data, time.min))
    if form.date_to.data and not form.date_to.errors:
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
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in db.session.scalars(_filtered_events(form)):
        writer.writerow([event.at.isoformat(timespec="seconds"), event.user.email if event.user else "",
                         event.action, event.object_type, event.object_id or "", event.client_id or "",
                         event.remote_addr, _csv_safe(event.detail)])
    record("export", detail=f"audit log CSV {request.query_string.decode()[:200]}")
    db.session.commit()
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})


def _csv_safe(text: str) -> str:
    """Stop a spreadsheet from running a formula someone typed into a field."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
