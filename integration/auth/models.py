"""A practice (clinic) and the people who work in it."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, Text, false, func, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import DEFAULT_ZONE, utcnow
from ..extensions import db

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


# The stored key "therapist" names every clinician (therapist, psychiatrist, nurse): see `profession`.
ROLES = {"admin": "Practice admin", "therapist": "Clinician", "coach": "Coach"}
# A clinician's profession. An admin with a profession is also a clinician (on their care teams).
PROFESSIONS = {"therapist": "Therapist or counsellor", "psychiatrist": "Psychiatrist", "nurse": "Nurse",
               "other": "Other licensed clinician"}


class Practice(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_ZONE)  # IANA; chosen at setup, in settings
    paper_size: Mapped[str] = mapped_column(String(10), default="letter")
    # The practice's own crisis lines, one per line, printed after the country's built-in lines
    # (plans/safety.py); outside the US these are the only ones, so a plan needs at least one.
    crisis_resources: Mapped[str] = mapped_column(String(2000), default="")
    # (The plan settings carry server defaults so the migration could add them to existing practices.)
    # Plans: how many days after a session make up "your first days" (0 = the session day only).
    integration_window_days: Mapped[int] = mapped_column(default=3, server_default="3")
    # Plans: new plans use the large-print layout unless the practitioner turns it off.
    large_print_default: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Plans: how clients reach the practice (phone, email, hours), printed on every plan.
    client_contact: Mapped[str] = mapped_column(String(500), default="", server_default=text("''"))
    # Plans, clinical safety (migration 0010). The country decides which crisis lines the plan prints by
    # itself (plans/safety.py); a practice elsewhere types its own lines into crisis_resources.
    country: Mapped[str] = mapped_column(String(2), default="US", server_default="US")
    after_hours_line: Mapped[str] = mapped_column(String(300), default="", server_default=text("''"))
    reply_time: Mapped[str] = mapped_column(String(300), default="", server_default=text("''"))
    # Empty means the safe default text in plans/safety.py, so a later, better default reaches everyone
    # who never changed it.
    day_of_session_text: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    # Clock times for morning, midday, afternoon, evening and bedtime ("HH:MM"); missing keys use defaults.
    plan_times: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    # Security: everyone signs in with a second step (members without one set it up at sign-in).
    require_two_step: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Care teams: whether clinicians on a client's care team may add colleagues to it (admins always may).
    clinicians_add_to_care_team: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The one-time notice about roles by minimum necessary (team page): practices made since never see it.
    roles_notice_dismissed_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="practice", order_by="User.name")

    @classmethod
    def by_name(cls, name: str) -> Practice | None:
        return db.session.scalar(select(cls).where(cls.name == name))

    @classmethod
    def ensure(cls, name: str) -> Practice:
        """The practice of this name, created (and flushed) when there is none yet."""
        practice = cls.by_name(name)
        if practice is None:
            practice = cls(name=name)
            db.session.add(practice)
            db.session.flush()
        return practice


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    credentials: Mapped[str] = mapped_column(String(60), default="")
    role: Mapped[str] = mapped_column(String(20))
    # Clinicians: their profession (PROFESSIONS) and licence; an admin with a profession is a clinician too.
    profession: Mapped[str] = mapped_column(String(20), default="", server_default=text("''"))
    licence: Mapped[str] = mapped_column(String(120), default="", server_default=text("''"))
    # A pre-licensed clinician's supervisor, who co-signs their signed notes.
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # The zone this member reads and types times in, when not the practice's ("" = the practice's).
    timezone: Mapped[str] = mapped_column(String(64), default="", server_default=text("''"))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Changes with every new password. A sign-in between its two steps is bound to it, so a new
    # password ends that too. (Sessions themselves are SignInSession rows.)
    session_token: Mapped[str] = mapped_column(String(64))
    # Two-step sign-in (TOTP). The secret is set when setting up starts; two-step is on from
    # two_step_since. totp_last_step is the time step of the last code accepted: each code works once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    two_step_since: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    practice: Mapped[Practice] = relationship(back_populates="users")
    supervisor: Mapped[User | None] = relationship(remote_side=[id])

    # The raw token of the sign-in session this object was loaded for (never stored; see get_id).
    sign_in_token = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions for inactive users.
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_clinician(self) -> bool:
        """Clinicians read the full record of their care team's clients (permissions.py)."""
        return self.role == "therapist" or (self.role == "admin" and bool(self.profession))

    @property
    def supervises(self) -> bool:
        """Whether any pre-licensed clinician names this user as their supervisor."""
        return db.session.scalar(select(User.id).where(User.supervisor_id == self.id).limit(1)) is not None

    @property
    def profession_label(self) -> str:
        return PROFESSIONS.get(self.profession, "")

    @property
    def display_name(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    @property
    def role_label(self) -> str:
        label = ROLES.get(self.role, self.role)
        if self.role == "admin" and self.is_clinician:
            label += " · clinician"
        if self.supervisor_id:
            label += " · pre-licensed"
        return label

    @property
    def has_two_step(self) -> bool:
        return self.two_step_since is not None

    def get_id(self) -> str:
        """What the session cookie carries: "<user id>:<sign-in session token>" (see auth/sessions.py)."""
        return f"{self.id}:{self.sign_in_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.session_token = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        return _verify(self.password_hash, password)

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(func.lower(cls.email) == normalise_email(email)))

    @classmethod
    def check_credentials(cls, email: str, password: str) -> tuple[User | None, bool]:
        """The account this email names (or None), and whether it is active and the password opens it.

        Exactly one argon2 verification whatever the email names (no one, a deactivated account,
        an active one), so the time taken reveals nothing about which it was.
        """
        user = cls.by_email(email)
        matches = _verify(user.password_hash if user is not None else _dummy_hash(_hasher()), password)
        return user, user is not None and user.active and matches


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()[:254]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash to check unknown emails against, made on first use (not at import: argon2 is slow on purpose)."""
    return hasher.hash("dummy password for constant timing")


def token_hash(token: str) -> str:
    """How tokens handed out once (sessions, reset links, recovery codes) are stored: a fingerprint."""
    return hashlib.sha256(token.encode()).hexdigest()


class SignInSession(db.Model):
    """One signed-in browser. The cookie names it by a token stored here only as a hash, so
    ending the row ends that cookie wherever a copy of it is (sign-out, all devices, time limit)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(String(30), default="")

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A single-use code for signing in without the authenticator app; stored as a hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class PasswordResetLink(db.Model):
    """A single-use link to set a new password, made by an admin (or `flask reset-password`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the command line
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_live(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class RateCounter(db.Model):
    """A counter with a fixed window: sign-in lockout per email and Flask-Limiter's per-address
    limits (auth/throttle.py). In the database, so every worker and server shares it."""

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(index=True)
