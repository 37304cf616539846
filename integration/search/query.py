"""Full-text search over notes and insights, within the clients a user may reach.

A query is a list of phrases (a bare word is a phrase of one token; "…" in the query keeps words
together, in order); every phrase must occur. Words become index tokens through search/tokens.py,
the same function that indexed the notes, and search/index.py matches them in the database's own
full-text index (FTS5 on SQLite, tsvector + GIN on PostgreSQL), ranks them (how often and how densely
the phrases stand in each, search/index.py; ts_rank on PostgreSQL) and
applies, inside the same query, the reading scopes (permissions.reading_scopes(): client ids by who
the user is on those records). So nothing outside the user's care is ever looked at and, within it,
only what they may read: a coach searches coaching notes and the client's words of shared insights
(never a practitioner's statement), nobody searches another's process notes.

A results page costs a fixed number of queries whatever it shows: one to list the clients in scope
(which branch each search takes, _listed), one for the notes (with their client and author), one for
each way insights are read (full or the client's words; with their note and client) and one for their
themes; on PostgreSQL, up to two `SET LOCAL`s around a caseload's statements (_Plans). Snippets
are made here, in Python, from the rows shown: only their text is decrypted (integration/crypto/;
every other encrypted column of what is loaded stays unread), and it is highlighted by comparing keyed
tokens.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from math import sqrt

from markupsafe import Markup, escape
from sqlalchemy import Select, and_, false, func, literal_column, or_, select, text, union
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..auth.models import User
from ..clients.models import Client
from ..crypto.columns import unread_encrypted
from ..extensions import db
from ..notes.models import Insight, Note
from ..notes.sections import written_parts
from ..permissions import NOTE_CONTENT, READ_LEVELS, among, level, listed, readable_notes
from . import index
from .tokens import marked, tokens

MAX_TERMS = 8
MAX_PHRASE_TOKENS = 12
MAX_QUERY_LENGTH = 200
PER_PAGE = 20  # of each kind; "More results" pages on
CANDIDATES = 200  # the most recent matches ranked (see _candidates); pages end there
MAX_PAGES = CANDIDATES // PER_PAGE
NARROW_SCOPE = 300  # clients: up to this many, SQLite lists the readable notes first
NARROW, WALK, GATHER = "narrow", "walk", "gather"  # how a list finds its candidates (_branch)
SNIPPET_WIDTH = 220
Clients = Select | list[int]  # a select of client ids, or the ids themselves (_listed)
Scope = tuple[str, Clients]  # (reader, clients): permissions.reading_scopes()
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
    page: int = 1

    @property
    def more(self) -> bool:
        return (self.more_notes or self.more_insights) and self.page < MAX_PAGES

    @property
    def total(self) -> int:
        return len(self.notes) + len(self.insights)

    @property
    def marks(self) -> frozenset[str]:
        """The tokens to highlight in snippets."""
        return frozenset(token for phrase in self.terms for token in phrase)


def search(terms: list[index.Phrase], scopes: list[Scope], page: int = 1) -> SearchResults:
    """Notes and insights within the scopes [(reader, client ids)] that hold every phrase, best first,
    PER_PAGE of each kind on this page (1 to MAX_PAGES)."""
    page = min(max(1, page), MAX_PAGES)
    if not terms:
        return SearchResults(terms, [], [], page=page)
    dialect = db.session.get_bind().dialect.name
    skip = (page - 1) * PER_PAGE
    scopes, counted = _listed(scopes)
    branches = {name: _branch(dialect, terms, name, clients, _caseload(name, scopes) is not None)
                for name, clients in counted.items()}
    plans = _Plans(dialect)
    query = notes_query(dialect, terms, scopes, branches["notes"])
    plans.keep(_plan_kept(query))
    notes = list(db.session.scalars(query.offset(skip).limit(PER_PAGE + 1)))
    ranked, words_only = [], set()
    for words in (False, True):
        branch = branches["words" if words else "full"]
        query = insights_query(dialect, terms, scopes, words_only=words, branch=branch)
        if query is not None:
            plans.keep(_plan_kept(query))
            # Two lists merged by rank: each gives everything up to the end of this page.
            found = [tuple(row) for row in db.session.execute(query.limit(skip + PER_PAGE + 1))]
            ranked += found
            words_only |= {insight.id for insight, _ in found} if words else set()
    plans.keep(False)
    insights = [insight for insight, _ in sorted(ranked, key=lambda pair: -pair[1])][skip:]  # best first
    return SearchResults(terms, notes[:PER_PAGE], insights[:PER_PAGE], len(notes) > PER_PAGE,
                         len(insights) > PER_PAGE, words_only, page)


class _Plans:
    """On PostgreSQL, whether the next search statement keeps one plan per connection (a generic plan)
    or is planned for its own values (the app's default, search/index.py `_custom_plans`).

    A statement whose cost a caseload bounds, whatever the word (_bounded_by_caseload), keeps its
    plan: planning it again for every search cost 3-4 ms of a 50 ms page (8 ms for the notes and
    insights statements on a busy machine); kept, it costs nothing once psycopg has prepared the
    statement (its fifth run on a connection). A wide search must be planned for its word (a GIN
    bitmap for a rare one, a walk of the newest for a common one): the default comes back before it
    and after the search. SET LOCAL: a rollback or the commit ends it too."""

    def __init__(self, dialect: str):
        self.postgresql = dialect == "postgresql"
        self.kept = False

    def keep(self, kept: bool) -> None:
        if self.postgresql and kept != self.kept:
            mode = "force_generic_plan" if kept else "force_custom_plan"
            db.session.execute(text(f"SET LOCAL plan_cache_mode = {mode}"))
            self.kept = kept


PLAN_KEPT = "search_plan_kept"  # a statement's execution option: PostgreSQL may keep its plan (_Plans)


def _bounded_by_caseload(query: Select, branch: str, caseload: list[int] | None) -> Select:
    """The statement, marked PLAN_KEPT when a caseload bounds what it reads whatever the word: a
    narrow search (a MATERIALIZED list of the caseload's rows, tested one by one), or a gather that
    names the caseload on the token rows (the index's matches met with the caseload's rows; a plan
    made without the word still reads no more than those rows). A caseload's rare word gathered,
    planned for each search: 1.6 ms for its notes and 2.0 for its insights at 200,000 notes, 0.6
    each kept; a common word's insights 3.4 -> 0.8 ms."""
    kept = branch == NARROW or (branch == GATHER and caseload is not None)
    return query.execution_options(**{PLAN_KEPT: kept})


def _plan_kept(query: Select) -> bool:
    return query.get_execution_options().get(PLAN_KEPT, False)


def _reads_others_notes(reader: str) -> bool:
    """Whether this reader reads notes they did not write (an admin reads only their own)."""
    return any(level(content, reader) in READ_LEVELS for content in NOTE_CONTENT.values())


def _full(reader: str) -> bool:
    return level("insights", reader) in READ_LEVELS


def _words(reader: str) -> bool:
    return not _full(reader) and level("insights.shared", reader) in READ_LEVELS


# Which scopes' clients count towards NARROW_SCOPE, for each list: not those where the reader reads only
# what they wrote themselves (an admin's notes: few rows, whatever the number of clients).
COUNTED = {"notes": _reads_others_notes, "full": _full, "words": _words}


def _listed(scopes: list[Scope]) -> tuple[list[Scope], dict[str, int | None]]:
    """The scopes with their clients listed where there are NARROW_SCOPE or fewer, and for the notes and
    each way insights are read, how many clients count if NARROW_SCOPE or fewer (a narrow search,
    _candidates; None: more).

    One query, before the searches, reads up to NARROW_SCOPE + 1 clients of each scope that counts: the
    statements that follow then name a caseload's clients as one list (`client_id = ANY(…)` on
    PostgreSQL) instead of each working out the care team again (on PostgreSQL a hash of the practice's
    every client, 2 ms a statement at 5,000 clients), and each statement is planned (and built) with
    the one branch it runs."""
    counted = {name: [i for i, (reader, _) in enumerate(scopes) if counts_towards(reader)]
               for name, counts_towards in COUNTED.items()}
    wanted = sorted({i for which in counted.values() for i in which})
    found = dict(zip(wanted, listed([scopes[i][1] for i in wanted], NARROW_SCOPE)))
    fits = {i for i, ids in found.items() if ids is not None}

    def size(which: list[int]) -> int | None:
        if not set(which) <= fits:
            return None
        together = len(set().union(*(found[i] for i in which)))
        return together if together <= NARROW_SCOPE else None

    named = [(reader, found[i] if i in fits else ids) for i, (reader, ids) in enumerate(scopes)]
    return named, {name: size(which) for name, which in counted.items()}


def _branch(dialect: str, terms: list[index.Phrase], which: str, clients: int | None, named: bool) -> str:
    """How a list (the notes, or insights read in full or by the client's words: `which`) finds its
    CANDIDATES, given how many clients its reader counts (None: more than NARROW_SCOPE) and whether its
    statement names them on the token rows (`named`: it has a _caseload).

    NARROW: the reader's rows, tested one by one. WALK: the matches, newest first, by the planner's
    choice. GATHER (PostgreSQL): every match through the GIN index, then the newest, when PostgreSQL's
    statistics expect few matches (index.TokenStatistics): fewer rows in the whole table than the
    caseload holds, or for a wide reader fewer than a walk would read to find CANDIDATES of them (a walk
    of the table for a word in s of its n rows reads about CANDIDATES / s rows; gathering reads s × n,
    so fewer while (s × n)² < CANDIDATES × n). A walk is what the planner takes for a word it cannot
    know is rare, and a word in no insight at all walked all 180,000 of them at 1,000,000 notes
    (170 ms; 10 ms gathered).

    A caseload's matches are gathered whenever that reads fewer rows, if its statement names its
    clients on the token rows (migrations 0030 and 0033): it then reads the caseload's matches alone,
    s × r of its r rows; a narrow walk tests up to CANDIDATES / s of them: fewer gathered while
    s² × r < CANDIDATES. 742 insights for Ines, 23 holding "breath": 7.7 -> 1.5 ms. At 1,000,000
    notes a word the statistics do not list is expected in more notes than her caseload holds, so her
    rare word tested every one of her 4,021 notes (9.5 ms); gathered, 4.2 ms. A common word stays
    narrow: gathered, it read most of the caseload's token rows (13-19 ms against 8 walked). Not named
    (an admin's own notes beside a record opened by break-glass), a gather reads every match in the
    practice: an admin's common word took 0.2 s at 200,000 notes, 1 s at 1,000,000."""
    known = index.statistics_of(which) if dialect == "postgresql" else None
    if known is not None:
        expected = known.matches(terms)
        if clients is None:
            return GATHER if expected < sqrt(CANDIDATES * known.rows) else WALK
        rows, share = clients * known.per_client, expected / known.rows
        if expected < rows or (named and share * share * rows < CANDIDATES):
            return GATHER
    return NARROW if clients is not None else WALK


def _candidates(dialect: str, match: index.Match, key, base: Select, parts: list, branch: str,
                caseload: list[int] | None = None):
    """The CANDIDATES most recently written matches (`key` desc) within the scopes, as a subquery of
    `id`.

    Only these are ranked: a common word matches most of the practice, and ranking every match is
    what made a search slow. A reader with few clients (NARROW: NARROW_SCOPE or fewer, _branch) has
    the rows they may read listed first (a MATERIALIZED CTE: ~6,000 notes for a caseload of 100 at
    200,000 notes) and each is looked up in the index, newest first, until CANDIDATES match: a cost
    bounded by their caseload whatever the word and whatever the statistics say. A reader of many walks
    the matches (SQLite: newest first, joined to their rows; PostgreSQL: its planner's choice, a GIN
    bitmap for a rare word, a backward walk of the primary key for a common one) and stops at
    CANDIDATES. `parts` are the scopes' clauses (the listed rows are their UNION, so each is planned on
    its own: an admin's own notes come from ix_note_author_id).

    Which branch runs is decided before the statement (one query for the whole page, _listed): both
    branches in one statement, switched by a condition on the count, cost PostgreSQL 4-5 ms to plan
    each search statement and Python as long to build it.

    On SQLite a narrow reader whose every scope counts (a clinician's or a coach's caseload, given as
    `caseload`) names their clients inside the MATCH (index.note_match and insight_match, `among`):
    FTS5 walks only those clients' notes (or insights), newest first, whatever the word. Listing a
    caseload's readable notes first and joining FTS5 to them walked every match of a common word across
    the practice until CANDIDATES fell in the caseload (67 ms for 4,000 readable notes among 200,000;
    17 ms now). Otherwise (an admin's own
    notes, not by client) the listed rows are joined to FTS5's walk of the matches between the first and
    the last of them.

    On PostgreSQL the narrow branch tests each listed row with ts_match_vq(), the function behind `@@`,
    in a scalar subquery: no index answers a function call and a scalar subquery is never turned into
    a join, so the planner has no other plan to flip to (with `@@` it walked the whole token table
    backwards to find a caseload's matches: 250 ms to 1 s at 200,000 notes). PostgreSQL ranks the
    candidates outside the subquery, so ts_rank reads CANDIDATES token rows and no more (SQLite's rank
    likewise, index._frequency_rank).
    """
    within = or_(false(), *parts)
    listed = base.where(within)
    if len(parts) > 1:
        each = union(*(base.where(part) for part in parts)).subquery("each_scope")
        listed = select(each.c[key.name])
    if dialect != "sqlite":
        if branch == GATHER:
            return _gathered(match, key, base, within, caseload)
        if branch == WALK:
            found = base.join(match.target, match.onclause).where(match.where, within)
            return found.order_by(key.desc()).limit(CANDIDATES + 1).subquery("candidates")
        allowed = listed.cte("allowed").prefix_with("MATERIALIZED")
        # OFFSET 0 keeps the order and the test above the sort: rows are tested newest first.
        newest = (select(allowed.c[key.name].label("id")).order_by(allowed.c[key.name].desc()).offset(0)
                  .subquery("newest"))
        matches = select(match.test).where(match.row_key == newest.c.id).scalar_subquery()
        return select(newest.c.id).where(matches).limit(CANDIDATES + 1).subquery("candidates")
    fts = match.target

    def walk(where):
        """The matches newest first, joined to their rows, kept to the scopes."""
        return (base.with_only_columns(key.label("id")).join(fts, match.onclause)
                .where(where, within).order_by(fts.c.rowid.desc()).limit(CANDIDATES + 1))

    if branch != NARROW:
        return walk(match.where).subquery("candidates")
    if match.among is not None and caseload is not None:
        return walk(match.among(caseload)).subquery("candidates")  # FTS5 walks only those clients' rows
    allowed = listed.cte("allowed").prefix_with("MATERIALIZED")
    listed_id = allowed.c[key.name]
    # FTS5 walks the matches between the first and the last listed row only: nothing at all when
    # none is listed (an admin's own notes, at a practice where admins write none: 40 ms to walk
    # every match of a phrase, before).
    first, last = (select(func.coalesce(bound(listed_id), empty)).scalar_subquery()
                   for bound, empty in ((func.min, 1), (func.max, 0)))
    return (select(fts.c.rowid.label("id")).join(allowed, listed_id == fts.c.rowid)
            .where(match.where, fts.c.rowid >= first, fts.c.rowid <= last)
            .order_by(fts.c.rowid.desc()).limit(CANDIDATES + 1).subquery("candidates"))


def _gathered(match: index.Match, key, base: Select, within, caseload: list[int] | None):
    """PostgreSQL's GATHER: every match from the GIN index, sorted newest first on its own, then joined
    to its row and the scopes one at a time until CANDIDATES are readable.

    The matches are ordered by an expression no index has (`+ 0`), so no walk of the primary key is
    on offer, in a subquery that OFFSET 0 keeps whole: its order is the order the statement reads
    them in, and a join cannot be planned before the sort. Sorted after the joins, every match was
    joined first (1,340 insights of a common word for the every-team reader, each with its note and
    care-team check); PostgreSQL sorted them first only in a parallel plan, whose worker took 2-3 ms
    to start."""
    newest = (match.row_key + literal_column("0")).label("id")
    matched = select(newest).where(match.where)
    if caseload is not None and match.client is not None:
        # The caseload named on the token rows too: the GIN index's matches meet the client index's rows
        # of those clients (ix_note_search_client_id, ix_insight_search_client_id) before any row is read.
        matched = matched.where(among(match.client, caseload))
    matched = matched.order_by(newest.desc()).offset(0).subquery("matched")
    return (base.join(matched, matched.c.id == key).where(within).order_by(matched.c.id.desc())
            .limit(CANDIDATES + 1).subquery("candidates"))


def _ranked(query: Select, match: index.Match):
    """The query joined to what its rank reads (the candidates' token rows), and the rank."""
    return query.join(match.ranked_from, match.ranked_on), match.rank


def _caseload(which: str, scopes: list[Scope]) -> list[int] | None:
    """The clients a list (`which`, as COUNTED) reads as one list, when its statement can name them on the
    token rows (search/index.py): every scope it reads counts and lists its clients (_listed). Insights
    are read only by the scopes that count for them; notes by every scope, an admin's own too (found
    by author, whatever the client: no caseload)."""
    counts = COUNTED[which]
    reading = scopes if which == "notes" else [(reader, ids) for reader, ids in scopes if counts(reader)]
    if reading and all(counts(reader) and isinstance(ids, list) for reader, ids in reading):
        return sorted(set().union(*(ids for _, ids in reading)))
    return None


def _note_client(reader: str):
    """The note's client, as a scope names it. A reader of only their own notes (an admin) has them
    found by author: `client_id + 0` is a value no index answers, so SQLite cannot list the notes of
    every client of the practice instead (a full ANALYZE's statistics, ~1,200 notes an author against
    40 a client, made it do so: 550 ms at 200,000 notes to find an admin's none; 3 ms by author)."""
    return Note.client_id if _reads_others_notes(reader) else Note.client_id + literal_column("0")


def notes_query(dialect: str, terms: list[index.Phrase], scopes: list[Scope], branch: str) -> Select:
    match = index.note_match(dialect, terms)
    parts = [and_(among(_note_client(reader), ids), readable_notes(reader)) for reader, ids in scopes]
    caseload = _caseload("notes", scopes)
    candidates = _candidates(dialect, match, Note.id, select(Note.id), parts, branch, caseload)
    query, rank = _ranked(select(Note).join(candidates, candidates.c.id == Note.id), match)
    query = query.options(*_note_options()).order_by(rank.desc(), Note.occurred_on.desc(), Note.id.desc())
    return _bounded_by_caseload(query, branch, caseload)


def insights_query(dialect: str, terms: list[index.Phrase], scopes: list[Scope],
                   words_only: bool, branch: str) -> Select | None:
    """(Insight, rank) rows read in full, or by the client's words alone; None if no scope reads them so."""
    if words_only:
        chosen = [(reader, ids) for reader, ids in scopes if _words(reader)]
        within = [and_(among(Insight.client_id, ids), Insight.shared_with_coach.is_(True),
                       Insight.retracted_at.is_(None), Note.status != "discarded") for reader, ids in chosen]
    else:
        chosen = [(reader, ids) for reader, ids in scopes if _full(reader)]
        within = [and_(among(Insight.client_id, ids), readable_notes(reader)) for reader, ids in chosen]
    if not within:
        return None
    match = index.insight_match(dialect, terms, words_only)
    base = select(Insight.id).join(Note, Note.id == Insight.note_id).where(Insight.removed_at.is_(None))
    caseload = _caseload("words" if words_only else "full", scopes)
    candidates = _candidates(dialect, match, Insight.id, base, within, branch, caseload)
    query, rank = _ranked(
        select(Insight).join(candidates, candidates.c.id == Insight.id).join(Note, Note.id == Insight.note_id), match)
    query = (query.add_columns(rank).options(*_insight_options())
             .order_by(rank.desc(), Note.occurred_on.desc(), Insight.id.desc()))
    return _bounded_by_caseload(query, branch, caseload)


# What a result loads with it, made once (loader options never change once made).
@cache
def _note_options() -> tuple:
    """A note's client and author's name; of what is encrypted, only the note's sections (its
    snippet): the rest stays unread."""
    return (joinedload(Note.client).options(*unread_encrypted(Client)), joinedload(Note.author).load_only(User.name),
            *unread_encrypted(Note, Note.content))


@cache
def _insight_options() -> tuple:
    """An insight's note (the one its statement joins already: one relation fewer for PostgreSQL to
    plan, 4.0-4.4 -> 2.6-2.8 ms) and client, nothing of them encrypted, and its themes."""
    return (contains_eager(Insight.note).options(*unread_encrypted(Note),
                                                 joinedload(Note.client).options(*unread_encrypted(Client))),
            selectinload(Insight.themes))


def note_text(note: Note) -> str:
    """Every piece of text of a note's fields, in order, as one string: the words search indexed."""
    return " · ".join(written_parts(note.kind, note.content))  # highlight() collapses the spaces


def highlight(text: str, marks, width: int = SNIPPET_WIDTH) -> Markup:
    """A window of the text around the first marked word, every word whose token is in `marks`
    wrapped in <mark>; everything else escaped.

    Words are made tokens up to the first marked one and then within the window only: a note is
    a few thousand characters and its snippet a few hundred."""
    text = " ".join((text or "").split())
    marks = frozenset(marks)
    first = next(marked(text, marks), (0, 0))[0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    if start > 0:  # begin at a word boundary
        space = text.find(" ", start, end)
        start = space + 1 if space != -1 else start
    pieces = [Markup("…")] if start > 0 else []
    last = start
    beyond = text.find(" ", end)  # the window's words, whole (one cut by its end is not shown)
    window = text[start:len(text) if beyond == -1 else beyond]
    for word_start, word_end in marked(window, marks):
        word_start, word_end = word_start + start, word_end + start
        if word_end > end:
            continue
        pieces.append(escape(text[last:word_start]))
        pieces.append(Markup("<mark>%s</mark>") % text[word_start:word_end])
        last = word_end
    pieces.append(escape(text[last:end]))
    if end < len(text):
        pieces.append(Markup("…"))
    return Markup("").join(pieces)


def note_snippet(note: Note, marks) -> Markup:
    return highlight(note_text(note), marks)


def insight_snippet(insight: Insight, marks, words_only: bool = False) -> Markup:
    if words_only:
        return highlight(f"In their words: {insight.client_words}", marks, width=400)
    text = insight.text
    if insight.client_words:
        text = f"{text} · In their words: {insight.client_words}"
    return highlight(text, marks, width=400)
