"""Measures on a client's record (scores, charts, entry, alerts, schedules) and the practice's own measures."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit.log import record
from ..clients.models import Client
from ..clock import local_day, local_today, viewer_tz
from ..extensions import db
from ..notes.models import DosingSession
from ..permissions import child_or_404, client_scoped, may, practice_object_or_404, reads, requires, writes
from . import alerts as alert_rules
from .charts import measure_chart
from .forms import AcknowledgeForm, MeasureForm, ScheduleForm, item_fields, parse_bands, parse_scale, response_form
from .instruments import BUILT_IN, Definition, definition_for, score
from .models import Measure, MeasureAlert, MeasureResponse, MeasureSchedule
from .record import practice_measures

bp = Blueprint("measures", __name__)

RECENT_ACKNOWLEDGED = 20


def _definitions(client: Client, *, active_only: bool = False) -> tuple[dict[str, Measure], list[Definition]]:
    """The practice's measures by key, and every definition (built-in first) that may be entered."""
    measures = practice_measures(client.practice_id)
    own = [definition_for(key, measures) for key, m in sorted(measures.items(), key=lambda kv: kv[1].name.lower())
           if m.active or not active_only]
    return measures, list(BUILT_IN.values()) + own


def _session_days(client: Client) -> list[tuple[int, object]]:
    """(number, local day) of each dosing session: the charts' markers."""
    tz = viewer_tz()
    return [(number, local_day(at, tz)) for number, at in db.session.execute(
        select(DosingSession.number, DosingSession.started_at).where(DosingSession.client_id == client.id)
        .order_by(DosingSession.started_at))]


@bp.route("/clients/<int:client_id>/measures")
@client_scoped
@reads("measures", "measures.scores")
def index(client):
    return _index(client)


def _index(client: Client, ack_form: AcknowledgeForm | None = None, ack_alert_id: int | None = None,
           schedule_form: ScheduleForm | None = None, status: int = 200):
    measures, definitions = _definitions(client)
    responses = db.session.scalars(
        select(MeasureResponse).where(MeasureResponse.client_id == client.id)
        .options(joinedload(MeasureResponse.dosing_session))
        .order_by(MeasureResponse.taken_on, MeasureResponse.id)).all()
    sessions = _session_days(client)
    charts = []
    for definition in definitions:
        mine = [r for r in responses if r.measure_key == definition.key]
        if mine:
            charts.append((definition, measure_chart(definition, mine, sessions), mine))
    items_readable = may("read", "measures", client)
    alerts, schedules = [], []
    if items_readable:
        alerts = db.session.scalars(
            select(MeasureAlert).where(MeasureAlert.client_id == client.id)
            .options(joinedload(MeasureAlert.acknowledged_by))
            .order_by(MeasureAlert.acknowledged_at.is_not(None), MeasureAlert.raised_at.desc())).all()
        open_alerts = [a for a in alerts if a.is_open]
        alerts = open_alerts + [a for a in alerts if not a.is_open][:RECENT_ACKNOWLEDGED]
        schedules = db.session.scalars(select(MeasureSchedule).where(
            MeasureSchedule.client_id == client.id, MeasureSchedule.active.is_(True)).order_by(MeasureSchedule.id)).all()
    writable = may("write", "measures", client)
    if writable and schedule_form is None:
        schedule_form = _schedule_form(definitions, measures)
    names = {d.key: d.name for d in definitions}
    # One form per open alert, each with its own field names and ids; a refused one keeps its text.
    ack_forms = {a.id: AcknowledgeForm(formdata=None, prefix=f"ack{a.id}") for a in alerts if a.is_open}
    if ack_form is not None:
        ack_forms[ack_alert_id] = ack_form
    return render_template("measures/index.html", client=client, charts=charts, alerts=alerts,
                           schedules=schedules, names=names, items_readable=items_readable, writable=writable,
                           enterable=[d for d in definitions if d.built_in or measures[d.key].active],
                           ack_forms=ack_forms, schedule_form=schedule_form), status


def _schedule_form(definitions: list[Definition], measures: dict, **kwargs) -> ScheduleForm:
    form = ScheduleForm(**kwargs)
    form.measure_key.choices = [(d.key, d.name) for d in definitions if d.built_in or measures[d.key].active]
    return form


def _definition_or_404(client: Client, key: str) -> Definition:
    measures = practice_measures(client.practice_id)
    definition = definition_for(key, measures)
    if definition is None or (not definition.built_in and not measures[key].active):
        abort(404)
    return definition


def _session_choices(client: Client) -> list[tuple[int, str]]:
    tz = viewer_tz()
    sessions = db.session.execute(select(DosingSession.id, DosingSession.number, DosingSession.started_at)
                                  .where(DosingSession.client_id == client.id)
                                  .order_by(DosingSession.started_at.desc())).all()
    return [(row.id, f"Before session {row.number} ({local_day(row.started_at, tz):%b %-d, %Y})") for row in sessions]


@bp.route("/clients/<int:client_id>/measures/new", methods=["GET", "POST"])
@client_scoped
@writes("measures")
def new(client):
    """One screen per measure: every item a radio group, reachable by keyboard alone."""
    definition = _definition_or_404(client, request.args.get("measure", "phq9"))
    form = response_form(definition, _session_choices(client),
                         **({} if request.method == "POST" else {"taken_on": local_today(viewer_tz())}))
    if form.validate_on_submit():
        response = _save_response(client, definition, form)
        raised = alert_rules.raise_for_response(response, definition)
        record("create", obj=response, client=client)
        db.session.commit()
        words = f"{definition.name} saved: {response.total}" + (f", {response.band.lower()}" if response.band else "")
        flash(words + "." + (f" {len(raised)} alert{'s' if len(raised) != 1 else ''} raised: see below." if raised else ""),
              "error" if raised else "success")
        return redirect(url_for("measures.index", client_id=client.id, _anchor=f"measure-{definition.key}"))
    status = 422 if form.is_submitted() else 200
    return render_template("measures/new.html", client=client, definition=definition, form=form,
                           items=item_fields(form, definition), missing=_missing(form, definition),
                           others=[d for d in _definitions(client, active_only=True)[1] if d.key != definition.key]
                           ), status


