"""When a plan's practices happen, and the .ics calendar file the client can import.

The calendar holds only what the PDF shows: practice titles and instructions in the
client's words, on their scheduled days and times. No names, no clinical text. Its events are
part of the plan document (build_document), so the PDF and the calendar delivered with it are
made from one read of the plan.
"""
from __future__ import annotations

import calendar as _months
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from .document import CalendarEvent
from .models import PlanItem

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
DOMAIN = "integration.invalid"  # of the events' UIDs: a name that never resolves (RFC 2606)


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


def _practice_event(item: PlanItem, day: date, zone: ZoneInfo, uid: str) -> CalendarEvent:
    clock = CLOCK_TIMES.get(item.time_of_day or "")
    if clock is None:
        return CalendarEvent(uid, item.title, item.instructions or "", day, day + timedelta(days=1))
    begins = datetime.combine(day, clock, tzinfo=zone)
    return CalendarEvent(uid, item.title, item.instructions or "", begins, begins + timedelta(minutes=EVENT_MINUTES))


def calendar_events(items: list[PlanItem], *, plan_id: int, start: date, window_days: int, timezone: str,
                    circles: dict | None = None) -> list[CalendarEvent]:
    """A plan's calendar: one event per scheduled day, weekly practices as repeating events, and the
    next sessions of any group circle an item points to (`circles`: item id -> sessions, each with
    an id, `starts_at` in naive UTC and a theme). Never who attends.

    Items need only their id and the practice fields (title, instructions, schedule, time of day).
    """
    zone = ZoneInfo(timezone)
    events = []
    for item in items:
        for day in item_dates(item, start, window_days):
            events.append(_practice_event(item, day, zone, f"plan{plan_id}-item{item.id}-{day:%Y%m%d}@{DOMAIN}"))
        weekdays = _weekly_days(item)
        if item.schedule_kind in ("weekdays", "weekly") and weekdays:
            first = start
            while first.weekday() not in weekdays:
                first += timedelta(days=1)
            until = start + timedelta(weeks=ONGOING_WEEKS)
            if item.time_of_day in CLOCK_TIMES:  # RFC 5545: a timed series ends at a UTC moment
                until = datetime.combine(until, time(23, 59), tzinfo=zone).astimezone(UTC)
            event = _practice_event(item, first, zone, f"plan{plan_id}-item{item.id}-weekly@{DOMAIN}")
            events.append(replace(event, weekly_on=tuple(weekdays), until=until))
    for item in items:
        for session in (circles or {}).get(item.id, []):
            begins = session.starts_at.replace(tzinfo=UTC)
            events.append(CalendarEvent(f"plan{plan_id}-item{item.id}-circle{session.id}@{DOMAIN}", item.title,
                                        session.theme or "", begins, begins + timedelta(minutes=CIRCLE_MINUTES)))
    return events


def ics_file(events: list[CalendarEvent], stamp: datetime) -> bytes:
    """The .ics file holding a plan document's events; `stamp` (naive UTC) is when it was issued."""
    cal = Calendar()
    cal.add("prodid", "-//integration//integration plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "My integration plan")
    for entry in events:
        event = Event()
        event.add("uid", entry.uid)
        event.add("summary", entry.summary)
        if entry.description:
            event.add("description", entry.description)
        event.add("dtstart", entry.start)
        event.add("dtend", entry.end)
        event.add("dtstamp", stamp.replace(tzinfo=UTC))
        if entry.weekly_on:
            event.add("rrule", vRecur(freq="weekly", byday=[ICAL_DAYS[d] for d in entry.weekly_on],
                                      until=entry.until))
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
