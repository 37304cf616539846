"""Counting attempts in the database, so every worker and server sees the same numbers.

Two users of one table (`RateCounter`, a count with a fixed window):

- the sign-in lockout: failed sign-ins (a wrong password or a wrong second-step code) per email,
  counted in the request's own transaction next to the audit row of the failure. Keyed by a hash
  of the typed email, whether or not anyone has it, so a lockout looks the same for every email;
- Flask-Limiter's per-address limits: the `database://` storage below, the default
  RATELIMIT_STORAGE_URI. Each count is its own short transaction, taken before the view runs.
"""
from __future__ import annotations

import math
import time
from datetime import timedelta

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from ..clock import utcnow
from ..extensions import db
from .models import RateCounter, normalise_email, token_hash

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def increment(connection: Connection, key: str, expiry_seconds: int, amount: int = 1) -> int:
    """Add to the key's count in one atomic statement, starting a new window if the old one is over."""
    now = utcnow()
    expires_at = now + timedelta(seconds=expiry_seconds)
    window_over = RateCounter.expires_at <= now
    statement = _INSERTS[connection.dialect.name](RateCounter).values(key=key, count=amount, expires_at=expires_at)
    statement = statement.on_conflict_do_update(index_elements=[RateCounter.key], set_={
        "count": case((window_over, amount), else_=RateCounter.count + amount),
        "expires_at": case((window_over, expires_at), else_=RateCounter.expires_at),
    }).returning(RateCounter.count)
    return connection.execute(statement).scalar_one()


def _live(connection: Connection, key: str):
    """The key's (count, expires_at) while its window lasts, else None."""
    return connection.execute(select(RateCounter.count, RateCounter.expires_at).where(
        RateCounter.key == key, RateCounter.expires_at > utcnow())).one_or_none()


def prune() -> None:
    """Forget windows that are over (called now and then, on a successful sign-in)."""
    db.session.execute(delete(RateCounter).where(RateCounter.expires_at <= utcnow()))


# --- the sign-in lockout ------------------------------------------------------------------------

def _lockout() -> RateLimitItem:
    return parse(current_app.config["LOGIN_LOCKOUT"])


def _lockout_key(email: str) -> str:
    return "lockout/" + token_hash(normalise_email(email))


def minutes_paused(email: str) -> int:
    """How many more minutes sign-in for this email is paused; 0 when it is not."""
    row = _live(db.session.connection(), _lockout_key(email))
    if row is None or row.count < _lockout().amount:
        return 0
    return max(1, math.ceil((row.expires_at - utcnow()).total_seconds() / 60))


def count_failure(email: str) -> None:
    """One more failed sign-in for this email (in the request's transaction: commit it)."""
    increment(db.session.connection(), _lockout_key(email), _lockout().get_expiry())


def clear_failures(email: str) -> None:
    """A completed sign-in or a new password starts the count again."""
    db.session.execute(delete(RateCounter).where(RateCounter.key == _lockout_key(email)))


# --- Flask-Limiter's storage --------------------------------------------------------------------

class DatabaseStorage(Storage):
    """`database://`: Flask-Limiter's counters in the app's own database (the RateCounter table).

    Each call uses its own connection and commits at once, so a count holds even when the
    request fails afterwards. Flask-Limiter counts before the view runs, while the request's own
    session has written nothing, so on SQLite the two never wait for each other.
    """

    STORAGE_SCHEME = ["database"]

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with db.engine.begin() as connection:
            return increment(connection, _storage_key(key), int(expiry), amount)

    def get(self, key: str) -> int:
        with db.engine.connect() as connection:
            row = _live(connection, _storage_key(key))
        return row.count if row else 0

    def get_expiry(self, key: str) -> float:
        with db.engine.connect() as connection:
            row = _live(connection, _storage_key(key))
        if row is None:
            return time.time()
        return time.time() + (row.expires_at - utcnow()).total_seconds()

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(RateCounter).where(RateCounter.key.like("limiter/%"))).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(RateCounter).where(RateCounter.key == _storage_key(key)))


def _storage_key(key: str) -> str:
    """Flask-Limiter's key, prefixed (the lockout's keys are apart) and kept within the column."""
    key = "limiter/" + key
    return key if len(key) <= 255 else "limiter/" + token_hash(key)
