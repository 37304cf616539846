"""The measures area's part of the record and the worklist: open alerts and measures due under "needs
attention" and on the worklist, scores on the timeline, and the alert a debrief signed with "follow-up
needed" raises. Connected by connect().

Alerts and what is due are for readers of `measures` (clinicians; break-glass reads them); a coach's
timeline shows totals only (`measures.scores`), never items or alerts."""
from __future__ import annotations

from datetime import date, timedelta

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from .. import signals
from ..clients.models import Client
from ..clients.record import Attention, Entry
from ..clock import local_day, utcnow
from ..extensions import db
from ..notes.models import DosingSession
from ..permissions import among, may, reader_of
from ..worklist import WorkItem, clients_reading
from . import alerts as alert_rules
from .due import is_due
from .instruments import definition_for
from .models import Measure, MeasureAlert, MeasureResponse, MeasureSchedule


def connect() -> None:
    signals.attention.connect(attention)
    signals.timeline.connect(score_entries)
    signals.worklist.connect(open_alerts)
    signals.worklist.connect(measures_due)
    signals.note_signed.connect(follow_up_alert)


def follow_up_alert(note) -> None:
    alert_rules.raise_for_signed_note(note)


def measures_url(client_id: int, anchor: str | None = None) -> str:
    return url_for("measures.index", client_id=client_id, _anchor=anchor)


def practice_measures(practice_id: int) -> dict[str, Measure]:
    """The practice's own measures by key, retired ones too (old scores still need their names)."""
    return {m.key: m for m in db.session.scalars(select(Measure).where(Measure.practice_id == practice_id))}


# --- the worklist (and, for one client, "needs attention") -------------------------------------------

def open_alerts(user, *, scopes, today: date) -> list[WorkItem]:
    found = db.session.scalars(
        select(MeasureAlert).join(MeasureAlert.client)
        .where(MeasureAlert.acknowledged_at.is_(None),
               among(MeasureAlert.client_id, clients_reading(scopes, "measures")))
        .options(contains_eager(MeasureAlert.client)).order_by(MeasureAlert.raised_at)).all()
    tz = user.practice.timezone
    return [WorkItem("alert", a.client_id, a.client.full_name, a.detail, "Acknowledge it with a note.",
                     measures_url(a.client_id, f"alert-{a.id}"), local_day(a.raised_at, tz)) for a in found]


def measures_due(user, *, scopes, today: date) -> list[WorkItem]:
    """Scheduled measures due today: three queries (schedules, latest scores, coming sessions) for all clients."""
    ids = clients_reading(scopes, "measures", levels=("write",))
    schedules = db.session.scalars(
        select(MeasureSchedule).where(MeasureSchedule.active.is_(True), among(MeasureSchedule.client_id, ids))
        .order_by(MeasureSchedule.id)).all()
    if not schedules:
        return []
    client_ids = {s.client_id for s in schedules}
    latest = dict(((row.client_id, row.measure_key), row.last) for row in db.session.execute(
        select(MeasureResponse.client_id, MeasureResponse.measure_key, func.max(MeasureResponse.taken_on).label("last"))
        .where(MeasureResponse.client_id.in_(client_ids))
        .group_by(MeasureResponse.client_id, MeasureResponse.measure_key)))
    tz = user.practice.timezone
    coming: dict[int, date] = {}
    names: dict[int, str] = {}
    for client_id, started_at in db.session.execute(
            select(DosingSession.client_id, DosingSession.started_at)
            .where(DosingSession.client_id.in_(client_ids), DosingSession.started_at >= utcnow() - timedelta(days=1))
            .order_by(DosingSession.started_at)):
        day = local_day(started_at, tz)
        if day >= today:
            coming.setdefault(client_id, day)
    for client_id, first, last in db.session.execute(
            select(Client.id, Client.first_name, Client.last_name).where(Client.id.in_(client_ids))):
        names[client_id] = f"{first} {last}"
    measures = practice_measures(user.practice_id)
    items = []
    for schedule in schedules:
        why = is_due(schedule.cadence, today, latest.get((schedule.client_id, schedule.measure_key)),
                     coming.get(schedule.client_id))
        definition = definition_for(schedule.measure_key, measures)
        if why and definition is not None:
            items.append(WorkItem("due", schedule.client_id, names[schedule.client_id], f"{definition.name} due",
                                  f"{schedule.cadence_label}: {why}.",
                                  url_for("measures.new", client_id=schedule.client_id, measure=schedule.measure_key),
                                  today))
    return items


def _one_client(client: Client):
    return [(reader_of(client), [client.id])]


def attention(client: Client, *, tz_name: str, today: date) -> list[Attention]:
    if not may("read", "measures", client):
        return []
    from flask_login import current_user

    user = current_user._get_current_object()
    found = [Attention("Alert", item.text, "Not acknowledged yet.", item.url)
             for item in open_alerts(user, scopes=_one_client(client), today=today)]
    found += [Attention("Due", item.text, item.detail, item.url, urgent=False)
              for item in measures_due(user, scopes=_one_client(client), today=today)]
    return found


# --- the timeline ---------------------------------------------------------------------------------

def score_entries(client: Client, *, tz_name: str, limit: int) -> list[Entry]:
    if not may("read", "measures.scores", client):
        return []
    responses = db.session.scalars(
        select(MeasureResponse).where(MeasureResponse.client_id == client.id)
        .order_by(MeasureResponse.taken_on.desc(), MeasureResponse.id.desc()).limit(limit)).all()
    measures = practice_measures(client.practice_id) if any(r.measure_id for r in responses) else {}
    entries = []
    for response in responses:
        definition = definition_for(response.measure_key, measures)
        name = definition.name if definition else response.measure_key
        entries.append(Entry("measure", "Measure", response.taken_on, response.created_at,
                             f"{name}: {response.total}" + (f" ({response.band.lower()})" if response.band else ""),
                             badge="Client-reported" if response.client_reported else "",
                             url=measures_url(client.id, f"measure-{response.measure_key}")))
    return entries
