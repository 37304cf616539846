"""Full-text search over notes and insights, within the clients a user may reach.

One portable approach for SQLite and PostgreSQL: every word of the query must occur
(as a substring, case-insensitively) in the note's lower-cased `search_text`, or in the
insight's statement or client's-words text. LIKE patterns are escaped, so `%` and `_`
match themselves. The caller passes the reading scopes (permissions.reading_scopes(): client ids
by who the user is on those records), so nothing outside the user's care is ever looked at and,
within it, only what they may read: a coach searches coaching notes and the client's words of shared
insights (never a practitioner's statement), nobody searches another's process notes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..notes.models import Insight, Note
from ..permissions import READ_LEVELS, level, readable_notes

MAX_TERMS = 8
MAX_QUERY_LENGTH = 200
RESULTS_PER_KIND = 50
SNIPPET_WIDTH = 220


def parse_terms(query: str | None) -> list[str]:
    """The words of a query, lower-cased, without repeats (at most MAX_TERMS)."""
    terms: list[str] = []
    for word in (query or "")[:MAX_QUERY_LENGTH].lower().split():
        word = word.strip("\"'“”‘’")
        if word and word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


@dataclass
class SearchResults:
    terms: list[str]
    notes: list[Note]
    insights: list[Insight]
    more_notes: bool = False
    more_insights: bool = False
    words_only: set[int] = field(default_factory=set)  # insights shown by the client's words alone

    @property
    def total(self) -> int:
        return len(self.notes) + len(self.insights)


def search(terms: list[str], scopes: list[tuple[str, Select]], limit: int = RESULTS_PER_KIND) -> SearchResults:
    """Notes and insights within the scopes [(reader, client ids)] that contain every term."""
    if not terms:
        return SearchResults(terms, [], [])
    notes = list(db.session.scalars(notes_query(terms, scopes).limit(limit + 1)))
    insights = list(db.session.scalars(insights_query(terms, scopes).limit(limit + 1)))
    words_only = {i.id for i in insights if i.client_id in _words_only_clients(scopes, insights)}
    return SearchResults(terms, notes[:limit], insights[:limit], len(notes) > limit, len(insights) > limit,
                         words_only)


def _full(reader: str) -> bool:
    return level("insights", reader) in READ_LEVELS


def _words(reader: str) -> bool:
    return not _full(reader) and level("insights.shared", reader) in READ_LEVELS


def _words_only_clients(scopes, insights) -> set[int]:
    ids = {i.client_id for i in insights}
    found = set()
    for reader, client_ids in scopes:
        if _words(reader) and ids:
            found |= set(db.session.scalars(client_ids.where(client_ids.selected_columns[0].in_(ids))))
    return found


def notes_query(terms: list[str], scopes: list[tuple[str, Select]]) -> Select:
    matches = and_(*(Note.search_text.contains(term, autoescape=True) for term in terms))
    within = or_(false(), *(and_(Note.client_id.in_(ids), readable_notes(reader)) for reader, ids in scopes))
    return (select(Note).where(within, matches)
            .options(joinedload(Note.client), joinedload(Note.author))
            .order_by(Note.occurred_on.desc(), Note.id.desc()))


def insights_query(terms: list[str], scopes: list[tuple[str, Select]]) -> Select:
    text, words = func.lower(Insight.text), func.lower(Insight.client_words)
    in_full = and_(*(or_(text.contains(term, autoescape=True), words.contains(term, autoescape=True))
                     for term in terms))
    in_words = and_(*(words.contains(term, autoescape=True) for term in terms))
    within = [and_(Insight.client_id.in_(ids), readable_notes(reader), in_full)
              for reader, ids in scopes if _full(reader)]
    within += [and_(Insight.client_id.in_(ids), Insight.shared_with_coach.is_(True), Insight.retracted_at.is_(None),
                    Note.status != "discarded", in_words)
               for reader, ids in scopes if _words(reader)]
    return (select(Insight).join(Note, Note.id == Insight.note_id)
            .where(Insight.removed_at.is_(None), or_(false(), *within))
            .options(joinedload(Insight.note).joinedload(Note.client), selectinload(Insight.themes))
            .order_by(Note.occurred_on.desc(), Insight.id.desc()))


def note_text(content) -> str:
    """Every piece of text in a note's sections, in order, as one string."""
    parts: list[str] = []

    def walk(value):
        if isinstance(value, str):
            if value.strip():
                parts.append(value.strip())
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(content or {})
    return " · ".join(parts)


def highlight(text: str, terms: list[str], width: int = SNIPPET_WIDTH) -> Markup:
    """A window of the text around the first match, every term wrapped in <mark>; all else escaped."""
    text = " ".join((text or "").split())
    if not terms:
        return escape(text[:width])
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - width // 3)
    end = min(len(text), start + width)
    if start > 0:  # begin at a word boundary
        space = text.find(" ", start, end)
        start = space + 1 if space != -1 else start
    window = text[start:end]
    pieces = [Markup("…")] if start > 0 else []
    last = 0
    for match in pattern.finditer(window):
        pieces.append(escape(window[last:match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % window[match.start():match.end()])
        last = match.end()
    pieces.append(escape(window[last:]))
    if end < len(text):
        pieces.append(Markup("…"))
    return Markup("").join(pieces)


def note_snippet(note: Note, terms: list[str]) -> Markup:
    return highlight(note_text(note.content), terms)


def insight_snippet(insight: Insight, terms: list[str], words_only: bool = False) -> Markup:
    if words_only:
        return highlight(f"In their words: {insight.client_words}", terms, width=400)
    text = insight.text
    if insight.client_words:
        text = f"{text} · In their words: {insight.client_words}"
    return highlight(text, terms, width=400)
