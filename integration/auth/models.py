"""A practice (clinic) and the people who work in it."""
from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false, func, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db

ROLES = {"admin": "Admin", "therapist": "Therapist", "coach": "Coach"}
_STRONG_HASHER = PasswordHasher()
_FAST_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)  # tests only (PASSWORD_HASH_FAST)


def _hasher() -> PasswordHasher:
    """The argon2 hasher for new hashes: production strength unless the app is a test app.

    Any hasher verifies any argon2 hash: a hash carries its own parameters.
    """
    fast = has_app_context() and current_app.config.get("PASSWORD_HASH_FAST", False)
    return _FAST_HASHER if fast else _STRONG_HASHER


def hash_password(password: str) -> str:
    """An argon2 hash of the password, with the parameters _hasher() chooses."""
    return _hasher().hash(password)


class Practice(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    paper_size: Mapped[str] = mapped_column(String(10), default="letter")
    crisis_resources: Mapped[str] = mapped_column(
        String(2000),
        default="If you are in crisis or thinking about harming yourself, call or text 988 "
        "(Suicide & Crisis Lifeline). In an emergency, call 911.",
    )
    # (The plan settings carry server defaults so the migration could add them to existing practices.)
    # Plans: how many days after a session make up "your first days" (0 = the session day only).
    integration_window_days: Mapped[int] = mapped_column(default=3, server_default="3")
    # Plans: new plans use the large-print layout unless the practitioner turns it off.
    large_print_default: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Plans: how clients reach the practice (phone, email, hours), printed on every plan.
    client_contact: Mapped[str] = mapped_column(String(500), default="", server_default=text("''"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="practice", order_by="User.name")

    @classmethod
    def by_name(cls, name: str) -> Practice | None:
        return db.session.scalar(select(cls).where(cls.name == name))


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    credentials: Mapped[str] = mapped_column(String(60), default="")
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Changing the password changes this, which signs out every other session.
    session_token: Mapped[str] = mapped_column(String(64))

    practice: Mapped[Practice] = relationship(back_populates="users")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions for inactive users.
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def display_name(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.session_token = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(func.lower(cls.email) == email.strip().lower()))


def verify_dummy_password() -> None:
    """Spend the same time as a real check, so timing does not reveal unknown emails."""
    hasher = _hasher()
    try:
        hasher.verify(_dummy_hash(hasher), "not the password")
    except VerificationError:
        pass


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash with the hasher's parameters, made on first use (not at import: argon2 is slow on purpose)."""
    return hasher.hash("dummy password for constant timing")