def _missing(form, definition: Definition) -> list[int]:
    return [n for n in range(1, len(definition.items) + 1) if form[f"item_{n}"].errors]


def _save_response(client: Client, definition: Definition, form) -> MeasureResponse:
    answers = [form[f"item_{n}"].data for n in range(1, len(definition.items) + 1)]
    total = score(definition, answers)
    band = definition.band_of(total)
    session_id = form.dosing_session_id.data or None
    if session_id is not None:
        child_or_404(DosingSession, client, session_id)
    response = MeasureResponse(
        client_id=client.id, measure_key=definition.key, measure_id=definition.measure_id,
        taken_on=form.taken_on.data, dosing_session_id=session_id, answers=answers,
        difficulty=(form.difficulty.data or "") if definition.difficulty else "", total=total,
        band=band.label if band else "", entered_by_id=current_user.id)
    db.session.add(response)
    db.session.flush()
    return response


@bp.route("/clients/<int:client_id>/measures/responses/<int:response_id>")
@client_scoped
@reads("measures")
def show_response(client, response_id: int):
    response = child_or_404(MeasureResponse, client, response_id, joinedload(MeasureResponse.entered_by),
                            joinedload(MeasureResponse.dosing_session))
    definition = definition_for(response.measure_key, practice_measures(client.practice_id))
    if definition is None:
        abort(404)
    return render_template("measures/response.html", client=client, response=response, definition=definition)


@bp.route("/clients/<int:client_id>/measures/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@client_scoped
@writes("measures")
def acknowledge(client, alert_id: int):
    alert = child_or_404(MeasureAlert, client, alert_id)
    form = AcknowledgeForm(prefix=f"ack{alert.id}")
    if not form.validate_on_submit():
        return _index(client, ack_form=form, ack_alert_id=alert.id, status=422)
    if alert_rules.acknowledge(alert, current_user, form.note.data, client):
        db.session.commit()
        flash("Alert acknowledged. Your note stays with it.", "success")
    else:
        db.session.rollback()
        flash("Someone acknowledged this alert a moment ago; their note is shown below.", "info")
    return redirect(url_for("measures.index", client_id=client.id, _anchor="alerts"))


@bp.route("/clients/<int:client_id>/measures/schedules", methods=["POST"])
@client_scoped
@writes("measures")
def add_schedule(client):
    measures, definitions = _definitions(client)
    form = _schedule_form(definitions, measures)
    if not form.validate_on_submit():
        return _index(client, schedule_form=form, status=422)
    schedule = MeasureSchedule(client_id=client.id, measure_key=form.measure_key.data, cadence=form.cadence.data,
                               measure_id=measures[form.measure_key.data].id if form.measure_key.data in measures else None,
                               created_by_id=current_user.id)
    db.session.add(schedule)
    db.session.flush()
    record("create", obj=schedule, client=client, detail=f"{form.measure_key.data}: {form.cadence.data}")
    db.session.commit()
    flash("Schedule added.", "success")
    return redirect(url_for("measures.index", client_id=client.id, _anchor="schedules"))


@bp.route("/clients/<int:client_id>/measures/schedules/<int:schedule_id>/end", methods=["POST"])
@client_scoped
@writes("measures")
def end_schedule(client, schedule_id: int):
    from ..clock import utcnow

    schedule = child_or_404(MeasureSchedule, client, schedule_id)
    if schedule.active:
        schedule.active, schedule.ended_at = False, utcnow()
        record("change", obj=schedule, client=client, detail="schedule ended")
        db.session.commit()
        flash("Schedule ended.", "success")
    return redirect(url_for("measures.index", client_id=client.id, _anchor="schedules"))


# --- the practice's own measures (admins) ------------------------------------------------------------

@bp.route("/measures/practice", methods=["GET", "POST"])
@requires("practice.manage")
def practice():
    form = MeasureForm()
    if form.validate_on_submit():
        measure = Measure(practice_id=current_user.practice_id, name=form.name.data, question=form.question.data,
                          items=[line.strip() for line in form.items.data.splitlines() if line.strip()],
                          scale=parse_scale(form.scale.data), bands=parse_bands(form.bands.data or ""),
                          rise_alert=form.rise_alert.data, created_by_id=current_user.id)
        db.session.add(measure)
        db.session.flush()
        record("create", obj=measure)
        db.session.commit()
        flash(f"{measure.name} is added. Clinicians can now enter it on a client's record.", "success")
        return redirect(url_for("measures.practice"))
    measures = db.session.scalars(select(Measure).where(Measure.practice_id == current_user.practice_id)
                                  .order_by(Measure.active.desc(), Measure.name)).all()
    return render_template("measures/practice.html", form=form, measures=measures, built_in=list(BUILT_IN.values())
                           ), 422 if form.is_submitted() else 200


@bp.route("/measures/practice/<int:measure_id>/retire", methods=["POST"])
@requires("practice.manage")
def retire(measure_id: int):
    """Retired, never edited: stored answers keep the items they answered."""
    measure = practice_object_or_404(Measure, measure_id)
    if measure.active:
        measure.active = False
        record("change", obj=measure, detail="measure retired")
        db.session.commit()
        flash(f"{measure.name} is retired: no new entries; its scores stay on the records.", "success")
    return redirect(url_for("measures.practice"))
