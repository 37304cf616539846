"""The client's safety plan on their record: the current version, its history, each older version
read-only, a form that saves a new version, and the PDF to print."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..audit.log import record
from ..extensions import db
from ..permissions import client_scoped, reads, writes
from ..plans.views import _file_response
from . import versions as store
from .forms import SafetyPlanForm
from .models import REASONS, STEPS, SafetyPlanVersion
from .sheet import document

bp = Blueprint("safetyplans", __name__)


def _version_or_404(client, number: int) -> SafetyPlanVersion:
    version = db.session.scalar(select(SafetyPlanVersion).where(
        SafetyPlanVersion.client_id == client.id, SafetyPlanVersion.number == number))
    if version is None:
        abort(404)
    return version


@bp.route("/clients/<int:client_id>/safety-plan")
@client_scoped
@reads("safety_plan")
def show(client):
    history = store.versions(client.id)
    return render_template("safetyplans/show.html", client=client, version=history[0] if history else None,
                           history=history, steps=STEPS, reasons=REASONS, older=False)


@bp.route("/clients/<int:client_id>/safety-plan/versions/<int:version_number>")
@client_scoped
@reads("safety_plan")
def version(client, version_number: int):
    shown = _version_or_404(client, version_number)
    return render_template("safetyplans/show.html", client=client, version=shown, history=store.versions(client.id),
                           steps=STEPS, reasons=REASONS, older=shown.number != store.latest_number(client.id))


@bp.route("/clients/<int:client_id>/safety-plan/edit", methods=["GET", "POST"])
@client_scoped
@writes("safety_plan")
def edit(client):
    latest = store.current(client.id)
    if request.method == "GET":
        form = SafetyPlanForm(formdata=None, base=latest.number if latest else 0,
                              **({key: latest.text(key) for key in (*STEPS, "reasons")} if latest else {}))
        return _edit_page(client, form, latest)
    form = SafetyPlanForm()
    if not form.validate():
        return _edit_page(client, form, latest, status=422)
    base = form.base.data or 0
    if base == (latest.number if latest else 0) and store.is_unchanged(latest, form.steps()):
        flash("Nothing changed, so no new version was saved.", "info")
        return redirect(url_for("safetyplans.show", client_id=client.id))
    try:
        saved = store.save(client, form.steps(), current_user, base, form.change_note.data or "")
    except store.StaleSave as stale:
        record("conflict", obj=stale.current, client=client,
               detail=f"typed on version {base}; version {stale.current.number if stale.current else 0} is current")
        db.session.commit()
        newer = stale.current.number if stale.current else 0
        form.base.data, form.base.raw_data = newer, [str(newer)]  # saving again goes on top of it
        return _edit_page(client, form, stale.current, status=409, conflict=True)
    record("create" if saved.number == 1 else "change", obj=saved, client=client, detail=f"version {saved.number}")
    db.session.commit()
    flash(f"Saved as version {saved.number}. Earlier versions are kept below.", "success")
    return redirect(url_for("safetyplans.show", client_id=client.id))


def _edit_page(client, form: SafetyPlanForm, latest: SafetyPlanVersion | None, status: int = 200,
               conflict: bool = False):
    # On a conflict: the boxes whose words differ from the newer version, which the page shows under them
    differs = set()
    if conflict and latest is not None:
        typed, theirs = store.clean(form.steps()), store.clean(latest.steps or {})
        differs = {key for key in typed if typed[key] != theirs[key]}
    return render_template("safetyplans/edit.html", client=client, form=form, latest=latest, steps=STEPS,
                           reasons=REASONS, conflict=conflict, differs=differs), status


@bp.route("/clients/<int:client_id>/safety-plan/print")
@client_scoped(audit_views=False)  # the PDF is the view: one audit row, one commit
@reads("safety_plan")
def pdf(client):
    """The safety plan as a PDF for the client: the current version, or ?version=N; ?large=1 for large print.
    With nothing saved yet it prints blank, to fill in by hand."""
    from ..plans.pdf import render_safety_plan_pdf  # WeasyPrint is loaded only when a PDF is made

    number = request.args.get("version", type=int)
    shown = _version_or_404(client, number) if number else store.current(client.id)
    large = request.args.get("large") == "1"
    body = render_safety_plan_pdf(document(client, shown, current_user.display_name, large_print=large))
    record("download", obj=shown, client=client,
           detail=f"safety plan PDF, version {shown.number if shown else 'blank'}{', large print' if large else ''}")
    db.session.commit()
    suffix = f"-v{shown.number}" if shown else "-blank"
    return _file_response(body, "application/pdf", f"safety-plan{suffix}.pdf")
