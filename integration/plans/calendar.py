"""When a plan's practices happen, and the .ics calendar file the client can import.

The calendar holds only what the PDF shows: practice titles and instructions in the
client's words, on their scheduled days and times. No names, no clinical text. Its events are
part of the plan document (build_document), so the PDF and the calendar delivered with it are
made from one read of the plan.
"""
from __future__ import annotations

import calendar as _months
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vRecur

from .document import CalendarEvent
from .models import PlanItem

# The clock time a calendar event gets for each time of day comes from the practice's settings
# (plans/safety.py clock_time); "any time" is an all-day event.
EVENT_MINUTES = 30
CIRCLE_MINUTES = 90
APPOINTMENT_MINUTES = 50
# Reminders, when the plan has them: shortly before a practice, an hour before an appointment or circle.
PRACTICE_ALARM = 10
APPOINTMENT_ALARM = 60
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


def _practice_event(item: PlanItem, day: date, zone: ZoneInfo, uid: str, clock: time | None,
                    alarm: int | None) -> CalendarEvent:
    if clock is None:
        return CalendarEvent(uid, item.title, item.instructions or "", day, day + timedelta(days=1))
    begins = datetime.combine(day, clock, tzinfo=zone)
    return CalendarEvent(uid, item.title, item.instructions or "", begins, begins + timedelta(minutes=EVENT_MINUTES),
                         alarm_minutes=alarm)


@dataclass
class CalendarInput:
    """What a plan's calendar is made of besides its items: all of it already meant for the client."""

    plan_id: int
    start: date  # day 0 of the schedule (moved to the day the plan is given when it was shifted)
    window_days: int
    timezone: str
    from_day: date  # no event before this day: the day the plan is given
    clock: Callable[[str], time | None]  # the practice's clock time for a time of day
    circles: dict = field(default_factory=dict)  # item id -> sessions (id, starts_at naive UTC, theme)
    where: dict = field(default_factory=dict)  # item id -> the circle's place or video link
    appointments: list = field(default_factory=list)  # (date, time or None, what)
    reminders: bool = False


def calendar_events(items: list[PlanItem], given: CalendarInput) -> list[CalendarEvent]:
    """A plan's calendar, exactly the plan's dated things: each practice on its days, weekly practices as
    repeating events, the appointments, and the next sessions of any circle an item points to (with its
    place or video link, never who attends). Nothing before the day the plan is given.

    Items need only their id and the practice fields (title, instructions, schedule, time of day).
    """
    zone = ZoneInfo(given.timezone)
    practice_alarm = PRACTICE_ALARM if given.reminders else None
    events = []
    for item in items:
        clock = given.clock(item.time_of_day or "")
        for day in item_dates(item, given.start, given.window_days):
            if day >= given.from_day:
                events.append(_practice_event(item, day, zone, f"plan{given.plan_id}-item{item.id}-{day:%Y%m%d}@{DOMAIN}",
                                              clock, practice_alarm))
        weekdays = _weekly_days(item)
        if item.schedule_kind in ("weekdays", "weekly") and weekdays:
            first = max(given.start, given.from_day)
            while first.weekday() not in weekdays:
                first += timedelta(days=1)
            until = given.start + timedelta(weeks=ONGOING_WEEKS)
            if clock is not None:  # RFC 5545: a timed series ends at a UTC moment
                until = datetime.combine(until, time(23, 59), tzinfo=zone).astimezone(UTC)
            event = _practice_event(item, first, zone, f"plan{given.plan_id}-item{item.id}-weekly@{DOMAIN}",
                                    clock, practice_alarm)
            events.append(replace(event, weekly_on=tuple(weekdays), until=until))
    events += _appointment_events(given, zone)
    for item in items:
        for session in given.circles.get(item.id, []):
            begins = session.starts_at.replace(tzinfo=UTC)
            where = given.where.get(item.id, "")
            description = "\n".join(part for part in (session.theme or "", where) if part)
            events.append(CalendarEvent(f"plan{given.plan_id}-item{item.id}-circle{session.id}@{DOMAIN}", item.title,
                                        description, begins, begins + timedelta(minutes=CIRCLE_MINUTES),
                                        location=where, alarm_minutes=APPOINTMENT_ALARM if given.reminders else None))
    return events


