"""Full-text search over notes and insights, within the clients a user may reach.

A query is a list of phrases (a bare word is a phrase of one token; "…" in the query keeps words
together, in order); every phrase must occur. Words become index tokens through search/tokens.py,
the same function that indexed the notes, and search/index.py matches them in the database's own
full-text index (FTS5 on SQLite, tsvector + GIN on PostgreSQL), ranks them (bm25 / ts_rank) and
applies, inside the same query, the reading scopes (permissions.reading_scopes(): client ids by who
the user is on those records). So nothing outside the user's care is ever looked at and, within it,
only what they may read: a coach searches coaching notes and the client's words of shared insights
(never a practitioner's statement), nobody searches another's process notes.

A results page costs a fixed number of queries whatever it shows: one for the notes (with their
client and author), one for each way insights are read (full or the client's words; with their note
and client) and one for their themes. Snippets are made here, in Python, from the rows shown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..notes.models import Insight, Note
from ..permissions import READ_LEVELS, level, readable_notes
from . import index
from .tokens import spans, tokens

MAX_TERMS = 8
MAX_PHRASE_TOKENS = 12
MAX_QUERY_LENGTH = 200
RESULTS_PER_KIND = 50
SNIPPET_WIDTH = 220
# A phrase in straight or curly double quotes; everything else is single words.
QUOTED = re.compile(r'["“”]([^"“”]*)["“”]?')


def parse_query(query: str | None) -> list[index.Phrase]:
    """The query's phrases as index tokens, without repeats (at most MAX_TERMS).

    Quoted words are one phrase; other words are one-token phrases. Punctuation is never a wildcard:
    a query of `%` or `_` has no words, and finds nothing.
    """
    query = (query or "")[:MAX_QUERY_LENGTH]
    phrases: list[index.Phrase] = []

    def add(phrase: tuple[str, ...]) -> None:
        if phrase and phrase not in phrases:
            phrases.append(phrase[:MAX_PHRASE_TOKENS])

    last = 0
    for quoted in QUOTED.finditer(query):
        for token in tokens(query[last:quoted.start()]):
            add((token,))
        add(tuple(tokens(quoted.group(1))))
        last = quoted.end()
    for token in tokens(query[last:]):
        add((token,))
    return phrases[:MAX_TERMS]


@dataclass
class SearchResults:
    terms: list[index.Phrase]
    notes: list[Note]
    insights: list[Insight]
    more_notes: bool = False
    more_insights: bool = False
    words_only: set[int] = field(default_factory=set)  # insights shown by the client's words alone

    @property
    def total(self) -> int:
        return len(self.notes) + len(self.insights)

    @property
    def marks(self) -> frozenset[str]:
        """The tokens to highlight in snippets."""
        return frozenset(token for phrase in self.terms for token in phrase)


def search(terms: list[index.Phrase], scopes: list[tuple[str, Select]], limit: int = RESULTS_PER_KIND) -> SearchResults:
    """Notes and insights within the scopes [(reader, client ids)] that hold every phrase, best first."""
    if not terms:
        return SearchResults(terms, [], [])
    dialect = db.session.get_bind().dialect.name
    notes = list(db.session.scalars(notes_query(dialect, terms, scopes).limit(limit + 1)))
    ranked, words_only = [], set()
    for words in (False, True):
        query = insights_query(dialect, terms, scopes, words_only=words)
        if query is not None:
            found = [tuple(row) for row in db.session.execute(query.limit(limit + 1))]
            ranked += found
            words_only |= {insight.id for insight, _ in found} if words else set()
    insights = [insight for insight, _ in sorted(ranked, key=lambda pair: _best_first(dialect, pair[1]))]
    return SearchResults(terms, notes[:limit], insights[:limit], len(notes) > limit, len(insights) > limit,
                         words_only)


def _best_first(dialect: str, rank: float) -> float:
    return rank if dialect == "sqlite" else -rank  # bm25: lower is better; ts_rank: higher is better


def _full(reader: str) -> bool:
    return level("insights", reader) in READ_LEVELS


def _words(reader: str) -> bool:
    return not _full(reader) and level("insights.shared", reader) in READ_LEVELS


def notes_query(dialect: str, terms: list[index.Phrase], scopes: list[tuple[str, Select]]) -> Select:
    match = index.note_match(dialect, terms)
    within = or_(false(), *(and_(Note.client_id.in_(ids), readable_notes(reader)) for reader, ids in scopes))
    return (select(Note).join(match.target, match.onclause).where(match.where, within)
            .options(joinedload(Note.client), joinedload(Note.author))
            .order_by(match.best_first, Note.occurred_on.desc(), Note.id.desc()))


def insights_query(dialect: str, terms: list[index.Phrase], scopes: list[tuple[str, Select]],
                   words_only: bool) -> Select | None:
    """(Insight, rank) rows read in full, or by the client's words alone; None if no scope reads them so."""
    if words_only:
        within = [and_(Insight.client_id.in_(ids), Insight.shared_with_coach.is_(True))
                  for reader, ids in scopes if _words(reader)]
    else:
        within = [and_(Insight.client_id.in_(ids), readable_notes(reader)) for reader, ids in scopes if _full(reader)]
    if not within:
        return None
    match = index.insight_match(dialect, terms, words_only)
    rank = match.best_first.element if dialect != "sqlite" else match.best_first  # the value, not its ordering
    return (select(Insight, rank).join(Note, Note.id == Insight.note_id).join(match.target, match.onclause)
            .where(match.where, or_(*within))
            .options(joinedload(Insight.note).joinedload(Note.client), selectinload(Insight.themes))
            .order_by(match.best_first, Note.occurred_on.desc(), Insight.id.desc()))


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


def highlight(text: str, marks, width: int = SNIPPET_WIDTH) -> Markup:
    """A window of the text around the first marked word, every word whose token is in `marks`
    wrapped in <mark>; everything else escaped."""
    text = " ".join((text or "").split())
    marks = frozenset(marks)
    found = [(start, end) for start, end, token in spans(text) if token in marks]
    start = max(0, (found[0][0] if found else 0) - width // 3)
    end = min(len(text), start + width)
    if start > 0:  # begin at a word boundary
        space = text.find(" ", start, end)
        start = space + 1 if space != -1 else start
    pieces = [Markup("…")] if start > 0 else []
    last = start
    for word_start, word_end in found:
        if word_start < start or word_end > end:
            continue
        pieces.append(escape(text[last:word_start]))
        pieces.append(Markup("<mark>%s</mark>") % text[word_start:word_end])
        last = word_end
    pieces.append(escape(text[last:end]))
    if end < len(text):
        pieces.append(Markup("…"))
    return Markup("").join(pieces)


def note_snippet(note: Note, marks) -> Markup:
    return highlight(note_text(note.content), marks)


def insight_snippet(insight: Insight, marks, words_only: bool = False) -> Markup:
    if words_only:
        return highlight(f"In their words: {insight.client_words}", marks, width=400)
    text = insight.text
    if insight.client_words:
        text = f"{text} · In their words: {insight.client_words}"
    return highlight(text, marks, width=400)
