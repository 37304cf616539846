"""build_document(): the ONE place that decides what of a plan reaches the client.

Only patient-facing fields are copied into the PlanDocument: the client's preferred name,
plan item text (library wording or the practitioner's words for the client), goal titles and
"why" (written in the client's words) of goals not marked sensitive, and the `client_words` of
insights a clinician marked "may be shared with the coach / in the plan". Never `insight.text`
(the practitioner's clinical statement), never note content, safety checks, dosing details,
history items, or anything of another client. An insight linked to a sensitive history item
is left out as well, even in the client's words: a take-home paper can be read by anyone in
the home, and the history it touches was marked sensitive for a reason. Sensitive goals too.

Only confirmed words are quoted: an insight's words print once a practitioner confirmed they are the
client's own (`words_confirmed_at`), and a goal's "why" only when no insight ties the goal to sensitive
history. held_back() lists, for the preview, everything left out and why (without quoting it).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.models import Practice
from ..clock import WEEKDAYS, from_local, local_day, local_today, to_local
from ..extensions import db
from ..notes.models import Insight, insight_goal, insight_history_item
from ..clients.models import HistoryItem
from .calendar import CalendarInput, calendar_events, checkpoint_date, item_dates
from .document import PlanAppointment, PlanDay, PlanDocument, PlanEntry, PlanGoal, long_date, short_date
from .models import CHECKPOINTS, Plan, PlanItem
from .safety import clock_time, crisis_lines, day_of_session_lines

DOCUMENT_TITLE = "Your integration plan"
TRACKED_KINDS = ("weekdays", "weekly", "as_needed")

# What build_document() touches, loaded in a fixed number of queries (no N+1).
DOCUMENT_LOAD_OPTIONS = (
    selectinload(Plan.items).selectinload(PlanItem.goals),
    selectinload(Plan.items).selectinload(PlanItem.group_series),
    selectinload(Plan.items).selectinload(PlanItem.insights).selectinload(Insight.history_items),
    selectinload(Plan.items).selectinload(PlanItem.insights).selectinload(Insight.goals),
    selectinload(Plan.created_by),
    selectinload(Plan.finalized_by),
)


def load_plan(client_id: int, plan_id: int) -> Plan | None:
    """A plan of this client with everything its document needs."""
    return db.session.scalar(
        select(Plan).where(Plan.id == plan_id, Plan.client_id == client_id).options(*DOCUMENT_LOAD_OPTIONS)
    )


def insight_held_back(insight: Insight, client_id: int) -> str | None:
    """Why an insight's words stay out of the client's plan, or None when they may be quoted."""
    if insight.client_id != client_id:
        return "it belongs to another record"
    if insight.removed_at is not None:
        return "it was removed from its note"
    if insight.retracted_at is not None:
        return "it was retracted"
    if not (insight.client_words or "").strip():
        return "it has no words for the client"
    if not insight.shared_with_coach:
        return "a clinician has not marked it to be shared"
    if any(h.sensitive for h in insight.history_items):
        return "it touches sensitive history"
    if insight.words_confirmed_at is None:
        return "no one has confirmed that the words are the client's own"
    return None


def client_facing_insights(item: PlanItem) -> list[Insight]:
    """The item's insights that may be quoted to the client: own client, neither removed nor retracted,
    shared by a clinician, in words a practitioner confirmed as the client's own, not touching sensitive
    history."""
    return [insight for insight in item.insights if insight_held_back(insight, item.client_id) is None]


def goals_touching_sensitive_history(goal_ids: set[int]) -> set[int]:
    """Of these goals, the ones an insight ties to sensitive history: their "why" is not printed."""
    if not goal_ids:
        return set()
    rows = db.session.execute(
        select(insight_goal.c.goal_id)
        .join(insight_history_item, insight_history_item.c.insight_id == insight_goal.c.insight_id)
        .join(HistoryItem, HistoryItem.id == insight_history_item.c.history_item_id)
        .where(insight_goal.c.goal_id.in_(goal_ids), HistoryItem.sensitive.is_(True)))
    return set(rows.scalars())


def goal_title(goal) -> str:
    """The goal as the plan names it: its client-facing title, else its title."""
    return (goal.client_title or "").strip() or goal.title


def _own_goals(item: PlanItem):
    """The item's goals that may be printed: the client's own, not marked sensitive."""
    return [goal for goal in item.goals if goal.client_id == item.client_id and not goal.sensitive]


def _schedule_text(item: PlanItem, start: date) -> str:
    """When, in the client's words, with dates where there are dates."""
    values = item.schedule_values or []
    if item.schedule_kind == "checkpoints":
        return "; ".join(f"{CHECKPOINTS[key]} ({short_date(checkpoint_date(start, key))})"
                         for key in CHECKPOINTS if key in values) or "At check-in points"
    if item.schedule_kind == "weekdays":
        days = sorted(d for d in values if d in WEEKDAYS)
        if len(days) == 7:
            return "Every day"
        if days == [0, 1, 2, 3, 4]:
            return "Every weekday"
        return "Every " + ", ".join(WEEKDAYS[d] for d in days) if days else "Some days each week"
    if item.schedule_kind == "weekly":
        return f"Once a week, on {WEEKDAYS[values[0]]}" if values and values[0] in WEEKDAYS else "Once a week"
    if item.schedule_kind == "days":
        return ", ".join("the session day" if d == 0 else f"day {d}" for d in sorted(values)).capitalize()
    return "Whenever it helps"


