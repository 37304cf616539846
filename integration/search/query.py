"""Full-text search over notes and insights, within the clients a user may reach.

One portable approach for SQLite and PostgreSQL: every word of the query must occur
(as a substring, case-insensitively) in the note's lower-cased `search_text`, or in the
insight's statement or client's-words text. LIKE patterns are escaped, so `%` and `_`
match themselves. The caller always passes the set of client ids to search, built from
the access rule, so nothing outside the user's care is ever looked at.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..notes.models import Insight, Note

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

    @property
    def total(self) -> int:
        return len(self.notes) + len(self.insights)


def search(terms: list[str], client_ids: Select, limit: int = RESULTS_PER_KIND) -> SearchResults:
    """Notes and insights of the given clients (a query of ids) that contain every term."""
    if not terms:
        return SearchResults(terms, [], [])
    notes = list(db.session.scalars(notes_query(terms, client_ids).limit(limit + 1)))
    insights = list(db.session.scalars(insights_query(terms, client_ids).limit(limit + 1)))
    return SearchResults(terms, notes[:limit], insights[:limit], len(notes) > limit, len(insights) > limit)


def notes_query(terms: list[str], client_ids: Select) -> Select:
    matches = and_(*(Note.search_text.contains(term, autoescape=True) for term in terms))
    return (select(Note).where(Note.client_id.in_(client_ids), matches)
            .options(joinedload(Note.client), joinedload(Note.author))
            .order_by(Note.occurred_on.desc(), Note.id.desc()))


def insights_query(terms: list[str], client_ids: Select) -> Select:
    text, words = func.lower(Insight.text), func.lower(Insight.client_words)
    matches = and_(*(or_(text.contains(term, autoescape=True), words.contains(term, autoescape=True))
                     for term in terms))
    return (select(Insight).join(Note, Note.id == Insight.note_id)
            .where(Insight.client_id.in_(client_ids), matches)
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


def insight_snippet(insight: Insight, terms: list[str]) -> Markup:
    text = insight.text
    if insight.client_words:
        text = f"{text} · In their words: {insight.client_words}"
    return highlight(text, terms, width=400)
