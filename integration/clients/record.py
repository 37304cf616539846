"""The client's record as a whole: the timeline, what needs attention, linked insights, the check-in chart.

The record gathers from every area through signals (see integration/signals.py): each area answers
with its own timeline entries and attention items, so this module imports no area above clients.
Each area's loaders issue a fixed number of queries however long the record grows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from .. import signals
from ..clock import DAY_FORMAT, local_today
from ..extensions import db
from ..permissions import reader_of, readable_items
from .models import Client, Goal, GoalCheckIn, HistoryItem

# How many entries the overview's timeline shows, newest first.
TIMELINE_LIMIT = 60
# How many items of one kind "needs attention" lists by name before "and N more".
ATTENTION_LIMIT = 20


# ---------------------------------------------------------------- timeline

@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    kind: str  # session, group, note, insight, checkin: a CSS hook
    label: str  # what kind of event, in words ("Dosing session")
    day: date
    moment: datetime  # orders entries within one day
    title: str
    detail: str = ""
    badge: str = ""
    url: str | None = None


def timeline(client: Client, tz_name: str, limit: int = TIMELINE_LIMIT) -> list[Entry]:
    """The newest `limit` events of the record, from every area.

    Each area gives its newest `limit`, so the merged newest `limit` are exact.
    """
    entries = signals.gather(signals.timeline, client, tz_name=tz_name, limit=limit)
    entries.sort(key=lambda e: (e.day, e.moment), reverse=True)
    return entries[:limit]


def connect() -> None:
    signals.timeline.connect(check_in_entries)
    signals.client_names.connect(names_of_clients)


def names_of_clients(practice_id: int, *, ids=None, name_contains: str | None = None,
                     limit: int = 200) -> dict[int, str]:
    """Full names of the practice's clients, by id or by a part of a name (at most `limit`)."""
    query = select(Client.id, Client.first_name, Client.last_name).where(Client.practice_id == practice_id)
    if ids is not None:
        query = query.where(Client.id.in_(ids))
    if name_contains:
        typed = name_contains.lower()[:100].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(*(func.lower(column).like(f"%{typed}%", escape="\\") for column in
                                  (Client.first_name, Client.last_name, Client.preferred_name))))
    rows = db.session.execute(query.order_by(Client.last_name, Client.first_name).limit(limit))
    return {row.id: f"{row.first_name} {row.last_name}" for row in rows}


def check_in_entries(client: Client, *, tz_name: str, limit: int) -> list[Entry]:
    """Check-ins of the goals the reader may see (none for an admin without break-glass)."""
    check_ins = db.session.scalars(
        select(GoalCheckIn).join(Goal, Goal.id == GoalCheckIn.goal_id)
        .where(GoalCheckIn.client_id == client.id, readable_items(Goal, reader_of(client)))
        .options(joinedload(GoalCheckIn.goal))
        .order_by(GoalCheckIn.checked_on.desc(), GoalCheckIn.created_at.desc(), GoalCheckIn.id.desc()).limit(limit)
    ).all()
    return [Entry("checkin", "Check-in", c.checked_on, c.created_at, f"{c.goal.title}: {c.rating} of 10", c.note,
                  url=url_for("clients.show_goal", client_id=c.client_id, goal_id=c.goal_id)) for c in check_ins]


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
    """One thing to do on the record. `badge` is empty for an "and N more" line."""

    badge: str  # "Window open", "No debrief", "Unsigned"
    text: str
    detail: str = ""
    url: str | None = None
    urgent: bool = True  # a warning colour; False for something good to know (a window open)


def attention(client: Client, tz_name: str, today: date | None = None) -> list[Attention]:
    """What needs doing on this record, from every area."""
    return signals.gather(signals.attention, client, tz_name=tz_name, today=today or local_today(tz_name))


def more_line(total: int, shown: int, one: str, many: str) -> list[Attention]:
    """An "And N more ..." line when a list was cut at ATTENTION_LIMIT."""
    extra = total - shown
    return [Attention("", f"And {extra} more {one if extra == 1 else many}.")] if extra > 0 else []


# ---------------------------------------------------------------- linked insights

def linked_insights(client: Client, *, goal: Goal | None = None, history_item: HistoryItem | None = None) -> list:
    """Every insight linked to this goal or history item, newest first."""
    return signals.gather(signals.linked_insights, client, goal=goal, history_item=history_item)


def insight_counts(client: Client, of: str) -> dict[int, int]:
    """How many insights link to each of the client's goals (of="goal") or history items (of="history")."""
    return signals.merged(signals.insight_counts, client, of=of)


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
    return day.strftime(DAY_FORMAT) if with_year else day.strftime("%b %-d")


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
