"""Jinja filters and globals shared by every template."""
from flask import Flask, current_app
from flask_login import current_user

from .clock import to_local


def register(app: Flask) -> None:
    @app.template_filter("local")
    def local_time(moment, fmt: str = "%b %-d, %Y %-I:%M %p"):
        """A stored UTC time shown in the practice's time zone."""
        tz_name = current_user.practice.timezone if current_user.is_authenticated else "UTC"
        local = to_local(moment, tz_name)
        return local.strftime(fmt) if local else ""

    @app.template_filter("day")
    def day(value, fmt: str = "%b %-d, %Y"):
        return value.strftime(fmt) if value else ""

    @app.context_processor
    def record_tabs():
        return {"client_tabs": client_tabs, "has_endpoint": has_endpoint}


# The tabs of a client's record: (endpoint, label). A tab shows once its page exists.
CLIENT_TABS = (
    ("clients.show", "Overview"),
    ("notes.index", "Sessions & notes"),
    ("notes.insights", "Insights"),
    ("clients.goals", "Goals"),
    ("clients.history", "History"),
    ("groups.client_attendance", "Group circles"),
    ("plans.index", "Plans"),
)


def has_endpoint(endpoint: str) -> bool:
    """Whether a page exists, so shared templates can link to areas as they arrive."""
    return endpoint in current_app.view_functions


def client_tabs() -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label in CLIENT_TABS if endpoint in current_app.view_functions]
