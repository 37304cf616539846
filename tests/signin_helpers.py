"""Helpers for the sign-in tests: replaying a copied cookie, codes from an authenticator app."""
import pyotp

from integration.auth import two_step
from integration.clock import utcnow
from integration.extensions import db


def session_cookie(http) -> str:
    """The session cookie's value, as someone copying it from the browser would have it."""
    return http.get_cookie("session").value


def replay(app, cookie: str, path: str = "/clients/") -> int:
    """Open a page in a fresh browser carrying only a copied session cookie; the status code."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get(path).status_code


class Phone:
    """An authenticator app on a phone whose clock the test sets (codes work once per 30 seconds)."""

    def __init__(self, monkeypatch, at: float = 1_900_000_000.0):
        self.at = at
        monkeypatch.setattr(two_step, "_now", lambda: self.at)

    def code(self, secret: str) -> str:
        return pyotp.TOTP(secret).at(self.at)

    def wait(self, seconds: float = 30) -> None:
        self.at += seconds


def enrol(user) -> list[str]:
    """Two-step sign-in on for this user, as if set up already; their recovery codes."""
    two_step.start_setup(user)
    user.two_step_since = utcnow()
    codes = two_step.new_recovery_codes(user)
    db.session.commit()
    return codes
