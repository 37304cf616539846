"""The client's record as a whole: the timeline, what needs attention, linked insights, the check-in chart.

Plain functions that views call. Each loader issues a fixed number of queries, however long the
record grows, so the pages built on them stay fast for a client with years of notes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError

from ..clock import local_today, to_local, utcnow
from ..extensions import db
from ..notes.window import integration_window
from ..notes.models import DosingSession, Insight, Note, insight_goal, insight_history_item
from .models import Client, Goal, GoalCheckIn, HistoryItem

# How many entries the overview's timeline shows, newest first.
TIMELINE_LIMIT = 60
# How many unsigned notes or sessions without a debrief are listed by name before "and N more".
ATTENTION_LIMIT = 20


def link_for(endpoint: str, **values) -> str | None:
    """A URL for an endpoint another area may not have built yet; None while it does not exist."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def note_link(note) -> str | None:
    return link_for("notes.show_note", client_id=note.client_id, note_id=note.id)


def session_link(session) -> str | None:
    return link_for("notes.show_session", client_id=session.client_id, session_id=session.id)


def session_day(session, tz_name: str) -> date:
    """The day a dosing session happened, where the practice is."""
    return to_local(session.started_at, tz_name).date()


# ---------------------------------------------------------------- timeline

@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    kind: str  # session, group, note, insight, checkin
    day: date
    moment: datetime  # orders entries within one day
    title: str
    detail: str = ""
    badge: str = ""
    url: str | None = None


def _session_entry(session, tz_name: str) -> Entry:
    dose = []
    if session.dose_mg:
        dose.append(f"{session.dose_mg:g} mg")
    if session.dose_mg_per_kg:
        dose.append(f"{session.dose_mg_per_kg:g} mg/kg")
    local = to_local(session.started_at, tz_name)
    detail = " · ".join(filter(None, [local.strftime("%-I:%M %p"), session.medicine.capitalize(),
                                      session.route_label, ", ".join(dose)]))
    return Entry("session", local.date(), session.started_at, f"Dosing session {session.number}",
                 detail, url=session_link(session))


def _note_entry(note) -> Entry:
    title = note.kind_label
    if note.dosing_session is not None:
        title += f" for session {note.dosing_session.number}"
    if note.group_session is not None:
        title += f": {note.group_session.series.name}"
    by = f"by {note.author.name}" if note.author else ""
    return Entry("note", note.occurred_on, note.created_at, title, by,
                 badge="Draft" if note.status == "draft" else "Signed", url=note_link(note))


def _insight_entry(insight) -> Entry:
    themes = ", ".join(insight.theme_names)
    return Entry("insight", insight.note.occurred_on, insight.created_at, insight.text,
                 f"Themes: {themes}" if themes else "", url=note_link(insight.note))


def _checkin_entry(check_in) -> Entry:
    return Entry("checkin", check_in.checked_on, check_in.created_at,
                 f"{check_in.goal.title}: {check_in.rating} of 10", check_in.note,
                 url=url_for("clients.show_goal", client_id=check_in.client_id, goal_id=check_in.goal_id))


def _circle_entry(attendance, tz_name: str) -> Entry:
    """A group session as this client's record shows it: series, date, theme, their own attendance.
    Never who else was there."""
    session = attendance.group_session
    local = to_local(session.starts_at, tz_name)
    detail = " · ".join(filter(None, [local.strftime("%-I:%M %p"), session.theme, attendance.status_label]))
    return Entry("group", local.date(), session.starts_at, session.series.name, detail,
                 url=link_for("groups.client_attendance", client_id=attendance.client_id))


