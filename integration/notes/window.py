"""The integration window: the first days after a dosing session, counted where the practice is.

Its length is a practice setting (Practice.integration_window_days, default 3: day 0 to day 3),
because sources differ; the product presents it as a clinical framing, not a promise.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from ..clock import local_day, local_today


@dataclass(frozen=True)
class IntegrationWindow:
    """Day 0 (the session's date, in the practice's zone) to day `length` after it."""

    first: date
    last: date
    today: date

    @property
    def length(self) -> int:
        return (self.last - self.first).days

    @property
    def is_open(self) -> bool:
        return self.first <= self.today <= self.last

    @property
    def day(self) -> int:
        """Days since the session; 0 on the session day."""
        return (self.today - self.first).days

    @property
    def is_past(self) -> bool:
        return self.today > self.last


def integration_window(session, practice, today: date | None = None) -> IntegrationWindow:
    """The window after `session`, by `practice`'s time zone and window length."""
    first = local_day(session.started_at, practice.timezone)
    return IntegrationWindow(first, first + timedelta(days=practice.integration_window_days),
                             today or local_today(practice.timezone))
