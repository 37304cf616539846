"""Writing through the private link: the check-in code (a second factor beside the link's token), what is
due today, and saving a check-in or a measure as the client's own.

The link stays a bearer token for reading the plan. Writing also needs the six-digit code the practitioner
gives the client (on the page they print, or by phone). Only an HMAC of the code is stored. Wrong codes
are counted per link in the app's rate-limit storage (shared by every worker): after CODE_RATE wrong
codes the link takes no code until the window passes. Callers commit.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

import segno
from flask import current_app, session
from limits import parse
from sqlalchemy import func, select

from ..audit.log import record
from ..auth.models import Practice
from ..clock import local_today
from ..extensions import db, limiter
from ..measures import alerts as alert_rules
from ..measures.due import is_due
from ..measures.instruments import Definition, definition_for, score
from ..measures.models import Measure, MeasureResponse, MeasureSchedule
from ..plans.models import PlanExport, PlanItem, ShareLink
from .models import ClientCheckIn

CODE_DIGITS = 6
WEEKLY_AFTER_WINDOW = 7  # after the integration window, one check-in every this many days
SESSION_KEY = "checkin_links"


# --- the code -----------------------------------------------------------------------------------

def _code_hash(link_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{link_id}:{code}".encode(), hashlib.sha256).hexdigest()


def issue_code(link: ShareLink) -> str:
    """A new six-digit code for this link; returned once, only its HMAC kept."""
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    link.code_hash = _code_hash(link.id, code)
    return code


def link_qr(url: str) -> str:
    """The link as a QR code, drawn here (segno) as an SVG data: URI: nothing is fetched from anywhere."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def _rate():
    return parse(current_app.config["CHECKIN_CODE_RATE"])


def code_paused(link: ShareLink) -> bool:
    """Too many wrong codes for this link lately."""
    return not limiter.limiter.test(_rate(), "checkin-code", str(link.id))


def check_code(link: ShareLink, typed: str) -> str:
    """"ok" (and this browser may write through the link until its session ends), "wrong" or "paused"."""
    if link.code_hash is None or code_paused(link):
        return "paused" if link.code_hash is not None else "wrong"
    typed = "".join(ch for ch in (typed or "") if ch.isdigit())[:CODE_DIGITS]
    if len(typed) == CODE_DIGITS and hmac.compare_digest(_code_hash(link.id, typed), link.code_hash):
        session[SESSION_KEY] = sorted(set(session.get(SESSION_KEY, [])) | {link.id})[-5:]
        return "ok"
    limiter.limiter.hit(_rate(), "checkin-code", str(link.id))
    record("checkin-code-wrong", obj=link, client=link.export.plan.client,
           practice_id=link.export.plan.client.practice_id)
    return "paused" if code_paused(link) else "wrong"


def unlocked(link: ShareLink) -> bool:
    return link.id in session.get(SESSION_KEY, [])


# --- what the page offers today -------------------------------------------------------------------

@dataclass
class Today:
    """Whether the client may check in today through this link, and why not."""

    day: date
    state: str  # "open", "done" (checked in today), "later" (weekly: next on `next_on`), "superseded", "no_code"
    in_window: bool
    next_on: date | None = None
    practices: list[str] = field(default_factory=list)  # today's practices from their own plan
    past: list[ClientCheckIn] = field(default_factory=list)  # their own check-ins through this link
    measures: list[Definition] = field(default_factory=list)  # measures the practitioner asked for


def _todays_practices(items: list[PlanItem], start: date, today: date) -> list[str]:
    day = (today - start).days
    titles = []
    for item in items:
        values = item.schedule_values or []
        if ((item.schedule_kind == "days" and day in values)
                or (item.schedule_kind in ("weekdays", "weekly") and today.weekday() in values)
                or item.schedule_kind == "as_needed"):
            titles.append(item.title)
    return titles


def _newer_export(export: PlanExport) -> bool:
    return db.session.scalar(select(func.count(PlanExport.id)).where(
        PlanExport.client_id == export.client_id, PlanExport.id > export.id)) > 0


