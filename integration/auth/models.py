"""A practice (clinic) and the people who work in it."""
from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false, func, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db

# The stored key "therapist" names every clinician (therapist, psychiatrist, nurse): see `profession`.
ROLES = {"admin": "Practice admin", "therapist": "Clinician", "coach": "Coach"}
# A clinician's profession. An admin with a profession is also a clinician (on their care teams).
PROFESSIONS = {"therapist": "Therapist or counsellor", "psychiatrist": "Psychiatrist", "nurse": "Nurse",
               "other": "Other licensed clinician"}
_hasher = PasswordHasher()


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
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Changing the password changes this, which signs out every other session.
    session_token: Mapped[str] = mapped_column(String(64))

    practice: Mapped[Practice] = relationship(back_populates="users")
    supervisor: Mapped[User | None] = relationship(remote_side=[id])

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

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)
        self.session_token = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(func.lower(cls.email) == email.strip().lower()))


def verify_dummy_password() -> None:
    """Spend the same time as a real check, so timing does not reveal unknown emails."""
    try:
        _hasher.verify(_DUMMY_HASH, "not the password")
    except VerificationError:
        pass


_DUMMY_HASH = _hasher.hash("dummy password for constant timing")
