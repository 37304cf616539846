"""Insights: saving them with their themes and links, and loading them for pages.

Insights may be added to drafts and to signed notes alike: an insight is a link from a
note to the client's history and goals, not part of the note's signed text (the content
hash covers `Note.content` only). Every change is written to the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_login import current_user
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..audit.log import record
from ..clients.models import Client, Goal, HistoryItem
from ..clock import utcnow
from ..extensions import db
from .models import Insight, InsightTheme, Note, insight_goal, insight_history_item

THEME_MAX_LENGTH = 60
THEMES_PER_INSIGHT = 20
# How long the "Undo" after removing or retracting an insight works: a correction of a slip, not
# a second way to edit the record weeks later (that is an addendum, or adding the insight again).
UNDO_MINUTES = 15


class NotNow(Exception):
    """The change does not apply to this insight as it stands; `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def remove(insight: Insight) -> None:
    """Take an insight added by mistake off an unsigned note (kept in the database for Undo).

    :raise NotNow: the note is signed (retract it, with a reason, instead).
    """
    if insight.note.is_signed:
        raise NotNow("This note is signed: retract the insight, with a reason, instead of removing it.")
    insight.removed_at = utcnow()


def retract(insight: Insight, reason: str) -> None:
    """Retract an insight from a signed note: kept and shown struck through, with the reason.

    :raise NotNow: the note is still a draft (remove it instead), or it is retracted already.
    """
    if not insight.note.is_signed:
        raise NotNow("This note is still a draft: remove the insight instead.")
    if insight.is_retracted:
        raise NotNow("This insight is already retracted.")
    insight.retracted_at = utcnow()
    insight.retracted_by_id = current_user.id
    insight.retraction_reason = reason.strip()


def undo_withdrawal(insight: Insight) -> str:
    """Undo a removal or a retraction made in the last UNDO_MINUTES minutes; returns which it was.

    :raise NotNow: there is nothing to undo, or it is too late.
    """
    since = utcnow() - timedelta(minutes=UNDO_MINUTES)
    if insight.removed_at is not None and insight.removed_at > since:
        insight.removed_at = None
        return "removal"
    if insight.retracted_at is not None and insight.retracted_at > since:
        insight.retracted_at, insight.retracted_by_id, insight.retraction_reason = None, None, ""
        return "retraction"
    raise NotNow("This can no longer be undone here.")


def parse_themes(raw: str | None) -> list[str]:
    """Comma-separated tags as lower-case themes: trimmed, inner spaces collapsed, no repeats."""
    themes: list[str] = []
    for part in (raw or "").split(","):
        theme = " ".join(part.split()).lower()
        if theme and theme not in themes:
            themes.append(theme)
    return themes


def linkable_goals(client: Client, keep: list[Goal] = ()) -> list[Goal]:
    """The client's goals an insight may link to: those not archived, plus any already linked."""
    keep_ids = [g.id for g in keep]
    query = select(Goal).where(Goal.client_id == client.id)
    query = query.where(or_(Goal.archived.is_(False), Goal.id.in_(keep_ids)) if keep_ids else Goal.archived.is_(False))
    return list(db.session.scalars(query.order_by(Goal.title, Goal.id)))


def linkable_history(client: Client, keep: list[HistoryItem] = ()) -> list[HistoryItem]:
    """The client's history items an insight may link to: not archived, plus any already linked."""
    keep_ids = [h.id for h in keep]
    query = select(HistoryItem).where(HistoryItem.client_id == client.id)
    query = query.where(or_(HistoryItem.archived.is_(False), HistoryItem.id.in_(keep_ids)) if keep_ids
                        else HistoryItem.archived.is_(False))
    return list(db.session.scalars(query.order_by(HistoryItem.category, HistoryItem.title, HistoryItem.id)))


def set_themes(insight: Insight, themes: list[str]) -> None:
    """Make the insight's themes exactly these, keeping rows that stay (the pair is unique)."""
    current = {t.theme: t for t in insight.themes}
    for theme, row in current.items():
        if theme not in themes:
            insight.themes.remove(row)
    for theme in themes:
        if theme not in current:
            insight.themes.append(InsightTheme(theme=theme, client_id=insight.client_id))


def new_goal(client: Client, title: str) -> Goal:
    """A goal created on the spot from a note, to be filled in later on its own page."""
    goal = Goal(client_id=client.id, title=title, created_by_id=current_user.id)
    db.session.add(goal)
    db.session.flush()
    record("create", obj=goal, client=client, detail="created from an insight")
    return goal


def new_history_item(client: Client, title: str, category: str, sensitive: bool) -> HistoryItem:
    """A history item created on the spot from a note."""
    item = HistoryItem(client_id=client.id, title=title, category=category, sensitive=sensitive,
                       created_by_id=current_user.id)
    db.session.add(item)
    db.session.flush()
    record("create", obj=item, client=client, detail="created from an insight")
    return item


def _confirm_words(insight: Insight, words: str, confirmed: bool) -> None:
    """Keep who confirmed the client's words, and when; new words, or an unticked box, clear it."""
    changed = words.strip() != (insight.client_words or "").strip()
    insight.client_words = words
    if not confirmed or not words.strip():
        insight.words_confirmed_by_id = insight.words_confirmed_at = None
    elif changed or insight.words_confirmed_at is None:
        insight.words_confirmed_by_id = current_user.id
        insight.words_confirmed_at = utcnow()


def save_insight(insight: Insight, form, client: Client, goals: list[Goal], history: list[HistoryItem]) -> None:
    """Copy a validated InsightForm onto the insight, creating any new goal or history item.

    `goals` and `history` are the objects the form offered (all the client's), so a
    chosen id can only ever resolve to one of this client's own goals and items.
    """
    insight.text = form.text.data
    _confirm_words(insight, form.client_words.data or "", bool(form.words_confirmed.data))
    insight.shared_with_coach = bool(form.shared_with_coach.data)
    set_themes(insight, parse_themes(form.themes.data))
    by_id_goal = {g.id: g for g in goals}
    by_id_history = {h.id: h for h in history}
    chosen_goals = [by_id_goal[i] for i in form.goal_ids.data or []]
    chosen_history = [by_id_history[i] for i in form.history_ids.data or []]
    if form.new_goal_title.data:
        chosen_goals.append(new_goal(client, form.new_goal_title.data))
    if form.new_history_title.data:
        chosen_history.append(new_history_item(client, form.new_history_title.data,
                                               form.new_history_category.data, form.new_history_sensitive.data))
    insight.goals = chosen_goals
    insight.history_items = chosen_history


def audit_detail(insight: Insight) -> str:
    """What an insight links to and whether it is shared, in one line for the audit log.

    Never its words: the audit log is the practice admin's, who reads no clinical content.
    """
    return (f"{len(insight.text)} characters | shared with the coach: {'yes' if insight.shared_with_coach else 'no'} | "
            f"{len(insight.themes)} themes | goals: {[g.id for g in insight.goals]} | "
            f"history: {[h.id for h in insight.history_items]}")


def _with_links(query: Select) -> Select:
    return query.options(selectinload(Insight.themes), selectinload(Insight.goals),
                         selectinload(Insight.history_items))


def insights_of_note(note: Note) -> list[Insight]:
    """The note's insights with their themes and links, loaded in a fixed number of queries."""
    query = _with_links(select(Insight).where(Insight.note_id == note.id, Insight.client_id == note.client_id,
                                              Insight.removed_at.is_(None)))
    return list(db.session.scalars(query.order_by(Insight.id)))


@dataclass
class InsightFilters:
    """What the insights page is narrowed to (all optional)."""

    theme: str = ""
    goal_id: int | None = None
    history_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.theme or self.goal_id or self.history_id or self.date_from or self.date_to)


def client_insights_query(client: Client, filters: InsightFilters) -> Select:
    """Every insight of the client, newest note first, narrowed by the filters."""
    query = (select(Insight).join(Note, Note.id == Insight.note_id)
             .where(Insight.client_id == client.id, Note.client_id == client.id)
             .options(joinedload(Insight.note).joinedload(Note.author)))
    query = _with_links(query)
    if filters.theme:
        query = query.where(Insight.id.in_(select(InsightTheme.insight_id).where(
            InsightTheme.client_id == client.id, InsightTheme.theme == filters.theme)))
    if filters.goal_id:
        query = query.where(Insight.id.in_(select(insight_goal.c.insight_id).where(
            insight_goal.c.goal_id == filters.goal_id)))
    if filters.history_id:
        query = query.where(Insight.id.in_(select(insight_history_item.c.insight_id).where(
            insight_history_item.c.history_item_id == filters.history_id)))
    if filters.date_from:
        query = query.where(Note.occurred_on >= filters.date_from)
    if filters.date_to:
        query = query.where(Note.occurred_on <= filters.date_to)
    return query.order_by(Note.occurred_on.desc(), Insight.created_at.desc(), Insight.id.desc())


def client_themes(client: Client) -> list[str]:
    """Every theme used on the client's insights, alphabetically."""
    return list(db.session.scalars(select(InsightTheme.theme).where(InsightTheme.client_id == client.id)
                                   .distinct().order_by(InsightTheme.theme)))


@dataclass
class InsightPanel:
    """What the insights part of a note page shows."""

    note: Note
    insights: list[Insight]
    form: object
    goals: list[Goal] = field(default_factory=list)
    history: list[HistoryItem] = field(default_factory=list)
