"""The short "Undo" after a mistake: a message with a button on the next page shown.

The button is a POST form (with its CSRF token) to a route that reverses the change, so undoing
is a change like any other: checked, audited, refused when it no longer applies. The offer lives
in the signed session cookie until the next full page takes it (rule 10: no process memory).
"""
from flask import session

UNDO_KEY = "undo"


def offer(message: str, url: str, label: str = "Undo") -> None:
    """Show `message` with an undo button posting to `url` on the next page."""
    session[UNDO_KEY] = {"message": message, "url": url, "label": label}


def take() -> dict | None:
    """The undo offer for this page, once (a template calls it; the next page has none)."""
    return session.pop(UNDO_KEY, None)
