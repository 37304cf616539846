"""Sign-in sessions kept in the database, so that the server can end a cookie.

The session cookie (signed by Flask) carries "<user id>:<token>"; the token names a
SignInSession row, stored as a hash. A cookie works while its row is open, the account is active
and the row is younger than SESSION_MAX_HOURS. Signing out, "sign out of all devices", a new
password, a password reset, deactivation and a reset of the second step end rows; nothing
reopens one, so a copy of an old cookie stays dead (reactivating an account included).
"""
from __future__ import annotations

import secrets
import time
from datetime import timedelta

from flask import current_app, g, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload

from ..clock import utcnow
from ..extensions import db
from .models import SignInSession, User, token_hash


def _oldest_allowed_start():
    return utcnow() - timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


def start(user: User) -> SignInSession:
    """Sign this browser in as the user, with a new session row and a fresh cookie."""
    token = secrets.token_urlsafe(32)
    row = SignInSession(user_id=user.id, token_hash=token_hash(token))
    db.session.add(row)
    db.session.flush()
    session.clear()
    user.sign_in_token = token
    login_user(user)
    session["last_seen"] = time.time()
    g.sign_in_session = row
    return row


def load(cookie_value: str) -> User | None:
    """The user a session cookie signs in, if its session is still open (Flask-Login's user_loader).

    A session past its time limit is left in g.expired_sign_in, for the caller to end and record.
    """
    user_id, _, token = cookie_value.partition(":")
    if not user_id.isdigit() or not token:
        return None
    row = db.session.scalar(select(SignInSession).where(SignInSession.token_hash == token_hash(token))
                            .options(joinedload(SignInSession.user)))
    if row is None or row.user_id != int(user_id) or row.ended_at is not None or not row.user.active:
        return None
    if row.started_at <= _oldest_allowed_start():
        g.expired_sign_in = row
        return None
    g.sign_in_session = row
    row.user.sign_in_token = token
    return row.user


def end(row: SignInSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at = utcnow()
        row.end_reason = reason


def end_this_one(reason: str) -> None:
    """End the current browser's session, server side and in the cookie."""
    row = g.get("sign_in_session")
    if row is not None:
        end(row, reason)
    logout_user()
    session.clear()


def end_all(user: User, reason: str) -> None:
    """End every session of the user, on every device (commit it with the change that calls for it)."""
    db.session.execute(update(SignInSession)
                       .where(SignInSession.user_id == user.id, SignInSession.ended_at.is_(None))
                       .values(ended_at=utcnow(), end_reason=reason))


def prune(user: User) -> None:
    """Forget the user's sessions that ended or ran out (the audit log keeps the sign-ins and -outs)."""
    db.session.execute(delete(SignInSession).where(
        SignInSession.user_id == user.id,
        or_(SignInSession.ended_at.is_not(None), SignInSession.started_at <= _oldest_allowed_start())))
