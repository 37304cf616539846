"""When a scheduled measure is due. Pure functions over what the caller loaded (no queries here), so the
worklist decides for every client from a fixed number of queries."""
from __future__ import annotations

from datetime import date, timedelta

# A measure taken this many days before a dosing session counts as "before" it; a session this many
# days ahead makes its pre-session measure due now.
BEFORE_SESSION_DAYS = 7
EVERY = {"weekly": 7, "monthly": 30}


def is_due(cadence: str, today: date, last_taken: date | None, next_session: date | None) -> str | None:
    """Why the measure is due today, in words, or None.

    - before every dosing session: a session today or in the next 7 days with no score in the 7 days before it;
    - weekly / monthly: nothing yet, or the last score 7 / 30 days ago or more.
    """
    if cadence == "before_session":
        if next_session is None or not (today <= next_session <= today + timedelta(days=BEFORE_SESSION_DAYS)):
            return None
        if last_taken is not None and last_taken >= next_session - timedelta(days=BEFORE_SESSION_DAYS):
            return None
        return f"before the session on {next_session:%b %-d}"
    days = EVERY.get(cadence)
    if days is None:
        return None
    if last_taken is None:
        return "no score yet"
    if (today - last_taken).days >= days:
        return f"last score {last_taken:%b %-d}"
    return None