def timeline(client: Client, tz_name: str, limit: int = TIMELINE_LIMIT) -> list[Entry]:
    """The newest `limit` events of the record: dosing sessions, group sessions, notes, insights
    and goal check-ins.

    Takes the newest `limit` of each kind (so the merged newest `limit` are exact) in six queries.
    """
    from ..groups.models import Attendance, GroupSession

    circles = db.session.scalars(
        select(Attendance).join(GroupSession, GroupSession.id == Attendance.group_session_id)
        .where(Attendance.client_id == client.id)
        .options(joinedload(Attendance.group_session).joinedload(GroupSession.series))
        .order_by(GroupSession.starts_at.desc(), Attendance.id.desc()).limit(limit)
    ).all()
    sessions = db.session.scalars(
        select(DosingSession).where(DosingSession.client_id == client.id)
        .order_by(DosingSession.started_at.desc(), DosingSession.id.desc()).limit(limit)
    ).all()
    notes = db.session.scalars(
        select(Note).where(Note.client_id == client.id)
        .options(joinedload(Note.author), joinedload(Note.dosing_session),
                 joinedload(Note.group_session).joinedload(GroupSession.series))
        .order_by(Note.occurred_on.desc(), Note.created_at.desc(), Note.id.desc()).limit(limit)
    ).all()
    insights = db.session.scalars(
        select(Insight).join(Insight.note).where(Insight.client_id == client.id)
        .options(joinedload(Insight.note), selectinload(Insight.themes))
        .order_by(Note.occurred_on.desc(), Insight.created_at.desc(), Insight.id.desc()).limit(limit)
    ).all()
    check_ins = db.session.scalars(
        select(GoalCheckIn).where(GoalCheckIn.client_id == client.id)
        .options(joinedload(GoalCheckIn.goal))
        .order_by(GoalCheckIn.checked_on.desc(), GoalCheckIn.created_at.desc(), GoalCheckIn.id.desc()).limit(limit)
    ).all()
    entries = ([_session_entry(s, tz_name) for s in sessions] + [_circle_entry(a, tz_name) for a in circles]
               + [_note_entry(n) for n in notes]
               + [_insight_entry(i) for i in insights] + [_checkin_entry(c) for c in check_ins])
    entries.sort(key=lambda e: (e.day, e.moment), reverse=True)
    return entries[:limit]


def by_day(entries: list[Entry]) -> list[tuple[date, list[Entry]]]:
    """Entries grouped under their day, keeping their order."""
    groups: list[tuple[date, list[Entry]]] = []
    for entry in entries:
        if not groups or groups[-1][0] != entry.day:
            groups.append((entry.day, []))
        groups[-1][1].append(entry)
    return groups


# ---------------------------------------------------------------- needs attention

@dataclass(frozen=True)
class Attention:
    kind: str  # draft, no_debrief, window
    text: str
    detail: str = ""
    url: str | None = None


@dataclass
class AttentionList:
    items: list[Attention] = field(default_factory=list)
    more_drafts: int = 0
    more_without_debrief: int = 0

    def __bool__(self) -> bool:
        return bool(self.items)


def attention(client: Client, tz_name: str, today: date | None = None) -> AttentionList:
    """What needs doing on this record: open windows, sessions with no debrief, unsigned notes."""
    today = today or local_today(tz_name)
    window_days = client.practice.integration_window_days
    found = AttentionList()

    # Any session whose window may be open, whatever the zone: sessions of the last few days.
    recent = db.session.scalars(
        select(DosingSession).where(DosingSession.client_id == client.id,
                                    DosingSession.started_at >= utcnow() - timedelta(days=window_days + 2))
        .order_by(DosingSession.started_at.desc())
    ).all()
    for session in recent:
        window = integration_window(session, client.practice, today)
        if window.is_open:
            found.items.append(Attention(
                "window", f"Integration window open after session {session.number}",
                (f"Day {window.day} after the session" if window.day else "Session day")
                + f"; open through {window.last:%a %b %-d}.",
                url=session_link(session)))

    has_debrief = exists().where(Note.dosing_session_id == DosingSession.id, Note.kind == "debrief")
    rows = db.session.execute(
        select(DosingSession, func.count().over())
        .where(DosingSession.client_id == client.id, ~has_debrief)
        .order_by(DosingSession.started_at.desc()).limit(ATTENTION_LIMIT)).all()
    for session, total in rows:
        found.more_without_debrief = total - len(rows)
        found.items.append(Attention(
            "no_debrief", f"Session {session.number} has no debrief yet",
            f"Dosing session on {session_day(session, tz_name):%b %-d, %Y}.", url=session_link(session)))

    rows = db.session.execute(
        select(Note, func.count().over())
        .where(Note.client_id == client.id, Note.status == "draft").options(joinedload(Note.author))
        .order_by(Note.occurred_on, Note.id).limit(ATTENTION_LIMIT)).all()
    for note, total in rows:
        found.more_drafts = total - len(rows)
        found.items.append(Attention(
            "draft", f"{note.kind_label} of {note.occurred_on:%b %-d, %Y} is not signed",
            f"Draft by {note.author.name}." if note.author else "Draft.", url=note_link(note)))
    return found


