"""Demo data for plans: a finalized, delivered plan for each demo client (fictional, idempotent)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..auth.models import User
from ..clients.models import Client, Goal
from ..clock import local_today
from ..extensions import db
from ..groups.models import GroupSeries
from ..notes.models import DosingSession, Insight
from .assemble import start_date_for
from .delivery import finalize
from .library import ensure_library
from .models import LibraryPractice, Plan, PlanItem
from .review import confirm_caution, unchecked

# Library practices each demo plan is built from, in order; the client's index picks a variation.
PLAN_SHAPES = [
    ["arrival-journal", "body-scan", "nature-walk", "check-in-call", "integration-session", "self-compassion",
     "weekly-reflection", "breath-five"],
    ["morning-pages", "gentle-stretch", "draw-it", "hard-session", "integration-circle", "voice-journal",
     "music-movement", "warning-signs"],
    ["arrival-journal", "nourishing-food", "nature-walk", "share-gratitude", "one-small-change",
     "relationship-patterns", "booster-plan", "breath-five"],
]
MESSAGES = [
    "{name}, thank you for the courage you brought to this session. The days ahead are for rest and for "
    "noticing, not for fixing anything. Be as kind to yourself as you were to the part of you that showed up.\n\n"
    "If anything feels too much, reach out. I am glad to hear from you.",
    "{name}, you did real work this week. Let the next few days be slow. Write things down as they come, "
    "go outside when you can, and let the people who love you be near.",
]


def _author(client: Client, users: dict[str, User]) -> User:
    team = {member.user_id for member in client.care_team}
    for key in ("june", "ines", "theo"):
        if key in users and users[key].id in team:
            return users[key]
    return users.get("admin") or next(iter(users.values()))


def load_demo(practice, users: dict[str, User], clients: list[Client]) -> None:
    """One finalized, delivered plan per demo client that has none yet."""
    ensure_library(practice.id)
    if not practice.client_contact:  # how the demo clients reach the practice, and how fast
        practice.client_contact = "Call or text 555-0142, Monday to Friday, 9 AM to 5 PM.\nEmail care@demo.integration.test"
        practice.after_hours_line = "555-0199 (a clinician on call answers, evenings, nights and weekends)"
        practice.reply_time = "We answer calls and messages within one working day."
    library = {entry.builtin_key: entry for entry in db.session.scalars(
        select(LibraryPractice).where(LibraryPractice.practice_id == practice.id,
                                      LibraryPractice.builtin_key.is_not(None)))}
    for index, client in enumerate(clients):
        if db.session.scalar(select(Plan.id).where(Plan.client_id == client.id).limit(1)) is not None:
            continue
        author = _author(client, users)
        session = db.session.scalar(select(DosingSession).where(DosingSession.client_id == client.id)
                                    .order_by(DosingSession.started_at.desc()).limit(1))
        start = start_date_for(session, practice) if session else local_today(practice.timezone) - timedelta(days=2)
        plan = Plan(client=client, dosing_session_id=session.id if session else None, start_date=start,
                    message=MESSAGES[index % len(MESSAGES)].format(name=client.called),
                    appointments=[{"on": (start + timedelta(days=7)).isoformat(), "at": "10:00",
                                   "what": f"Integration session with {author.name.split()[0]}"}],
                    large_print=practice.large_print_default, created_by_id=author.id)
        goals = list(db.session.scalars(select(Goal).where(Goal.client_id == client.id, Goal.archived.is_(False),
                                                           Goal.sensitive.is_(False)).order_by(Goal.id)))
        # The client's own insights whose words a clinician confirmed, each beside a practice for its goal.
        insights = [i for i in db.session.scalars(select(Insight).where(Insight.client_id == client.id)
                                                  .order_by(Insight.id)) if i.words_confirmed_at]
        for position, key in enumerate(PLAN_SHAPES[index % len(PLAN_SHAPES)]):
            entry = library[key]
            item = PlanItem(client_id=client.id, library_practice_id=entry.id, position=position,
                            category=entry.category, title=entry.title, instructions=entry.instructions,
                            schedule_kind=entry.schedule_kind, schedule_values=list(entry.schedule_values),
                            time_of_day=entry.time_of_day, prompts=entry.prompts)
            if key == "integration-circle":  # the demo practice's circle, when there is one
                item.group_series_id = db.session.scalar(select(GroupSeries.id).where(
                    GroupSeries.practice_id == practice.id).order_by(GroupSeries.id).limit(1))
            if goals and position < 3:
                item.goals = [goals[position % len(goals)]]
            if position < len(insights):
                item.insights = [insights[position]]
                item.goals = [g for g in insights[position].goals if not g.sensitive] or item.goals
            item.cautions, item.gentle_variant = list(entry.cautions or []), entry.gentle_variant
            plan.items.append(item)
        db.session.add(plan)
        db.session.flush()
        for flagged in unchecked(plan):  # the demo practitioner looked: the gentler version where there is one
            confirm_caution(flagged, author, gentler=True)
        finalize(plan, author)
    db.session.commit()
