"""The check-ins' part of the record and the worklist: client-reported entries on the timeline, "reach out"
requests until someone takes them up, and clients quiet for two days of an open window. Connected by connect().

Coaches read mood, sleep and practices done (`checkins`); the client's own line and their requests to be
reached are for clinicians (`checkins.words`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from .. import signals
from ..clients.models import Client
from ..clients.record import Entry
from ..extensions import db
from ..permissions import among, may
from ..plans.models import Plan
from ..worklist import WorkItem, clients_reading
from .models import ClientCheckIn

QUIET_DAYS = 2


def connect() -> None:
    signals.timeline.connect(checkin_entries)
    signals.worklist.connect(reach_out_requests)
    signals.worklist.connect(quiet_clients)


def _url(client_id: int, entry_id: int | None = None) -> str:
    return url_for("checkins.index", client_id=client_id, _anchor=f"entry-{entry_id}" if entry_id else None)


def checkin_entries(client: Client, *, tz_name: str, limit: int) -> list[Entry]:
    if not may("read", "checkins", client):
        return []
    words = may("read", "checkins.words", client)
    found = db.session.scalars(select(ClientCheckIn).where(ClientCheckIn.client_id == client.id)
                               .order_by(ClientCheckIn.checked_on.desc(), ClientCheckIn.id.desc()).limit(limit)).all()
    entries = []
    for c in found:
        done = f"; did {len(c.practices)} of the plan's practices" if c.practices else ""
        detail = (c.stayed_with if words else "")
        if words and c.reach_out:
            detail = f"Asks to be reached ({c.reach_when_label.lower()}). " + detail
        entries.append(Entry("client", "Client check-in", c.checked_on, c.created_at,
                             f"Mood {c.mood} of 10, slept {c.sleep_label.lower()}{done}", detail.strip(),
                             badge="Client-reported", url=_url(client.id, c.id)))
    return entries


def reach_out_requests(user, *, scopes, today: date) -> list[WorkItem]:
    found = db.session.scalars(
        select(ClientCheckIn).join(ClientCheckIn.client)
        .where(ClientCheckIn.reach_out.is_(True), ClientCheckIn.acknowledged_at.is_(None),
               among(ClientCheckIn.client_id, clients_reading(scopes, "checkins.words")))
        .options(contains_eager(ClientCheckIn.client)).order_by(ClientCheckIn.created_at)).all()
    return [WorkItem("reach_out", c.client_id, c.client.full_name, f"Asked to be reached: {c.reach_when_label.lower()}",
                     f"In their check-in of {c.checked_on:%b %-d}. Mark it taken up once you have.",
                     _url(c.client_id, c.id), c.checked_on) for c in found]


def _open_windows(ids, today: date, window_days: int) -> dict[int, tuple[Plan, str]]:
    """The newest finalized plan of each client whose window (start .. start + window_days) is open today."""
    plans = db.session.execute(
        select(Plan, Client.first_name, Client.last_name).join(Client, Client.id == Plan.client_id)
        .where(among(Plan.client_id, ids), Plan.status == "finalized",
               Plan.start_date <= today, Plan.start_date >= today - timedelta(days=window_days))
        .order_by(Plan.id)).all()
    return {plan.client_id: (plan, f"{first} {last}") for plan, first, last in plans}


def quiet_clients(user, *, scopes, today: date) -> list[WorkItem]:
    """Clients in an open window with no check-in for the last two days (the window's first two days excepted)."""
    windows = _open_windows(clients_reading(scopes, "checkins"), today, user.practice.integration_window_days)
    if not windows:
        return []
    last = dict(db.session.execute(
        select(ClientCheckIn.client_id, func.max(ClientCheckIn.checked_on))
        .where(ClientCheckIn.client_id.in_(set(windows))).group_by(ClientCheckIn.client_id)).all())
    items = []
    for client_id, (plan, name) in windows.items():
        since = max(plan.start_date, last.get(client_id) or plan.start_date)
        if (today - since).days >= QUIET_DAYS:
            items.append(WorkItem("quiet", client_id, name, "No check-in for two days",
                                  f"Plan started {plan.start_date:%b %-d}; "
                                  + (f"last check-in {last[client_id]:%b %-d}." if client_id in last
                                     else "no check-in yet."),
                                  _url(client_id), since))
    return items


@dataclass
class StripDay:
    day: date
    number: int  # day 0 is the session day
    checkin: ClientCheckIn | None


def window_strip(client: Client, practice, today: date) -> list[StripDay]:
    """The current (or latest) window's days with the client's check-in of each, for the strip at a glance."""
    plan = db.session.scalar(select(Plan).where(Plan.client_id == client.id, Plan.status == "finalized",
                                                Plan.start_date <= today).order_by(Plan.start_date.desc(),
                                                                                   Plan.id.desc()).limit(1))
    if plan is None:
        return []
    days = [plan.start_date + timedelta(days=n) for n in range(practice.integration_window_days + 1)]
    found = {c.checked_on: c for c in db.session.scalars(select(ClientCheckIn).where(
        ClientCheckIn.client_id == client.id, ClientCheckIn.checked_on.in_(days)))}
    return [StripDay(day, n, found.get(day)) for n, day in enumerate(days)]
