"""Practice library, integration plans and their items, delivered exports and share links."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..clients.models import Client, Goal
from ..clock import WEEKDAYS, utcnow
from ..extensions import db, link_table
from ..notes.models import DosingSession, Insight

LIBRARY_CATEGORIES = {
    "journaling": "Journaling",
    "meditation": "Meditation and mindfulness",
    "movement": "Movement and yoga",
    "sessions": "Therapy or coaching sessions",
    "creative": "Creative expression",
    "lifestyle": "Lifestyle changes",
    "nature": "Time in nature",
    "connection": "Connection",
    "group": "Group integration circles",
}
SCHEDULE_KINDS = {
    "days": "On days after the session",
    "checkpoints": "At check-in points",
    "weekdays": "On chosen days of the week",
    "weekly": "Once a week",
    "as_needed": "As needed",
}
CHECKPOINTS = {"1w": "After 1 week", "2w": "After 2 weeks", "1m": "After 1 month", "3m": "After 3 months"}
TIMES_OF_DAY = {
    "": "Any time",
    "morning": "Morning",
    "midday": "Midday",
    "afternoon": "Afternoon",
    "evening": "Evening",
    "bedtime": "Before bed",
}
PLAN_STATUSES = {"draft": "Draft", "finalized": "Finalized"}
# What may not suit every client: the builder flags an item whose caution meets the client's history or
# goals (plans/safety.py) until a practitioner has looked at it.
CAUTIONS = {
    "substances": "Alcohol and other substances",
    "fasting": "Food and fasting",
    "strenuous": "Strenuous exercise",
    "eyes_closed": "Eyes closed or body-focused",
    "alone": "Being alone",
}
# When a plan is given after its first days began: print the past days briefly ("behind"), or move the
# whole schedule to start on the day it is given ("shift").
PAST_DAYS = {"behind": "Print past days briefly, as already behind them",
             "shift": "Start the schedule on the day the plan is given"}
MAX_WINDOW_DAYS = 14


class ScheduleMixin:
    """What a library practice and a plan item share: when it happens and what it asks."""

    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))  # client-facing
    instructions: Mapped[str] = mapped_column(Text, default="")  # client-facing
    schedule_kind: Mapped[str] = mapped_column(String(20), default="as_needed")
    # days: [0, 1, 2]; checkpoints: ["1w", "1m"]; weekdays: [0, 2, 4]; weekly: [6]; as_needed: []
    schedule_values: Mapped[list] = mapped_column(JSON, default=list)
    time_of_day: Mapped[str] = mapped_column(String(20), default="")
    prompts: Mapped[str] = mapped_column(Text, default="")  # journaling prompts, one per line
    cautions: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))  # keys of CAUTIONS
    # A trauma-sensitive version of the instructions (eyes open, shorter), offered in the builder.
    gentle_variant: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

    @property
    def caution_labels(self) -> list[str]:
        return [CAUTIONS[key] for key in CAUTIONS if key in (self.cautions or [])]

    @property
    def category_label(self) -> str:
        return LIBRARY_CATEGORIES.get(self.category, self.category)

    @property
    def prompt_list(self) -> list[str]:
        return [line.strip() for line in (self.prompts or "").splitlines() if line.strip()]

    @property
    def time_label(self) -> str:
        return TIMES_OF_DAY.get(self.time_of_day or "", self.time_of_day)

    @property
    def schedule_label(self) -> str:
        """The schedule in plain words, for the practitioner's pages and the client's PDF."""
        values = self.schedule_values or []
        if self.schedule_kind == "days":
            days = ", ".join("the session day" if d == 0 else f"day {d}" for d in sorted(values))
            text = f"On {days}" if days else "In your first days"
        elif self.schedule_kind == "checkpoints":
            text = ", ".join(CHECKPOINTS[c] for c in CHECKPOINTS if c in values) or "At check-in points"
        elif self.schedule_kind == "weekdays":
            text = "Every " + ", ".join(WEEKDAYS[d] for d in sorted(values) if d in WEEKDAYS) if values else "Some days"
        elif self.schedule_kind == "weekly":
            text = f"Every {WEEKDAYS[values[0]]}" if values and values[0] in WEEKDAYS else "Once a week"
        else:
            text = "Whenever it helps"
        if self.time_of_day:
            text += f", {self.time_label.lower()}"
        return text


class LibraryPractice(ScheduleMixin, db.Model):
    """A practice in a practice's library. The built-in defaults are copied into each
    practice on first use (builtin_key says which), so every entry can be edited or retired."""

    __table_args__ = (UniqueConstraint("practice_id", "builtin_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id"), index=True)
    builtin_key: Mapped[str | None] = mapped_column(String(60))
    retired: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()


plan_item_goal = link_table(
    "plan_item_goal", ("plan_item_id", "plan_item.id"), ("goal_id", "goal.id"))
plan_item_insight = link_table(
    "plan_item_insight", ("plan_item_id", "plan_item.id"), ("insight_id", "insight.id"))


class Plan(db.Model):
    """A take-home integration plan. A draft until finalized; a finalized plan never changes,
    a change makes a new version (a copy) that replaces it.

    `version` is the plan's number for the client (printed on the PDF; a new version is a copy).
    `revision` counts changes of this row's content and is the mapper's version column: every
    UPDATE (and the DELETE of a discarded draft) is `... WHERE id = :id AND revision = :read`, so of
    a change and a finalize that race, one lands and the other finds no row (plans/lifecycle.py).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    dosing_session_id: Mapped[int | None] = mapped_column(ForeignKey("dosing_session.id"), index=True)
    start_date: Mapped[date]  # the session's day in the practice's zone, or the chosen day
    message: Mapped[str] = mapped_column(Text, default="")  # personal message to the client
    # Next appointments: [{"on": "2025-05-02", "at": "10:00", "what": "Integration session"}]
    appointments: Mapped[list] = mapped_column(JSON, default=list)
    large_print: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalized_at: Mapped[datetime | None]
    finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # server_default: the migration gave plans made before it their first revision.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    past_days: Mapped[str] = mapped_column(String(10), default="behind", server_default="behind")
    # Reminders (VALARM) in the calendar file. Plans made before 0010 had none, so they keep none.
    reminders: Mapped[bool] = mapped_column(default=True, server_default=false())

    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}

    client: Mapped[Client] = relationship()
    dosing_session: Mapped[DosingSession | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    finalized_by: Mapped[User | None] = relationship(foreign_keys=[finalized_by_id])
    replaces: Mapped[Plan | None] = relationship(remote_side=[id])
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", order_by="(PlanItem.position, PlanItem.id)", cascade="all, delete-orphan"
    )
    exports: Mapped[list[PlanExport]] = relationship(back_populates="plan", order_by="PlanExport.id")

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def status_label(self) -> str:
        return PLAN_STATUSES.get(self.status, self.status)


