"""The dosing-safety record of a session (vitals, adverse events, discharge), the client's consents,
and the practice's consent text versions (practice settings)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit.log import record
from ..clients.models import Client
from ..clock import from_local, local_day, local_today, to_local, utcnow, viewer_tz
from ..extensions import db
from ..notes.models import DosingSession
from ..permissions import child_or_404, client_scoped, reads, requires, writes
from .forms import AdverseEventForm, ConsentForm, ConsentTextForm, DischargeForm, VitalsForm
from .models import AdverseEvent, Consent, ConsentText, VitalsReading
from .record import safety_record

bp = Blueprint("dosing", __name__, url_prefix="/clients/<int:client_id>")
settings_bp = Blueprint("consent_settings", __name__)


def current_text(practice_id: int) -> ConsentText | None:
    return db.session.scalar(select(ConsentText).where(ConsentText.practice_id == practice_id)
                             .order_by(ConsentText.version.desc()).limit(1))


# --- the safety record of a session ------------------------------------------------------------

def _safety_page(client: Client, session: DosingSession, status: int = 200, **forms):
    tz_name = viewer_tz()
    if "vitals_form" not in forms:  # the time of a new reading: now on the session's day, else its start
        now, start = to_local(utcnow(), tz_name), to_local(session.started_at, tz_name)
        at = now if now.date() == start.date() and now > start else start
        forms["vitals_form"] = VitalsForm(formdata=None, taken_time=at.time().replace(second=0, microsecond=0))
    forms.setdefault("event_form", AdverseEventForm(formdata=None))
    discharge = forms.setdefault("discharge_form", DischargeForm(formdata=None))
    if request.method == "GET" and session.discharged_at is not None:
        discharge.criteria_met.data = session.discharge_criteria_met
        discharge.discharged_time.data = to_local(session.discharged_at, tz_name).time()
        discharge.discharged_with.data = session.discharged_with
    return render_template("dosing/safety.html", client=client, session=session, safety=safety_record(session),
                           active_tab="notes.index", **forms), status


def _held_or_redirect(client: Client, session: DosingSession):
    """A planned session has no vitals yet: it is recorded as held first."""
    if session.is_planned:
        flash("This session is planned. Record it as held first, then its vitals.", "warning")
        return redirect(url_for("notes.edit_session", client_id=client.id, session_id=session.id, status="held"))
    return None


def _at(session: DosingSession, at) -> object:
    """A time typed for a session, on the session's own day where the viewer is, as naive UTC."""
    tz_name = viewer_tz()
    return from_local(local_day(session.started_at, tz_name), at, tz_name)


@bp.route("/sessions/<int:session_id>/safety")
@client_scoped
@reads("sessions")
def safety(client, session_id: int):
    session = child_or_404(DosingSession, client, session_id)
    return _safety_page(client, session)


@bp.route("/sessions/<int:session_id>/vitals", methods=["POST"])
@client_scoped
@writes("sessions")
def add_vitals(client, session_id: int):
    session = child_or_404(DosingSession, client, session_id)
    if (refused := _held_or_redirect(client, session)) is not None:
        return refused
    form = VitalsForm()
    if not form.validate_on_submit():
        return _safety_page(client, session, 422, vitals_form=form)
    reading = VitalsReading(client_id=client.id, dosing_session_id=session.id, taken_at=_at(session, form.taken_time.data),
                            point=form.point.data, systolic=form.systolic.data, diastolic=form.diastolic.data,
                            heart_rate=form.heart_rate.data, spo2=form.spo2.data, resp_rate=form.resp_rate.data,
                            moaas=form.rating("moaas"), dissociation=form.rating("dissociation"),
                            recorded_by_id=current_user.id)
    return _added(client, session, reading, "vitals", "Reading saved.", "vitals")


@bp.route("/sessions/<int:session_id>/adverse-events", methods=["POST"])
@client_scoped
@writes("sessions")
def add_adverse_event(client, session_id: int):
    session = child_or_404(DosingSession, client, session_id)
    if (refused := _held_or_redirect(client, session)) is not None:
        return refused
    form = AdverseEventForm()
    if not form.validate_on_submit():
        return _safety_page(client, session, 422, event_form=form)
    event = AdverseEvent(client_id=client.id, dosing_session_id=session.id, kind=form.kind.data,
                         detail=form.detail.data or "", severity=form.severity.data, action=form.action.data,
                         resolved=form.resolved.data, recorded_by_id=current_user.id)
    return _added(client, session, event, "adverse event", "Adverse event recorded.", "adverse-events")


