"""Time in one place: stored times are naive UTC; what people see is in the practice's zone."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask_login import current_user

# How dates and times read on every page (templating.py's `day`, `clock` and `local` filters).
DAY_FORMAT = "%b %-d, %Y"  # Nov 28, 2026
TIME_FORMAT = "%-I:%M %p"  # 3:00 PM

WEEKDAYS = {0: "Monday", 1: "Tuesday", 2: "Wednesday", 3: "Thursday", 4: "Friday", 5: "Saturday", 6: "Sunday"}
WEEKDAY_ABBREVIATIONS = tuple(name[:3] for name in WEEKDAYS.values())


def utcnow() -> datetime:
    """Now, as naive UTC (the form every stored timestamp takes, on SQLite and PostgreSQL)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def viewer_tz() -> str:
    """The time zone the signed-in person reads and types times in: their practice's."""
    return current_user.practice.timezone if current_user.is_authenticated else "UTC"


def local_today(tz_name: str) -> date:
    """Today's date where the practice is."""
    return datetime.now(ZoneInfo(tz_name)).date()


def to_local(moment: datetime | None, tz_name: str) -> datetime | None:
    """A stored naive-UTC time shown in the practice's zone."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz_name))


def local_day(moment: datetime, tz_name: str) -> date:
    """The day a stored naive-UTC moment fell on, where the practice is."""
    return to_local(moment, tz_name).date()


def from_local(day: date, at: time, tz_name: str) -> datetime:
    """A date and time as typed in the practice's zone, as naive UTC for storage."""
    local = datetime.combine(day, at).replace(tzinfo=ZoneInfo(tz_name))
    return local.astimezone(timezone.utc).replace(tzinfo=None)
