"""When a plan's practices happen, and the .ics calendar file the client can import.

The calendar holds only what the PDF shows: practice titles and instructions in the
client's words, on their scheduled days and times. No names, no clinical text.
"""
from __future__ import annotations

import calendar as _months
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from .models import Plan, PlanItem

# The clock time a calendar event gets for each time of day; "any time" is an all-day event.
CLOCK_TIMES = {
    "morning": time(8, 0),
    "midday": time(12, 30),
    "afternoon": time(15, 0),
    "evening": time(19, 0),
    "bedtime": time(21, 30),
}
EVENT_MINUTES = 30
CIRCLE_MINUTES = 90
# Weekly practices are put in the calendar for this long after the start.
ONGOING_WEEKS = 12
ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _months.monthrange(year, month)[1]))


def checkpoint_date(start: date, key: str) -> date:
    return {
        "1w": lambda: start + timedelta(weeks=1),
        "2w": lambda: start + timedelta(weeks=2),
        "1m": lambda: add_months(start, 1),
        "3m": lambda: add_months(start, 3),
    }[key]()


def item_dates(item: PlanItem, start: date, window_days: int) -> list[date]:
    """The dates of an item scheduled on days after the session or at check-in points."""
    values = item.schedule_values or []
    if item.schedule_kind == "days":
        return [start + timedelta(days=d) for d in sorted(set(values)) if 0 <= d <= window_days]
    if item.schedule_kind == "checkpoints":
        return sorted(checkpoint_date(start, key) for key in set(values) if key in ("1w", "2w", "1m", "3m"))
    return []


def _weekly_days(item: PlanItem) -> list[int]:
    values = item.schedule_values or []
    if item.schedule_kind == "weekly":
        values = values[:1]
    return sorted({d for d in values if isinstance(d, int) and 0 <= d <= 6})


def _event(item: PlanItem, day: date, zone: ZoneInfo, uid: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", item.title)
    if item.instructions:
        event.add("description", item.instructions)
    clock = CLOCK_TIMES.get(item.time_of_day or "")
    if clock is None:
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    else:
        begins = datetime.combine(day, clock, tzinfo=zone)
        event.add("dtstart", begins)
        event.add("dtend", begins + timedelta(minutes=EVENT_MINUTES))
    return event


def _circle_event(item: PlanItem, session, uid: str) -> Event:
    """A group circle session: the item's title, the session's theme. Never who attends."""
    event = Event()
    event.add("uid", uid)
    event.add("summary", item.title)
    if session.theme:
        event.add("description", session.theme)
    begins = session.starts_at.replace(tzinfo=ZoneInfo("UTC"))
    event.add("dtstart", begins)
    event.add("dtend", begins + timedelta(minutes=CIRCLE_MINUTES))
    return event


def plan_calendar(plan: Plan, *, timezone: str, window_days: int, stamp: datetime,
                  circles: dict | None = None) -> bytes:
    """The .ics file for a plan: one event per scheduled day, weekly practices as repeating events,
    and the next sessions of any group circle an item points to (`circles`: item id -> sessions)."""
    zone = ZoneInfo(timezone)
    cal = Calendar()
    cal.add("prodid", "-//integration//integration plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "My integration plan")
    domain = "integration.invalid"
    for item in plan.items:
        for day in item_dates(item, plan.start_date, window_days):
            event = _event(item, day, zone, f"plan{plan.id}-item{item.id}-{day:%Y%m%d}@{domain}")
            event.add("dtstamp", stamp)
            cal.add_component(event)
        weekdays = _weekly_days(item)
        if item.schedule_kind in ("weekdays", "weekly") and weekdays:
            first = plan.start_date
            while first.weekday() not in weekdays:
                first += timedelta(days=1)
            event = _event(item, first, zone, f"plan{plan.id}-item{item.id}-weekly@{domain}")
            event.add("dtstamp", stamp)
            until = plan.start_date + timedelta(weeks=ONGOING_WEEKS)
            if item.time_of_day in CLOCK_TIMES:  # RFC 5545: a timed series ends at a UTC moment
                until = datetime.combine(until, time(23, 59), tzinfo=zone).astimezone(ZoneInfo("UTC"))
            event.add("rrule", vRecur(freq="weekly", byday=[ICAL_DAYS[d] for d in weekdays], until=until))
            cal.add_component(event)
    for item in plan.items:
        for session in (circles or {}).get(item.id, []):
            event = _circle_event(item, session, f"plan{plan.id}-item{item.id}-circle{session.id}@{domain}")
            event.add("dtstamp", stamp)
            cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
