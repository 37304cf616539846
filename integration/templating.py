"""Jinja filters and globals shared by every template."""
from flask import Flask
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
