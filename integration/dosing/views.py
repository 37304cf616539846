"""A dosing session's own pages (booking or recording it, its page, changing it), its dosing-safety record
(vitals, adverse events, discharge), the client's consents, and the practice's consent text versions
(practice settings). The Notes tab that lists the sessions is notes/views.py."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit.log import record
from ..auth.models import User
from ..clients.models import Client
from ..clock import from_local, local_day, local_today, to_local, utcnow, viewer_tz
from ..extensions import db
from ..notes.models import DosingSession
from ..notes.session_notes import SESSION_LOADS, debrief_choice, debrief_state, has_debrief
from ..notes.window import integration_window
from ..permissions import child_or_404, client_scoped, reads, requires, writes
from .checks import consent_on_file
from .forms import AdverseEventForm, ConsentForm, ConsentTextForm, DischargeForm, DosingSessionForm, VitalsForm
from .models import AdverseEvent, Consent, ConsentText, VitalsReading
from .record import safety_record

bp = Blueprint("dosing", __name__, url_prefix="/clients/<int:client_id>")
settings_bp = Blueprint("consent_settings", __name__)


def current_text(practice_id: int) -> ConsentText | None:
    return db.session.scalar(select(ConsentText).where(ConsentText.practice_id == practice_id)
                             .order_by(ConsentText.version.desc()).limit(1))


# --- a dosing session: booked or recorded, its page, changed -----------------------------------

def _session_form(client: Client, session: DosingSession | None = None) -> DosingSessionForm:
    tz_name = viewer_tz()
    form = DosingSessionForm(obj=session, tz_name=tz_name)
    team = list(client.practitioners)
    if session is not None:  # someone who has since left the team stays listed, not silently dropped
        team += [u for u in session.practitioners if u not in team]
    form.practitioners.choices = [(u.id, u.display_name) for u in team]
    if session is not None and not session.is_planned:  # a held session stays held
        form.status.choices = [("held", "Held")]
    if request.method == "GET":
        if request.args.get("status") in ("planned", "held") and (session is None or session.is_planned):
            form.status.data = request.args["status"]
        if session is None:
            now = to_local(utcnow(), tz_name)
            form.started_on.data = now.date()
            form.started_time.data = now.time().replace(second=0, microsecond=0)
            form.practitioners.data = [current_user.id] if current_user.id in {u.id for u in team} else []
        else:
            local = to_local(session.started_at, tz_name)
            form.started_on.data = local.date()
            form.started_time.data = local.time()
            form.practitioners.data = [u.id for u in session.practitioners]
    return form


def _confirmed_or_ask(form: DosingSessionForm, client: Client) -> bool:
    """A large dose is saved only once someone has ticked "Yes, this dose is correct", and a held session
    with no consent on file only once someone has ticked that they record it without one."""
    confirmed = True
    if form.large_dose() and not form.confirm_dose.data:
        form.asks_confirmation = True
        form.confirm_dose.errors = ["This dose is larger than usual. Check it, then tick the box to save it."]
        confirmed = False
    if form.status.data == "held" and not consent_on_file(client.id) and not form.confirm_without_consent.data:
        form.asks_consent = True
        form.confirm_without_consent.errors = [
            "There is no consent on file for this client. Record the consent first, or tick the box to "
            "record the session without it: it will stay on your worklist until consent is recorded."]
        confirmed = False
    return confirmed


def _fill_session(session: DosingSession, form: DosingSessionForm) -> None:
    session.started_at = from_local(form.started_on.data, form.started_time.data, form.tz_name)
    session.status = form.status.data
    session.product = form.product.data
    session.medicine = "esketamine" if form.product.data == "esketamine" else "ketamine"
    session.route = form.route.data
    session.dose_mg = form.dose_mg.data
    session.dose_mg_per_kg = form.dose_mg_per_kg.data
    session.setting = form.setting.data or ""
    session.intention = form.intention.data or ""
    session.notes = form.notes.data or ""
    if session.status == "held" and session.without_consent_at is None and form.confirm_without_consent.data:
        session.without_consent_by_id, session.without_consent_at = current_user.id, utcnow()
    chosen = set(form.practitioners.data or [])
    session.practitioners = db.session.scalars(select(User).where(User.id.in_(chosen))).all() if chosen else []


def _next_number(client: Client) -> int:
    highest = db.session.scalar(select(func.max(DosingSession.number)).where(DosingSession.client_id == client.id))
    return (highest or 0) + 1


def _create_session(client: Client, form: DosingSessionForm) -> DosingSession:
    session = DosingSession(client_id=client.id, number=_next_number(client), created_by_id=current_user.id)
    _fill_session(session, form)
    db.session.add(session)
    db.session.flush()
    record("create", obj=session, client=client, detail=f"dosing session {session.number}")
    db.session.commit()
    return session


@bp.route("/sessions/new", methods=["GET", "POST"])
@client_scoped
@writes("sessions")
def new_session(client):
    form = _session_form(client)
    if form.validate_on_submit() and _confirmed_or_ask(form, client):
        try:
            session = _create_session(client, form)
        except IntegrityError:  # another session took the same number a moment ago: take the next
            db.session.rollback()
            session = _create_session(client, form)
        flash(f"Session {session.number} is booked." if session.is_planned
              else f"Session {session.number} is recorded.", "success")
        return redirect(url_for("dosing.show_session", client_id=client.id, session_id=session.id))
    status = 422 if request.method == "POST" else 200
    return render_template("dosing/session_form.html", client=client, form=form, session=None), status


@bp.route("/sessions/<int:session_id>")
@client_scoped
@reads("sessions")
def show_session(client, session_id: int):
    session = child_or_404(DosingSession, client, session_id, *SESSION_LOADS)
    tz_name = viewer_tz()
    return render_template("dosing/session.html", client=client, session=session, safety=safety_record(session),
                           window=integration_window(session, client.practice), debriefed=has_debrief(session),
                           debrief=debrief_state(session), debrief_choice=debrief_choice(client),
                           today=local_today(tz_name), active_tab="notes.index")


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@client_scoped
@writes("sessions")
def edit_session(client, session_id: int):
    session = child_or_404(DosingSession, client, session_id)
    form = _session_form(client, session)
    if form.validate_on_submit() and _confirmed_or_ask(form, client):
        was_planned = session.is_planned
        _fill_session(session, form)
        held = " recorded as held" if was_planned and not session.is_planned else ""
        record("change", obj=session, client=client, detail=f"dosing session {session.number}{held}")
        db.session.commit()
        flash("Saved.", "success")
        return redirect(url_for("dosing.show_session", client_id=client.id, session_id=session.id))
    status = 422 if request.method == "POST" else 200
    return render_template("dosing/session_form.html", client=client, form=form, session=session), status


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
        return redirect(url_for("dosing.edit_session", client_id=client.id, session_id=session.id, status="held"))
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