def _appointment_events(given: CalendarInput, zone: ZoneInfo) -> list[CalendarEvent]:
    """The plan's appointments, as printed on it: timed when they have a time, else all day."""
    events = []
    for index, (on, at, what) in enumerate(given.appointments):
        if on < given.from_day:
            continue
        uid = f"plan{given.plan_id}-appointment{index}-{on:%Y%m%d}@{DOMAIN}"
        if at is None:
            events.append(CalendarEvent(uid, what, "", on, on + timedelta(days=1)))
            continue
        begins = datetime.combine(on, at, tzinfo=zone)
        events.append(CalendarEvent(uid, what, "", begins, begins + timedelta(minutes=APPOINTMENT_MINUTES),
                                    alarm_minutes=APPOINTMENT_ALARM if given.reminders else None))
    return events


def _alarm(entry: CalendarEvent) -> Alarm:
    """A gentle display reminder before the event (the title only: a phone's lock screen shows it)."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", entry.summary)
    alarm.add("trigger", timedelta(minutes=-entry.alarm_minutes))
    return alarm


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
        if entry.location:
            event.add("location", entry.location)
        if entry.weekly_on:
            event.add("rrule", vRecur(freq="weekly", byday=[ICAL_DAYS[d] for d in entry.weekly_on],
                                      until=entry.until))
        if entry.alarm_minutes is not None:
            event.add_component(_alarm(entry))
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


# --- as of migration 0007 ---------------------------------------------------------------------

LEGACY_CLOCK_TIMES = {
    "morning": time(8, 0),
    "midday": time(12, 30),
    "afternoon": time(15, 0),
    "evening": time(19, 0),
    "bedtime": time(21, 30),
}


def _legacy_event(item: PlanItem, day: date, zone: ZoneInfo, uid: str) -> CalendarEvent:
    clock = LEGACY_CLOCK_TIMES.get(item.time_of_day or "")
    if clock is None:
        return CalendarEvent(uid, item.title, item.instructions or "", day, day + timedelta(days=1))
    begins = datetime.combine(day, clock, tzinfo=zone)
    return CalendarEvent(uid, item.title, item.instructions or "", begins, begins + timedelta(minutes=EVENT_MINUTES))


def legacy_calendar_events(items: list[PlanItem], *, plan_id: int, start: date, window_days: int,
                           timezone: str, circles: dict | None = None) -> list[CalendarEvent]:
    """Frozen: the calendar as the app made it before migration 0010 (fixed clock times, every date
    from the start, no appointments or reminders). Migration 0007 stores exactly this for versions
    delivered before calendars were kept, so it must not change with the app.

    A plan's calendar: one event per scheduled day, weekly practices as repeating events, and the
    next sessions of any group circle an item points to (`circles`: item id -> sessions, each with
    an id, `starts_at` in naive UTC and a theme). Never who attends.

    Items need only their id and the practice fields (title, instructions, schedule, time of day).
    """
    zone = ZoneInfo(timezone)
    events = []
    for item in items:
        for day in item_dates(item, start, window_days):
            events.append(_legacy_event(item, day, zone, f"plan{plan_id}-item{item.id}-{day:%Y%m%d}@{DOMAIN}"))
        weekdays = _weekly_days(item)
        if item.schedule_kind in ("weekdays", "weekly") and weekdays:
            first = start
            while first.weekday() not in weekdays:
                first += timedelta(days=1)
            until = start + timedelta(weeks=ONGOING_WEEKS)
            if item.time_of_day in LEGACY_CLOCK_TIMES:  # RFC 5545: a timed series ends at a UTC moment
                until = datetime.combine(until, time(23, 59), tzinfo=zone).astimezone(UTC)
            event = _legacy_event(item, first, zone, f"plan{plan_id}-item{item.id}-weekly@{DOMAIN}")
            events.append(replace(event, weekly_on=tuple(weekdays), until=until))
    for item in items:
        for session in (circles or {}).get(item.id, []):
            begins = session.starts_at.replace(tzinfo=UTC)
            events.append(CalendarEvent(f"plan{plan_id}-item{item.id}-circle{session.id}@{DOMAIN}", item.title,
                                        session.theme or "", begins, begins + timedelta(minutes=CIRCLE_MINUTES)))
    return events
