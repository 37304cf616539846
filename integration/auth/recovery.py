"""Account recovery: a single-use link to set a new password, made by an admin or on the server.

The link's token is shown once (for the admin to hand over) and stored only as a hash; it works
for RESET_LINK_MINUTES. Using it sets the password, ends every session of the account and is
audited. A new link replaces any earlier one for the same person.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from ..audit.log import record
from ..clock import utcnow
from ..extensions import db
from . import sessions, throttle
from .models import PasswordResetLink, User, token_hash

RESET_LINK_MINUTES = 60


def create_link(member: User, made_by: User | None, how: str = "") -> tuple[PasswordResetLink, str]:
    """A new reset link for the member (earlier ones stop working); the raw token, returned once."""
    now = utcnow()
    db.session.execute(update(PasswordResetLink)
                       .where(PasswordResetLink.user_id == member.id, PasswordResetLink.used_at.is_(None),
                              PasswordResetLink.revoked_at.is_(None))
                       .values(revoked_at=now))
    token = secrets.token_urlsafe(32)
    link = PasswordResetLink(user_id=member.id, token_hash=token_hash(token), created_at=now,
                             expires_at=now + timedelta(minutes=RESET_LINK_MINUTES),
                             created_by_id=made_by.id if made_by else None)
    db.session.add(link)
    db.session.flush()
    record("reset-link", obj=member, user=made_by, practice_id=member.practice_id,
           detail=f"{how}, works until {link.expires_at:%Y-%m-%d %H:%M} UTC".lstrip(", "))
    return link, token


def live_link(token: str) -> PasswordResetLink | None:
    """The reset link for this raw token if it is unused, not replaced, not expired and its account active."""
    if not token or len(token) > 200:
        return None
    link = db.session.scalar(select(PasswordResetLink).where(PasswordResetLink.token_hash == token_hash(token)))
    if link is None or not link.is_live(utcnow()) or not link.user.active:
        return None
    return link


def use_link(link: PasswordResetLink, password: str) -> None:
    """Set the new password; the link is spent and every session of the account ends."""
    member = link.user
    link.used_at = utcnow()
    member.set_password(password)
    sessions.end_all(member, "password reset")
    throttle.clear_failures(member.email)
    record("password-reset", obj=member, user=member, detail=f"with reset link {link.id}")
