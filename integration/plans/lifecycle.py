"""A plan's life: a draft whose content changes, one transition to finalized, then locked.

Plain functions, like notes/lifecycle.py: they change the plan in the session; the view records
the audit event and commits, so the change and its audit row land together.

Races. `Plan.revision` is the mapper's version column: every UPDATE of a plan row is
`UPDATE plan ... WHERE id = :id AND revision = :read` (a discarded draft's DELETE too), and every
change of a plan's content moves the revision on, item changes included: they touch the plan row.

- A change claims the plan before it changes anything (`begin_change`): its conditional UPDATE
  goes out at once and holds the row (PostgreSQL) or the write lock (SQLite) until the commit,
  and only then are items, message or links changed.
- Finalizing reads the plan, renders its PDF and calendar (seconds, writing nothing and holding
  nothing), then makes its own conditional UPDATE on the revision it rendered from.

Of a change and a finalize that race, one lands. The other finds no row (StaleDataError), its
transaction is rolled back, and it is refused: PlanLocked when the plan is finalized now,
PlanChanged when another change landed first.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from ..clients.models import Client
from ..clock import utcnow
from ..extensions import db
from .models import Plan


class PlanLocked(Exception):
    """The plan is finalized: its content can no longer change."""

    message = "This plan is finalized and cannot change. Make a new version to change it."


class PlanChanged(Exception):
    """Another change of the plan landed between this request's read and its write (`gone`: it
    discarded the draft)."""

    def __init__(self, gone: bool = False):
        super().__init__("the plan was discarded meanwhile" if gone else "the plan changed meanwhile")
        self.gone = gone


def begin_change(plan: Plan) -> None:
    """Claim a draft for one change of its content: its revision moves on now, conditionally.

    Call it before changing anything else in the session; then change, record and commit.

    :raise PlanLocked: the plan is finalized (already, or by a finalize that just landed).
    :raise PlanChanged: another change landed since the plan was read; nothing was changed.
    """
    if not plan.is_draft:
        raise PlanLocked()
    with db.session.no_autoflush:  # the conditional UPDATE goes out only in land() below
        plan.revision += 1
        plan.updated_at = utcnow()
    land(plan)


def discard(plan: Plan) -> None:
    """Delete a draft, on the revision that was read (`DELETE ... WHERE revision = :read`).

    :raise PlanLocked: the plan is finalized (a finalize landed first): delivered records stay.
    :raise PlanChanged: it changed since it was read; nothing was deleted.
    """
    if not plan.is_draft:
        raise PlanLocked()
    db.session.delete(plan)
    land(plan)


def land(plan: Plan) -> None:
    """Flush the session, whose writes include the plan's conditional UPDATE or DELETE.

    :raise PlanLocked, PlanChanged: it lost a race; the transaction is rolled back.
    """
    plan_id = plan.id
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        status = db.session.scalar(select(Plan.status).where(Plan.id == plan_id))
        raise (PlanLocked() if status == "finalized" else PlanChanged(gone=status is None)) from None


def settings_changed(practice_id: int) -> None:
    """The practice's plan settings feed every draft's document: move each draft's revision on, so a
    finalize that rendered with the settings as they were is refused, not stored."""
    practice_clients = select(Client.id).where(Client.practice_id == practice_id)
    db.session.execute(update(Plan).where(Plan.status == "draft", Plan.client_id.in_(practice_clients))
                       .values(revision=Plan.revision + 1), execution_options={"synchronize_session": False})