@bp.route("/sessions/<int:session_id>/discharge", methods=["POST"])
@client_scoped
@writes("sessions")
def discharge(client, session_id: int):
    session = child_or_404(DosingSession, client, session_id)
    if (refused := _held_or_redirect(client, session)) is not None:
        return refused
    form = DischargeForm()
    if not form.validate_on_submit():
        return _safety_page(client, session, 422, discharge_form=form)
    session.discharge_criteria_met = True
    session.discharged_at = _at(session, form.discharged_time.data)
    session.discharged_with = form.discharged_with.data
    record("change", obj=session, client=client, detail=f"discharge of dosing session {session.number}")
    db.session.commit()
    flash("Discharge recorded.", "success")
    return _back_to_safety(client, session, "discharge")


def _added(client, session: DosingSession, row, what: str, message: str, anchor: str):
    """Save a new row of the session's safety record, audit it, and go back to its part of the page."""
    db.session.add(row)
    db.session.flush()
    record("create", obj=row, client=client, detail=f"{what} of dosing session {session.number}")
    db.session.commit()
    flash(message, "success")
    return _back_to_safety(client, session, anchor)


def _back_to_safety(client, session: DosingSession, anchor: str):
    return redirect(url_for("dosing.safety", client_id=client.id, session_id=session.id) + f"#{anchor}")


# --- consent -----------------------------------------------------------------------------------

@bp.route("/consent", methods=["GET", "POST"])
@client_scoped
@writes("sessions")
def consent(client):
    tz_name = viewer_tz()
    text = current_text(client.practice_id)
    form = ConsentForm(tz_name=tz_name)
    if request.method == "GET":
        form.signed_on.data = local_today(tz_name)
    if text is not None and form.validate_on_submit():
        signed = Consent(client_id=client.id, consent_text_id=text.id, series=form.series.data or "",
                         signed_on=form.signed_on.data, signed_by=form.signed_by.data,
                         witnessed_by=form.witnessed_by.data, recorded_by_id=current_user.id)
        db.session.add(signed)
        db.session.flush()
        record("create", obj=signed, client=client, detail=f"consent to version {text.version}")
        db.session.commit()
        flash("Consent recorded.", "success")
        return redirect(url_for("dosing.consent", client_id=client.id))
    consents = db.session.scalars(select(Consent).where(Consent.client_id == client.id)
                                  .options(joinedload(Consent.consent_text), joinedload(Consent.recorded_by))
                                  .order_by(Consent.signed_on.desc(), Consent.id.desc())).all()
    status = 422 if request.method == "POST" else 200
    return render_template("dosing/consent.html", client=client, form=form, text=text, consents=consents,
                           active_tab="notes.index"), status


# --- the practice's consent text -----------------------------------------------------------------

@settings_bp.route("/settings/consent", methods=["GET", "POST"])
@requires("practice.manage")
def consent_text():
    """The practice's consent text: saving makes a new version; every old one stays readable."""
    practice_id = current_user.practice_id
    latest = current_text(practice_id)
    form = ConsentTextForm()
    if request.method == "GET" and latest is not None:
        form.text.data = latest.text
    if form.validate_on_submit():
        if latest is not None and form.text.data == latest.text:
            flash("No change: the text is the same as version %d." % latest.version, "info")
            return redirect(url_for("consent_settings.consent_text"))
        try:
            created = _new_version(practice_id, form.text.data)
        except IntegrityError:  # someone else saved a version a moment ago: take the next number
            db.session.rollback()
            created = _new_version(practice_id, form.text.data)
        flash(f"Saved as version {created.version}.", "success")
        return redirect(url_for("consent_settings.consent_text"))
    versions = db.session.scalars(select(ConsentText).where(ConsentText.practice_id == practice_id)
                                  .options(joinedload(ConsentText.created_by))
                                  .order_by(ConsentText.version.desc())).all()
    status = 422 if request.method == "POST" else 200
    return render_template("dosing/consent_text.html", form=form, versions=versions), status


def _new_version(practice_id: int, text: str) -> ConsentText:
    number = (db.session.scalar(select(func.max(ConsentText.version))
                                .where(ConsentText.practice_id == practice_id)) or 0) + 1
    created = ConsentText(practice_id=practice_id, version=number, text=text, created_by_id=current_user.id)
    db.session.add(created)
    db.session.flush()
    record("change", obj=created, detail=f"consent text version {number}")
    db.session.commit()
    return created
