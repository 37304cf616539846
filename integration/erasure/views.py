"""Closing a record, and the practice admin's page of records past retention and purges waiting."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..audit.log import record
from ..auth.models import User
from ..clients.models import Client
from ..clock import local_today, utcnow, viewer_tz
from ..extensions import db
from ..permissions import can, client_scoped, practice_object_or_404, reader_of, requires
from . import lifecycle, purge
from .forms import ActionForm, CloseForm, RetentionForm
from .models import REQUEST_DAYS, PurgeRequest

bp = Blueprint("erasure", __name__)


def may_close(client: Client) -> bool:
    return (can("records.close") and not lifecycle.is_closed(client)
            and reader_of(client) in ("clinician", "admin", "break_glass"))


def may_reopen(client: Client) -> bool:
    return can("records.reopen") and lifecycle.is_closed(client)


@bp.app_context_processor
def closure_helpers():
    def record_closure(client: Client) -> dict | None:
        """For the record's pages: closed on, by whom, may be purged after."""
        if not lifecycle.is_closed(client):
            return None
        tz_name = viewer_tz()
        return {"closed_at": client.closed_at, "closed_by": client.closed_by,
                "purge_after": lifecycle.purge_after(client, tz_name),
                "past_retention": lifecycle.past_retention(client, local_today(tz_name), tz_name)}

    return {"record_closure": record_closure, "may_close_record": may_close, "may_reopen_record": may_reopen}


@bp.route("/clients/<int:client_id>/close", methods=["GET", "POST"])
@client_scoped
def close(client):
    if not may_close(client):
        abort(404)
    form = CloseForm()
    if form.validate_on_submit():
        revoked = lifecycle.close(client, current_user)
        db.session.commit()
        flash(f"{client.full_name}’s record is closed." + (f" {revoked} private link{'s' if revoked != 1 else ''} "
                                                           "stopped working." if revoked else ""), "success")
        return redirect(url_for("clients.show", client_id=client.id))
    return render_template("erasure/close.html", client=client, form=form,
                           retention_years=client.practice.retention_years), 422 if form.errors else 200


@bp.route("/clients/<int:client_id>/reopen", methods=["POST"])
@client_scoped
def reopen(client):
    if not may_reopen(client):
        abort(404)
    if ActionForm().validate_on_submit():
        lifecycle.reopen(client, current_user)
        db.session.commit()
        flash(f"{client.full_name}’s record is open again. Its retention period starts again when it is next closed.",
              "success")
    return redirect(url_for("clients.show", client_id=client.id))


@bp.route("/clients/<int:client_id>/purge", methods=["GET", "POST"])
@client_scoped
def purge_client(client):
    """The dry run (what a purge would delete, counted: no content) and the request to purge, for
    practice admins; others who reach the record read what the page is for."""
    form = ActionForm()
    tz_name = viewer_tz()
    if request.method == "POST" and not can("records.purge"):
        abort(404)
    if form.validate_on_submit():
        try:
            lifecycle.request_purge(client, current_user, local_today(tz_name), tz_name)
        except lifecycle.PurgeRefused as refused:
            flash(str(refused), "error")
        else:
            db.session.commit()
            flash(f"Purge requested. Another admin must approve it within {REQUEST_DAYS} days.", "success")
            return redirect(url_for("erasure.index"))
    # Counts only, but a count says what exists (process notes, clinical notes): for admins alone.
    counts = purge.dry_run(client.id) if can("records.purge") else None
    return render_template("erasure/dry_run.html", client=client, form=form, counts=counts,
                           kind_words=purge.kind_words, waiting=lifecycle.open_request(client.id),
                           purge_after=lifecycle.purge_after(client, tz_name),
                           past_retention=lifecycle.past_retention(client, local_today(tz_name), tz_name))


@bp.route("/records")
@requires("records.purge")
def index():
    practice = current_user.practice
    tz_name = viewer_tz()
    today = local_today(tz_name)
    closed = db.session.scalars(select(Client).where(Client.practice_id == practice.id, Client.status == "closed")
                                .order_by(Client.closed_at, Client.id)).all()
    now = utcnow()
    requests = db.session.scalars(select(PurgeRequest).where(PurgeRequest.practice_id == practice.id)
                                  .order_by(PurgeRequest.requested_at.desc()).limit(50)).all()
    waiting = [r for r in requests if r.is_open(now)]
    waiting_ids = {r.client_id for r in waiting}
    names = {c.id: c.full_name for c in closed}
    return render_template(
        "erasure/index.html", practice=practice, form=ActionForm(formdata=None),
        retention_form=RetentionForm(formdata=None, obj=practice),
        due=[(c, lifecycle.purge_after(c, tz_name)) for c in closed
             if lifecycle.past_retention(c, today, tz_name) and c.id not in waiting_ids],
        not_yet=[(c, lifecycle.purge_after(c, tz_name)) for c in closed
                 if not lifecycle.past_retention(c, today, tz_name)],
        waiting=waiting, done=[r for r in requests if r.status == "purged"], names=names,
        kind_words=purge.kind_words, users=_names(requests), now=now)


def _names(requests) -> dict[int, str]:
    ids = {r.requested_by_id for r in requests} | {r.decided_by_id for r in requests if r.decided_by_id}
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


@bp.route("/records/retention", methods=["POST"])
@requires("records.purge")
def retention():
    form = RetentionForm()
    practice = current_user.practice
    if form.validate_on_submit():
        practice.retention_years = form.retention_years.data
        record("change", obj=practice, detail=f"retention of closed records: {practice.retention_years} years")
        db.session.commit()
        flash(f"Saved. Closed records may be purged {practice.retention_years} years after closing.", "success")
        return redirect(url_for("erasure.index"))
    flash("The retention period was not saved: " + "; ".join(form.retention_years.errors), "error")
    return redirect(url_for("erasure.index"))


@bp.route("/records/requests/<int:request_id>/approve", methods=["POST"])
@requires("records.purge")
def approve(request_id: int):
    purge_request = practice_object_or_404(PurgeRequest, request_id)
    if ActionForm().validate_on_submit():
        tz_name = viewer_tz()
        try:
            deleted = lifecycle.approve(purge_request, current_user, local_today(tz_name), tz_name)
        except lifecycle.PurgeRefused as refused:
            flash(str(refused), "error")
            return redirect(url_for("erasure.index")), 303
        db.session.commit()
        flash(f"The record is purged: {sum(deleted.values())} rows deleted. The audit log keeps who asked, "
              "who approved, when, and the counts.", "success")
    return redirect(url_for("erasure.index"))


@bp.route("/records/requests/<int:request_id>/cancel", methods=["POST"])
@requires("records.purge")
def cancel(request_id: int):
    purge_request = practice_object_or_404(PurgeRequest, request_id)
    if ActionForm().validate_on_submit():
        if lifecycle.cancel(purge_request, current_user):
            db.session.commit()
            flash("The purge request is cancelled. Nothing was deleted.", "success")
        else:
            flash("This request was already decided (approved or cancelled).", "error")
    return redirect(url_for("erasure.index"))