def circle_sessions(items: list[PlanItem], practice: Practice, from_day: date) -> dict[int, list]:
    """For items pointing at a group circle: its next sessions from `from_day` on, by item id."""
    from ..groups.rules import upcoming_sessions

    series_ids = sorted({item.group_series_id for item in items if item.group_series_id})
    after = from_local(from_day, time.min, practice.timezone)
    upcoming = upcoming_sessions(series_ids, practice.id, after)
    return {item.id: upcoming.get(item.group_series_id, []) for item in items if item.group_series_id}


def circle_places(items: list[PlanItem]) -> dict[int, str]:
    """Where each item's circle meets, for its member: the place, the video link, or both."""
    places = {}
    for item in items:
        series = item.group_series
        if series is not None:
            places[item.id] = " · ".join(part.strip() for part in (series.place, series.video_link) if part.strip())
    return places


def circle_dates(sessions_by_item: dict[int, list], practice: Practice,
                 places: dict[int, str] | None = None) -> dict[int, list[PlanAppointment]]:
    """Those sessions worded for the client: date and time, the theme, and where. Never who attends."""
    dates = {}
    for item_id, sessions in sessions_by_item.items():
        dates[item_id] = []
        for session in sessions:
            moment = to_local(session.starts_at, practice.timezone)
            dates[item_id].append(PlanAppointment(when_text=f"{long_date(moment.date())} at {moment:%-I:%M %p}",
                                                  what=session.theme, where=(places or {}).get(item_id, "")))
    return dates


def circles_from(plan: Plan, practice: Practice) -> date:
    """From which day a plan lists circle dates: its start, or the day it is issued if later."""
    return max(plan.start_date, issued_on(plan, practice))


def _entry(item: PlanItem, start: date, circles: dict | None = None) -> PlanEntry:
    return PlanEntry(
        circle_dates=(circles or {}).get(item.id, []),
        title=item.title,
        instructions=item.instructions or "",
        schedule_text=_schedule_text(item, start),
        time_of_day=item.time_label if item.time_of_day else "",
        why=[insight.client_words.strip() for insight in client_facing_insights(item)],
        goals=[goal_title(goal) for goal in _own_goals(item)],
        category=item.category_label,
    )


def _goals(items: list[PlanItem]) -> list[PlanGoal]:
    """Goals linked in this plan, in plan order, each with the plan's insights that speak to it. A goal's
    "why" is left out when an insight ties the goal to sensitive history."""
    goals: dict[int, PlanGoal] = {}
    touching = goals_touching_sensitive_history({g.id for item in items for g in _own_goals(item)})
    for item in items:
        for goal in _own_goals(item):
            why = "" if goal.id in touching else goal.why or ""
            goals.setdefault(goal.id, PlanGoal(title=goal_title(goal), why_in_words=why))
    for item in items:
        for insight in client_facing_insights(item):
            for goal in insight.goals:
                words = insight.client_words.strip()
                if goal.id in goals and words not in goals[goal.id].insights:
                    goals[goal.id].insights.append(words)
    return list(goals.values())


def appointment_rows(plan: Plan) -> list[tuple[date, time | None, str]]:
    """The plan's appointments as (date, time or None, what), skipping rows without a readable date."""
    rows = []
    for row in plan.appointments or []:
        try:
            on = date.fromisoformat(row["on"])
            at = time.fromisoformat(row["at"]) if row.get("at") else None
        except (KeyError, TypeError, ValueError):
            continue
        rows.append((on, at, row.get("what") or "Appointment"))
    return rows


def _appointments(rows: list[tuple[date, time | None, str]]) -> list[PlanAppointment]:
    printed = []
    for on, at, what in rows:
        when = long_date(on)
        if at is not None:
            when += f" at {at:%I:%M %p}".replace(" 0", " ")
        printed.append(PlanAppointment(when_text=when, what=what))
    return printed


def issued_on(plan: Plan, practice: Practice) -> date:
    """The date the client sees on the plan: the day it was finalized, or today for a draft."""
    if plan.finalized_at:
        return local_day(plan.finalized_at, practice.timezone)
    return local_today(practice.timezone)


def _window_days_of(item: PlanItem, window: int) -> list[int]:
    if item.schedule_kind != "days":
        return []
    return sorted(d for d in (item.schedule_values or []) if 0 <= d <= window)


def schedule_start(plan: Plan, issued: date) -> date:
    """Day 0 of the printed schedule: the plan's start, or the day it is given when the plan was set
    to start from then ("shift") and its start is already past."""
    if plan.past_days == "shift" and issued > plan.start_date:
        return issued
    return plan.start_date


