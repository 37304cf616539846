"""Jinja filters and globals shared by every template."""
from datetime import date, time

from flask import Flask, session

from . import undo
from .clock import DAY_FORMAT, TIME_FORMAT, to_local, viewer_tz
from .permissions import (can, can_open_series, insight_view, may, may_mark_sensitive, may_read_item, may_read_note,
                          may_write_item, may_write_note, reader_of)
from .wording import counted


def register(app: Flask) -> None:
    @app.template_filter("local")
    def local_time(moment, fmt: str = f"{DAY_FORMAT} {TIME_FORMAT}"):
        """A stored UTC time shown in the viewer's time zone (their own, else the practice's)."""
        local = to_local(moment, viewer_tz())
        return local.strftime(fmt) if local else ""

    @app.context_processor
    def zones():
        # ZONED: a date and time with its zone's abbreviation, where the zone matters (sessions, circles).
        return {"ZONED": "%b %-d, %Y %-I:%M %p %Z", "viewer_zone": lambda: viewer_tz().replace("_", " ")}

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

    app.add_template_filter(counted)

    @app.template_test("readable_note")
    def readable_note(note, client) -> bool:
        return may_read_note(note, client)

    @app.context_processor
    def helpers():
        return {"client_tabs": client_tabs, "can": can, "can_open_series": can_open_series, "may": may,
                "reader_of": reader_of, "may_read_note": may_read_note, "may_write_note": may_write_note,
                "may_read_item": may_read_item, "may_write_item": may_write_item,
                "may_mark_sensitive": may_mark_sensitive, "insight_view": insight_view,
                "keeps_local_copies": keeps_local_copies, "take_undo": undo.take}


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


# The tabs of a client's record: (endpoint, label, the kinds of content it shows: any one opens it).
CLIENT_TABS = (
    ("clients.show", "Overview", ("details",)),
    ("notes.index", "Sessions & notes", ("sessions", "notes.clinical", "notes.coaching", "notes.process")),
    ("insights.index", "Insights", ("insights", "insights.shared")),
    ("clients.goals", "Goals", ("goals", "goals.sensitive")),
    ("clients.history", "History", ("history", "history.sensitive")),
    ("measures.index", "Measures", ("measures", "measures.scores")),
    ("safetyplans.show", "Safety plan", ("safety_plan",)),
    ("groups.client_attendance", "Group circles", ("circles",)),
    ("plans.index", "Plans", ("plans",)),
    ("checkins.index", "Check-ins", ("checkins",)),
)


def client_tabs(client) -> list[tuple[str, str]]:
    """The record's tabs this reader may open: (endpoint, label)."""
    tabs = []
    for endpoint, label, kinds in CLIENT_TABS:
        if any(may("read", kind, client) for kind in kinds):
            if endpoint == "notes.index" and not may("read", "sessions", client):
                label = "Notes"
            tabs.append((endpoint, label))
    return tabs