def requested_measures(client, today: date, practice_id: int) -> list[Definition]:
    """Measures the practitioner scheduled that are due today (before-session ones count from a week ahead)."""
    schedules = db.session.scalars(select(MeasureSchedule).where(
        MeasureSchedule.client_id == client.id, MeasureSchedule.active.is_(True)).order_by(MeasureSchedule.id)).all()
    if not schedules:
        return []
    measures = {m.key: m for m in db.session.scalars(select(Measure).where(Measure.practice_id == practice_id))}
    found = []
    for schedule in schedules:
        last = db.session.scalar(select(func.max(MeasureResponse.taken_on)).where(
            MeasureResponse.client_id == client.id, MeasureResponse.measure_key == schedule.measure_key))
        if last == today:
            continue
        definition = definition_for(schedule.measure_key, measures)
        # Before-session measures are taken at the clinic (no session date here): weekly and monthly ones only.
        if definition is not None and is_due(schedule.cadence, today, last, None) and definition not in found:
            found.append(definition)
    return found


def today_for(link: ShareLink) -> Today:
    """What the page offers today: the schedule follows the plan (daily in the window, weekly after)."""
    plan = link.export.plan
    practice = db.session.get(Practice, plan.client.practice_id)
    today = local_today(practice.timezone)
    last_window_day = plan.start_date + timedelta(days=practice.integration_window_days)
    in_window = plan.start_date <= today <= last_window_day
    past = db.session.scalars(select(ClientCheckIn).where(ClientCheckIn.share_link_id == link.id)
                              .order_by(ClientCheckIn.checked_on.desc()).limit(14)).all()
    result = Today(today, "open", in_window, past=list(past),
                   practices=_todays_practices(plan.items, plan.start_date, today))
    if _newer_export(link.export):
        result.state = "superseded"
    elif link.code_hash is None:
        result.state = "no_code"
    elif past and past[0].checked_on == today:
        result.state = "done"
    elif not in_window and today > last_window_day and past and past[0].checked_on > last_window_day:
        next_on = past[0].checked_on + timedelta(days=WEEKLY_AFTER_WINDOW)
        if today < next_on:
            result.state, result.next_on = "later", next_on
    if result.state not in ("superseded", "no_code"):
        result.measures = requested_measures(plan.client, today, practice.id)
    return result


# --- saving, as the client's own -----------------------------------------------------------------

def save_checkin(link: ShareLink, today: Today, *, mood: int, sleep: str, practices: list[str], stayed_with: str,
                 reach_out: bool, reach_when: str) -> ClientCheckIn:
    client = link.export.plan.client
    checkin = ClientCheckIn(client_id=client.id, share_link_id=link.id, checked_on=today.day, mood=mood, sleep=sleep,
                            practices=[p for p in today.practices if p in practices], stayed_with=stayed_with,
                            reach_out=reach_out, reach_when=reach_when if reach_out else "")
    db.session.add(checkin)
    db.session.flush()
    record("client-checkin", obj=checkin, client=client, practice_id=client.practice_id,
           detail=f"through private link {link.id}" + ("; asks to be reached" if reach_out else ""))
    return checkin


def save_measure(link: ShareLink, today: Today, definition: Definition, answers: list[int],
                 difficulty: str) -> tuple[MeasureResponse, list]:
    """The client's answers, scored as the measures area scores them, and the alerts they raise."""
    client = link.export.plan.client
    total = score(definition, answers)
    band = definition.band_of(total)
    response = MeasureResponse(client_id=client.id, measure_key=definition.key, measure_id=definition.measure_id,
                               taken_on=today.day, answers=answers,
                               difficulty=difficulty if definition.difficulty else "", total=total,
                               band=band.label if band else "", entered_by_id=None, share_link_id=link.id)
    db.session.add(response)
    db.session.flush()
    raised = alert_rules.raise_for_response(response, definition)
    record("client-measure", obj=response, client=client, practice_id=client.practice_id,
           detail=f"{definition.name} through private link {link.id}")
    return response, raised
