"""Saving a safety plan: each save is a new version, kept; nothing is overwritten.

Plain functions, like notes/lifecycle.py: they add to the session; the view records the audit event
and commits, so the version and its audit row land together.

Races. A save says which version it was typed on (`base`, 0 for none yet). The new version is
`base + 1`, and (client_id, number) is unique, so the write is conditional on the version that was
read, as a note's `UPDATE ... WHERE version = :read` is: of two saves typed on the same version one
lands, the other finds its number taken (IntegrityError), is rolled back and answered as a conflict,
its text shown again for the person to compare and save on top of the newer version.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import FIELDS, SafetyPlanVersion

MAX_STEP_CHARS = 2000


class StaleSave(Exception):
    """The save was typed on an older version than the one saved now: nothing was stored."""

    message = ("Someone saved a newer version of this safety plan while you were typing, so yours was not "
               "saved. Your words are still in the form; the newer version is shown beside it. Compare, "
               "then save again.")

    def __init__(self, current: SafetyPlanVersion | None):
        super().__init__(f"safety plan is at version {current.number if current else 0}")
        self.current = current


def versions(client_id: int) -> list[SafetyPlanVersion]:
    """Every saved version, newest first."""
    return list(db.session.scalars(select(SafetyPlanVersion).where(SafetyPlanVersion.client_id == client_id)
                                   .order_by(SafetyPlanVersion.number.desc())))


def current(client_id: int) -> SafetyPlanVersion | None:
    return db.session.scalars(select(SafetyPlanVersion).where(SafetyPlanVersion.client_id == client_id)
                              .order_by(SafetyPlanVersion.number.desc()).limit(1)).first()


def latest_number(client_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.max(SafetyPlanVersion.number), 0))
                             .where(SafetyPlanVersion.client_id == client_id))


def clean(steps: dict) -> dict[str, str]:
    """Only the known steps, line ends made one kind, outer blank space trimmed."""
    return {key: (steps.get(key) or "").replace("\r\n", "\n").strip() for key in FIELDS}


def save(client, steps: dict, user, base: int, change_note: str = "") -> SafetyPlanVersion:
    """Keep a new version typed on version `base` (0: the first).

    :raise StaleSave: a newer version was saved since `base` was read; the transaction is rolled back.
    """
    if base != latest_number(client.id):
        raise StaleSave(current(client.id))
    version = SafetyPlanVersion(client_id=client.id, number=base + 1, steps=clean(steps),
                                change_note=(change_note or "").strip(), created_by_id=user.id)
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise StaleSave(current(client.id)) from None
    return version


def is_unchanged(version: SafetyPlanVersion | None, steps: dict) -> bool:
    """Whether saving these words would only repeat the version they were typed on."""
    return version is not None and clean(steps) == clean(version.steps or {})
