"""Time in one place: stored times are naive UTC; what people see is in their own zone (a member's
own, else their practice's); plan dates and the integration window count days in the practice's zone."""
from datetime import date, datetime, time, timezone
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from flask_login import current_user

# How dates and times read on every page (templating.py's `day`, `clock` and `local` filters).
DAY_FORMAT = "%b %-d, %Y"  # Nov 28, 2026
TIME_FORMAT = "%-I:%M %p"  # 3:00 PM

WEEKDAYS = {0: "Monday", 1: "Tuesday", 2: "Wednesday", 3: "Thursday", 4: "Friday", 5: "Saturday", 6: "Sunday"}
WEEKDAY_ABBREVIATIONS = tuple(name[:3] for name in WEEKDAYS.values())


def utcnow() -> datetime:
    """Now, as naive UTC (the form every stored timestamp takes, on SQLite and PostgreSQL)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


# A new practice's zone until its admin chooses (setup asks).
DEFAULT_ZONE = "America/New_York"
# Offered first in every time zone choice (the practices this is made for); then every IANA zone.
COMMON_ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
                "America/Anchorage", "Pacific/Honolulu", "America/Toronto", "America/Vancouver", "Europe/London",
                "Europe/Dublin", "Europe/Berlin", "Australia/Sydney", "Pacific/Auckland", "UTC")


# Old aliases (US/Eastern, Etc/GMT+5, ...) still work as stored values but are not offered.
LEGACY_PREFIXES = ("Etc/", "US/", "Canada/", "Brazil/", "Mexico/", "Chile/", "SystemV/")


@cache
def all_zones() -> frozenset[str]:
    """Every IANA zone this machine knows (zoneinfo; the tzdata package where the system has none)."""
    return frozenset(available_timezones())


def is_zone(name: str) -> bool:
    return name in all_zones()


def zone_choices(blank: str | None = None) -> list[tuple[str, str]]:
    """(value, label) for a select: the common zones first, then the rest alphabetically;
    with `blank`, a first choice "" labelled with it (a member's "same as the practice")."""
    common = [zone for zone in COMMON_ZONES if is_zone(zone)]
    rest = sorted(zone for zone in all_zones() - set(common)
                  if "/" in zone and not zone.startswith(LEGACY_PREFIXES))
    choices = [(zone, zone.replace("_", " ")) for zone in common + rest]
    return ([("", blank)] if blank is not None else []) + choices


def tz_of(user) -> str:
    """The zone this member reads and types times in: their own if set, else their practice's."""
    own = getattr(user, "timezone", "") or ""
    return own if is_zone(own) else user.practice.timezone


def viewer_tz() -> str:
    """The time zone the signed-in person reads and types times in (tz_of), UTC when nobody is signed in."""
    return tz_of(current_user) if current_user.is_authenticated else "UTC"


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
