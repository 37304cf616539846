"""Jinja filters and globals shared by every template."""
from flask import Flask, session

from .clock import to_local, viewer_tz
from .permissions import (can, can_open_series, insight_view, may, may_mark_sensitive, may_read_item, may_read_note,
                          may_write_item, may_write_note, reader_of)


def register(app: Flask) -> None:
    @app.template_filter("local")
    def local_time(moment, fmt: str = "%b %-d, %Y %-I:%M %p"):
        """A stored UTC time shown in the practice's time zone."""
        local = to_local(moment, viewer_tz())
        return local.strftime(fmt) if local else ""

    @app.template_filter("day")
    def day(value, fmt: str = "%b %-d, %Y"):
        return value.strftime(fmt) if value else ""

    @app.template_test("readable_note")
    def readable_note(note, client) -> bool:
        return may_read_note(note, client)

    @app.context_processor
    def helpers():
        return {"client_tabs": client_tabs, "can": can, "can_open_series": can_open_series, "may": may,
                "reader_of": reader_of, "may_read_note": may_read_note, "may_write_note": may_write_note,
                "may_read_item": may_read_item, "may_write_item": may_write_item,
                "may_mark_sensitive": may_mark_sensitive, "insight_view": insight_view,
                "keeps_local_copies": keeps_local_copies}


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
    ("groups.client_attendance", "Group circles", ("circles",)),
    ("plans.index", "Plans", ("plans",)),
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