def _first_days(items: list[PlanItem], start: date, window: int, circles: dict,
                shifted: bool = False, given: date | None = None) -> list[PlanDay]:
    """The integration window day by day. A practice on several days is described on its first day still
    ahead when the plan is given (`given`; days before it are printed briefly, without instructions),
    and its journaling prompts are spread over its days ahead, so each day has questions of its own."""
    days: dict[int, PlanDay] = {}
    for item in items:
        item_days = _window_days_of(item, window)
        if not item_days:
            continue
        ahead = [d for d in item_days if given is None or start + timedelta(days=d) >= given] or item_days
        full = _entry(item, start, circles)
        prompts = item.prompt_list
        for day_number in item_days:
            days.setdefault(day_number, PlanDay(day_number=day_number, date=start + timedelta(days=day_number),
                                                      shifted=shifted))
        first_label = days[ahead[0]].label
        for day_number in item_days:
            described = day_number == ahead[0] or day_number not in ahead
            days[day_number].items.append(full if described else replace(full, described_on=first_label))
            if day_number in ahead:
                days[day_number].prompts += prompts[ahead.index(day_number)::len(ahead)]
    return [days[number] for number in sorted(days)]


def split_past(days: list[PlanDay], issued: date) -> tuple[list[PlanDay], list[PlanDay]]:
    """(days already over when the plan is given, the days still ahead). A past day keeps no prompts and
    names the practices once: it is printed briefly as "already behind you"."""
    behind = [replace(day, prompts=[]) for day in days if day.date and day.date < issued]
    ahead = [day for day in days if not (day.date and day.date < issued)]
    return behind, ahead


def build_document(plan: Plan) -> PlanDocument:
    """The client's document for this plan, from patient-facing fields only: what the PDF shows and
    the calendar file's events, from one read of the plan, its settings and its circle dates."""
    client = plan.client
    practice = db.session.get(Practice, client.practice_id)
    window = practice.integration_window_days
    items = list(plan.items)
    practitioner = plan.finalized_by or plan.created_by
    issued = issued_on(plan, practice)
    start = schedule_start(plan, issued)
    sessions = circle_sessions(items, practice, circles_from(plan, practice))
    places = circle_places(items)
    circles = circle_dates(sessions, practice, places)

    behind, first_days = split_past(_first_days(items, start, window, circles, shifted=start != plan.start_date,
                                                given=issued), issued)

    ongoing_items = [item for item in items if item.schedule_kind != "days" or not item_dates(item, start, window)]
    journal_prompts = []
    for item in ongoing_items:
        journal_prompts += [p for p in item.prompt_list if p not in journal_prompts]
    appointments = appointment_rows(plan)

    return PlanDocument(
        title=DOCUMENT_TITLE,
        client_name=client.called,
        practitioner_name=practitioner.display_name if practitioner else practice.name,
        practice_name=practice.name,
        practitioner_contact=(practice.client_contact or (practitioner.email if practitioner else "")).strip(),
        start_date=start,
        window_days=window,
        message=plan.message or "",
        first_days=first_days,
        behind=behind,
        ongoing=[_entry(item, start, circles) for item in ongoing_items],
        goals=_goals(items),
        journal_prompts=journal_prompts,
        appointments=_appointments(appointments),
        tracker_practices=[item.title for item in ongoing_items if item.schedule_kind in TRACKED_KINDS],
        crisis_lines=crisis_lines(practice),
        after_hours_line=(practice.after_hours_line or "").strip(),
        reply_time=(practice.reply_time or "").strip(),
        day_of_session=day_of_session_lines(practice) if plan.dosing_session_id else [],
        version=plan.version,
        issued_on=issued,
        paper_size=practice.paper_size if practice.paper_size in ("letter", "a4") else "letter",
        large_print=plan.large_print,
        calendar=calendar_events(items, CalendarInput(
            plan_id=plan.id, start=start, window_days=window, timezone=practice.timezone, from_day=issued,
            clock=lambda time_of_day: clock_time(practice, time_of_day), circles=sessions, where=places,
            appointments=appointments, reminders=plan.reminders)),
    )


def held_back(plan: Plan) -> list[str]:
    """For the preview: everything linked to the plan that the client's copy leaves out, and why.
    Named by the practice it hangs on, never quoted: the reader of the preview may be a coach."""
    notes = []
    touching = goals_touching_sensitive_history({g.id for item in plan.items for g in item.goals})
    for item in plan.items:
        for insight in item.insights:
            reason = insight_held_back(insight, item.client_id)
            if reason:
                notes.append(f"“{item.title}”: a linked insight is not quoted, because {reason}.")
        for goal in item.goals:
            if goal.sensitive:
                notes.append(f"“{item.title}”: a linked goal is left out, because it is marked sensitive.")
            elif goal.id in touching and (goal.why or "").strip():
                notes.append(f"Goal “{goal_title(goal)}”: why it matters is left out, because it touches "
                             "sensitive history.")
    return list(dict.fromkeys(notes))


def start_date_for(session, practice: Practice) -> date:
    """A dosing session's day in the practice's time zone."""
    return local_day(session.started_at, practice.timezone)

