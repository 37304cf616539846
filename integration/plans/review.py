"""What the builder asks a practitioner to look at before a plan goes out.

- cautions: an item whose caution (alcohol, fasting, eyes closed, ...) meets the client's history or
  goals is flagged until someone confirms it, switches to the gentler version, or changes it;
- times: an item whose words speak of another time of day than the one it is scheduled at;
- dates: a plan that starts before the day it can be given.

Finalize refuses a plan with an unconfirmed caution (delivery.finalize): the flag exists because a
careful clinic would not hand that page over unread.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..clients.models import Goal, HistoryItem
from ..clock import utcnow
from ..extensions import db
from .models import CAUTIONS, Plan, PlanItem
from .safety import caution_flags, time_clash


@dataclass
class ItemReview:
    """What to look at in one plan item."""

    item: PlanItem
    cautions: list = field(default_factory=list)  # CautionFlag, met by the client's record
    time_clash: str | None = None  # the time of day its words speak of, when not its own

    @property
    def needs_check(self) -> bool:
        return bool(self.cautions) and self.item.caution_checked_at is None

    @property
    def caution_words(self) -> str:
        return ", ".join(CAUTIONS[flag.caution].lower() for flag in self.cautions)


def client_record(client_id: int) -> tuple[list[HistoryItem], list[Goal]]:
    """The client's history and goals that are not archived: what cautions are matched against."""
    history = list(db.session.scalars(select(HistoryItem).where(HistoryItem.client_id == client_id,
                                                                HistoryItem.archived.is_(False))))
    goals = list(db.session.scalars(select(Goal).where(Goal.client_id == client_id, Goal.archived.is_(False))))
    return history, goals


def review_items(plan: Plan) -> dict[int, ItemReview]:
    """Each item's review, by item id (two queries for the whole plan)."""
    history, goals = client_record(plan.client_id)
    return {item.id: ItemReview(item, caution_flags(item.cautions, history, goals),
                                time_clash(f"{item.instructions} {item.prompts}", item.time_of_day or ""))
            for item in plan.items}


def unchecked(plan: Plan) -> list[PlanItem]:
    """Items whose caution meets the client's record and that no one has confirmed yet."""
    return [review.item for review in review_items(plan).values() if review.needs_check]


def confirm_caution(item: PlanItem, user, gentler: bool = False) -> None:
    """Someone looked at the item's caution: keep it as it is, or use its gentler version."""
    if gentler and (item.gentle_variant or "").strip():
        item.instructions = item.gentle_variant
    item.caution_checked_by_id = user.id
    item.caution_checked_at = utcnow()


def starts_before_given(plan: Plan, today: date) -> int:
    """How many days of the plan are already over if it is given today (0: none)."""
    return max(0, (today - plan.start_date).days)