class PlanItem(ScheduleMixin, db.Model):
    """One practice in a plan, copied from the library or written fresh."""

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    library_practice_id: Mapped[int | None] = mapped_column(ForeignKey("library_practice.id"))
    # "Join the Tuesday circle": the client's PDF and calendar list the series' next session dates.
    group_series_id: Mapped[int | None] = mapped_column(ForeignKey("group_series.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # A practitioner looked at this item's cautions against the client's record (who and when).
    caution_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    caution_checked_at: Mapped[datetime | None]

    plan: Mapped[Plan] = relationship(back_populates="items")
    caution_checked_by: Mapped[User | None] = relationship(foreign_keys=[caution_checked_by_id])
    group_series = relationship("GroupSeries")
    goals: Mapped[list[Goal]] = relationship(secondary=plan_item_goal, order_by="Goal.title")
    insights: Mapped[list[Insight]] = relationship(secondary=plan_item_insight, order_by="Insight.id")


class PlanExport(db.Model):
    """A delivered version: the exact PDF and calendar bytes the client receives, with who and when.

    Both files are made once, at finalize, from one plan document; every download and link serves
    these bytes. (`ics` may be NULL only in rows written outside the app: migration 0007 stored a
    calendar for every version delivered before calendars were kept.)
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    version: Mapped[int]
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    ics: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # the calendar file
    ics_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="exports")
    created_by: Mapped[User | None] = relationship()
    share_links: Mapped[list[ShareLink]] = relationship(back_populates="export", order_by="ShareLink.id")

    @property
    def filename(self) -> str:
        return f"integration-plan-v{self.version}-{self.created_at:%Y-%m-%d}.pdf"

    @property
    def ics_filename(self) -> str:
        return self.filename.removesuffix(".pdf") + ".ics"


class ShareLink(db.Model):
    """A private link to one delivered version. Only the token's sha256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("plan_export.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    downloads: Mapped[int] = mapped_column(default=0)

    export: Mapped[PlanExport] = relationship(back_populates="share_links")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
