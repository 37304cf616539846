"""Jinja filters and globals shared by every template."""
from datetime import date, time

from flask import Flask, session

from .clock import DAY_FORMAT, TIME_FORMAT, to_local, viewer_tz
from .permissions import can, can_open_series


def register(app: Flask) -> None:
    @app.template_filter("local")
    def local_time(moment, fmt: str = f"{DAY_FORMAT} {TIME_FORMAT}"):
        """A stored UTC time shown in the practice's time zone."""
        local = to_local(moment, viewer_tz())
        return local.strftime(fmt) if local else ""

    @app.template_filter("day")
    def day(value, fmt: str = DAY_FORMAT):
        """A date (or a date kept as ISO text, as plan appointments are): "Nov 28, 2026"."""
        if isinstance(value, str):
            value = _parsed(date.fromisoformat, value)
        return value.strftime(fmt) if value else ""

    @app.template_filter("clock")
    def clock(value, fmt: str = TIME_FORMAT):
        """A time of day (or one kept as "15:00" text): "3:00 PM"."""
        if isinstance(value, str):
            value = _parsed(time.fromisoformat, value)
        return value.strftime(fmt) if value else ""

    @app.context_processor
    def helpers():
        return {"client_tabs": CLIENT_TABS, "can": can, "can_open_series": can_open_series,
                "keeps_local_copies": keeps_local_copies}


def _parsed(parse, text: str):
    """ISO text as a date or time; None when empty or not one (shown as nothing, never a 500)."""
    try:
        return parse(text) if text else None
    except ValueError:
        return None


def keeps_local_copies() -> bool:
    """Whether the note editor may keep unsaved text in this browser: not when the person said
    at sign-in that this is a shared computer. (A function: some pages name a dosing session
    `session`, hiding Flask's.)"""
    return not session.get("shared_computer")


# The tabs of a client's record: (endpoint, label).
CLIENT_TABS = (
    ("clients.show", "Overview"),
    ("notes.index", "Sessions & notes"),
    ("insights.index", "Insights"),
    ("clients.goals", "Goals"),
    ("clients.history", "History"),
    ("groups.client_attendance", "Group circles"),
    ("plans.index", "Plans"),
)