# ---------------------------------------------------------------- linked insights

def linked_insights(client: Client, *, goal: Goal | None = None, history_item: HistoryItem | None = None) -> list:
    """Every insight linked to this goal or history item, newest note first, with its note loaded."""
    query = select(Insight).join(Insight.note).where(Insight.client_id == client.id)
    if goal is not None:
        query = query.join(insight_goal, insight_goal.c.insight_id == Insight.id).where(
            insight_goal.c.goal_id == goal.id)
    if history_item is not None:
        query = query.join(insight_history_item, insight_history_item.c.insight_id == Insight.id).where(
            insight_history_item.c.history_item_id == history_item.id)
    query = query.options(
        joinedload(Insight.note).joinedload(Note.author),
        selectinload(Insight.themes),
        selectinload(Insight.goals),
        selectinload(Insight.history_items),
    ).order_by(Note.occurred_on.desc(), Insight.id.desc())
    return db.session.scalars(query).unique().all()


def insight_counts(client: Client, table_column) -> dict[int, int]:
    """How many insights link to each goal or history item of the client, in one query.

    `table_column` is insight_goal.c.goal_id or insight_history_item.c.history_item_id.
    """
    rows = db.session.execute(
        select(table_column, func.count()).join(Insight, Insight.id == table_column.table.c.insight_id)
        .where(Insight.client_id == client.id).group_by(table_column)
    ).all()
    return {row[0]: row[1] for row in rows}


# ---------------------------------------------------------------- check-in chart

@dataclass(frozen=True)
class Point:
    x: float
    y: float
    rating: int
    day: date


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Geometry for a small line chart of check-in ratings (0–10) over time, drawn as inline SVG."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[Point]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    title: str
    desc: str

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _day_label(day: date, with_year: bool) -> str:
    return day.strftime("%b %-d, %Y") if with_year else day.strftime("%b %-d")


def describe_check_ins(title: str, check_ins: list) -> str:
    """The words a screen reader hears in place of the chart."""
    if not check_ins:
        return f"No check-ins yet for {title}."
    first, last = check_ins[0], check_ins[-1]
    ratings = [c.rating for c in check_ins]
    text = (f"{len(check_ins)} check-in{'s' if len(check_ins) != 1 else ''} from "
            f"{first.checked_on:%b %-d, %Y} to {last.checked_on:%b %-d, %Y}, on a scale of 0 to 10. ")
    if len(check_ins) <= 12:
        text += "Ratings: " + "; ".join(f"{c.checked_on:%b %-d}: {c.rating}" for c in check_ins) + ". "
    else:
        text += f"Lowest {min(ratings)}, highest {max(ratings)}. "
    text += f"Latest rating {last.rating} of 10."
    return text


def checkin_chart(goal_title: str, check_ins: list, width: int = 640, height: int = 220) -> Chart:
    """Place check-ins (oldest first) on a 0–10 scale with dates along the x-axis."""
    left, right, top, bottom = 40, 20, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    days = [c.checked_on for c in check_ins]
    start, end = (min(days), max(days)) if days else (None, None)
    span = (end - start).days if days else 0

    def x_of(day: date) -> float:
        if span == 0:
            return left + plot_w / 2
        return left + plot_w * (day - start).days / span

    def y_of(rating: int) -> float:
        return top + plot_h * (10 - rating) / 10

    points = [Point(round(x_of(c.checked_on), 1), round(y_of(c.rating), 1), c.rating, c.checked_on)
              for c in check_ins]
    with_year = bool(days) and start.year != end.year
    if not days:
        x_ticks = []
    elif span == 0:
        x_ticks = [Tick(x_of(start), _day_label(start, with_year))]
    else:
        steps = min(4, span)
        marks = sorted({start + timedelta(days=round(span * i / steps)) for i in range(steps + 1)})
        x_ticks = [Tick(round(x_of(d), 1), _day_label(d, with_year)) for d in marks]
    y_ticks = [Tick(round(y_of(v), 1), str(v)) for v in (0, 5, 10)]
    return Chart(width, height, left, right, top, bottom, points, x_ticks, y_ticks,
                 title=f"Check-ins for “{goal_title}”", desc=describe_check_ins(goal_title, check_ins))
