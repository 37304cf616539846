"""The full-text index, one interface over two databases.

Chosen per dialect here and nowhere else:

- SQLite: an FTS5 table over `note_search.tokens` and `.client_id` (and `insight_search`), an
  *external content* table: the token rows are the content, SQLite triggers keep the FTS5 index in step
  with them, and the candidates' token rows are ranked in SQL (`_frequency_rank`, not bm25()). Not a
  contentless table (`content=''`): forgetting a row of one needs the old token
  stream, or `contentless_delete`, which arrives in SQLite 3.43 (Debian 12 has 3.40).
- PostgreSQL: `note_search.tokens` is a tsvector of the `simple` configuration with a GIN index;
  a tsquery of the same tokens (`_tsquery`) matches and ts_rank ranks.

Both index the token stream of search/tokens.py and never the text, so keyed tokens (issue 15)
change nothing here. Writes happen in the same transaction as the save they follow: an ORM flush
that adds or changes a note's search text or an insight's words rewrites their token rows
(`_keep_in_step`); bulk loaders that bypass the ORM call `write_notes`/`write_insights` or `fill`.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, wraps

from sqlalchemy import (DDL, ColumnElement, LargeBinary, String, cast, column, delete, event, func, insert,
                        literal, literal_column, select, table)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, attributes
from sqlalchemy.pool import Pool

from ..notes.models import Insight, Note
from .models import InsightSearch, NoteSearch
from .tokens import token_string

Phrase = tuple[str, ...]  # index tokens that must stand in this order; one token is a word

SQLITE_DDL = [
    # client_id is a column of its own: a search names it (`client_id : (…)`); words never reach it
    # (every search keeps its words to `{tokens}`).
    "CREATE VIRTUAL TABLE note_search_fts USING fts5(tokens, client_id, content='note_search', "
    "content_rowid='note_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER note_search_ai AFTER INSERT ON note_search BEGIN "
    "INSERT INTO note_search_fts(rowid, tokens, client_id) VALUES (new.note_id, new.tokens, new.client_id); END",
    "CREATE TRIGGER note_search_ad AFTER DELETE ON note_search BEGIN "
    "INSERT INTO note_search_fts(note_search_fts, rowid, tokens, client_id) "
    "VALUES ('delete', old.note_id, old.tokens, old.client_id); END",
    "CREATE TRIGGER note_search_au AFTER UPDATE ON note_search BEGIN "
    "INSERT INTO note_search_fts(note_search_fts, rowid, tokens, client_id) "
    "VALUES ('delete', old.note_id, old.tokens, old.client_id); "
    "INSERT INTO note_search_fts(rowid, tokens, client_id) VALUES (new.note_id, new.tokens, new.client_id); END",
    "CREATE VIRTUAL TABLE insight_search_fts USING fts5(everything, words, client_id, content='insight_search', "
    "content_rowid='insight_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER insight_search_ai AFTER INSERT ON insight_search BEGIN "
    "INSERT INTO insight_search_fts(rowid, everything, words, client_id) "
    "VALUES (new.insight_id, new.everything, new.words, new.client_id); END",
    "CREATE TRIGGER insight_search_ad AFTER DELETE ON insight_search BEGIN "
    "INSERT INTO insight_search_fts(insight_search_fts, rowid, everything, words, client_id) "
    "VALUES ('delete', old.insight_id, old.everything, old.words, old.client_id); END",
    "CREATE TRIGGER insight_search_au AFTER UPDATE ON insight_search BEGIN "
    "INSERT INTO insight_search_fts(insight_search_fts, rowid, everything, words, client_id) "
    "VALUES ('delete', old.insight_id, old.everything, old.words, old.client_id); "
    "INSERT INTO insight_search_fts(rowid, everything, words, client_id) "
    "VALUES (new.insight_id, new.everything, new.words, new.client_id); END",
]
TYPICAL_LENGTH = 4000.0  # characters of keyed tokens in a note of about 2 KB (SQLite's rank, below)
SQLITE_DROP = ["DROP TABLE IF EXISTS note_search_fts", "DROP TABLE IF EXISTS insight_search_fts"]
POSTGRESQL_NOTE_DDL = [
    "CREATE INDEX ix_note_search_tokens ON note_search USING gin (tokens)",
    # A caseload's rare word (search/query.py, GATHER): PostgreSQL meets the GIN index's matches with
    # this index's rows of the caseload's clients (a BitmapAnd) and reads only the token rows that are
    # both, not every match in the practice (593 rows read for 11 found: 7.4 -> 2.5 ms at 200,000
    # notes). Migration 0031 makes it too.
    "CREATE INDEX ix_note_search_client_id ON note_search (client_id)",
]
POSTGRESQL_INSIGHT_DDL = [
    "CREATE INDEX ix_insight_search_everything ON insight_search USING gin (everything)",
    "CREATE INDEX ix_insight_search_words ON insight_search USING gin (words)",
    # As for notes; an insight's readability is its note's, so without it a caseload's insights were
    # each joined to their note before any was tested (migration 0033).
    "CREATE INDEX ix_insight_search_client_id ON insight_search (client_id)",
]
# Keyed tokens (17 characters, issue 15) make a 2 KB note's tsvector about 3 KB: past PostgreSQL's
# 2 KB TOAST threshold, every row checked by a search was fetched out of line, and a reader of ~100
# clients searched a common word in twice the time of plain stems. Kept inline (a row fits its 8 KB
# page), the keyed index is as fast as the plain one (bench/scale.py). Migration 0029 sets it too.
POSTGRESQL_NOTE_SEARCH_STORAGE = "ALTER TABLE note_search SET (toast_tuple_target = 8160)"
# What the index adds beyond the models' tables (the migrations-vs-models check leaves these out):
# the FTS5 tables and the shadow tables SQLite makes for each, and PostgreSQL's indexes.
FTS5_TABLES = ("note_search_fts", "insight_search_fts")
POSTGRESQL_INDEXES = frozenset(statement.split()[2] for statement in POSTGRESQL_NOTE_DDL + POSTGRESQL_INSIGHT_DDL)
OUTSIDE_MODELS = frozenset(
    [name + suffix for name in FTS5_TABLES for suffix in ("", "_data", "_idx", "_docsize", "_config", "_content")]
    + list(POSTGRESQL_INDEXES))


def _ddl(statements: list[str], dialect: str):
    return [DDL(statement).execute_if(dialect=dialect) for statement in statements]


# create_all (the tests' schema, the bench) builds the index with the token tables; migration 0014
# runs the same statements.
for _statement in _ddl(SQLITE_DDL[:4], "sqlite") + _ddl(POSTGRESQL_NOTE_DDL, "postgresql"):
    event.listen(NoteSearch.__table__, "after_create", _statement)
for _statement in _ddl(SQLITE_DDL[4:], "sqlite") + _ddl(POSTGRESQL_INSIGHT_DDL, "postgresql"):
    event.listen(InsightSearch.__table__, "after_create", _statement)
event.listen(NoteSearch.__table__, "after_create",
             DDL(POSTGRESQL_NOTE_SEARCH_STORAGE).execute_if(dialect="postgresql"))
event.listen(NoteSearch.__table__, "before_drop", DDL(SQLITE_DROP[0]).execute_if(dialect="sqlite"))
event.listen(InsightSearch.__table__, "before_drop", DDL(SQLITE_DROP[1]).execute_if(dialect="sqlite"))


# --- matching ----------------------------------------------------------------------------------

@dataclass
class Match:
    """How a query reaches the index: join `target` on `onclause` and keep rows where `where`; join
    `ranked_from` on `ranked_on` for `rank`, the relevance (higher is better)."""

    target: object
    onclause: ColumnElement
    where: ColumnElement
    ranked_from: object
    ranked_on: ColumnElement
    rank: ColumnElement
    # PostgreSQL: the token row's key, and `where` as a function call (ts_match_vq) that no index answers,
    # to test rows one at a time (search/query.py, _candidates).
    row_key: ColumnElement = None
    test: ColumnElement = None
    # SQLite, notes: `where` kept to these clients (their ids), inside the MATCH itself (see note_match).
    among: Callable[[list[int]], ColumnElement] | None = None
    # PostgreSQL, notes: the token row's client, which ix_note_search_client_id indexes.
    client: ColumnElement = None


MATCHES_KEPT = 256  # queries whose Match is kept (_kept)


def _kept(build: Callable[..., Match]) -> Callable[..., Match]:
    """A Match made once per query and dialect and kept: the same words are searched again, page after
    page, and a Match is a hundred-odd expression objects that cost 1-2 ms of Python to build (SQLite's
    rank most). It holds the query's tokens and nothing of who searches (search/query.py applies every
    access clause around it), so one made for one reader serves every reader."""
    cached = lru_cache(maxsize=MATCHES_KEPT)(build)

    @wraps(build)
    def match(dialect: str, phrases: list[Phrase], *rest) -> Match:
        return cached(dialect, tuple(phrases), *rest)
    return match


@_kept
def note_match(dialect: str, phrases: list[Phrase]) -> Match:
    """Notes whose tokens hold every phrase.

    On SQLite `among(client ids)` also names the clients in the MATCH (`client_id : (3 OR 8 OR …)`):
    FTS5 then walks only the notes of those clients, newest first, and a common word costs what a
    caseload holds rather than what the practice holds (search/query.py, _candidates)."""
    on = NoteSearch.note_id == Note.id
    if dialect == "sqlite":
        fts = table("note_search_fts", column("rowid"))
        return _fts5(fts, Note.id, "note_search_fts", "tokens", phrases, NoteSearch, on, NoteSearch.tokens,
                     clients=True)
    query = _tsquery(phrases)
    return Match(NoteSearch, on, NoteSearch.tokens.op("@@")(query), NoteSearch, on,
                 func.ts_rank(NoteSearch.tokens, query, 1), NoteSearch.note_id,
                 func.ts_match_vq(NoteSearch.tokens, query), client=NoteSearch.client_id)


@_kept
def insight_match(dialect: str, phrases: list[Phrase], words_only: bool) -> Match:
    """Insights whose statement or client's words hold every phrase (or the client's words alone)."""
    tokens = InsightSearch.words if words_only else InsightSearch.everything
    on = InsightSearch.insight_id == Insight.id
    if dialect == "sqlite":
        fts = table("insight_search_fts", column("rowid"))
        return _fts5(fts, Insight.id, "insight_search_fts", tokens.key, phrases, InsightSearch, on, tokens,
                     clients=True)
    query = _tsquery(phrases)
    return Match(InsightSearch, on, tokens.op("@@")(query), InsightSearch, on, func.ts_rank(tokens, query, 1),
                 InsightSearch.insight_id, func.ts_match_vq(tokens, query), client=InsightSearch.client_id)


def _fts5(fts, key, name: str, only_column: str, phrases: list[Phrase], ranked_from, ranked_on, tokens,
          clients: bool = False) -> Match:
    # Tokens are letters and digits only (tokens.py), so a quoted FTS5 phrase cannot be broken out of.
    expression = f"{{{only_column}}} : (" + " ".join('"' + " ".join(phrase) + '"' for phrase in phrases) + ")"
    ref = literal_column(name)
    among = (lambda client_ids: ref.op("MATCH")(_among(expression, client_ids))) if clients else None
    return Match(fts, fts.c.rowid == key, ref.op("MATCH")(expression), ranked_from, ranked_on,
                 _frequency_rank(tokens, phrases), among=among)


def _frequency_rank(tokens, phrases: list[Phrase]) -> ColumnElement:
    """SQLite's relevance of a token row: for each phrase, how often it stands there, saturated and
    weighed by the row's length as BM25 does (k1 1.2, b 1, against a note of TYPICAL_LENGTH characters).

    Not FTS5's bm25(): before ranking one row it counts, for each phrase, every row of the index that
    holds it (its inverse document frequency), a walk of the whole practice for a common word and a
    check of every position for a phrase (35-100 ms at 200,000 notes, whatever the caseload). Every
    candidate holds every phrase, so that weight only tilts one phrase against another; PostgreSQL's
    ts_rank has none either. This reads the token rows of the candidates only. A phrase repeated back
    to back ("calm calm") counts once for the pair.

    Written for what SQLite does with it (bench/scale.py): lengths are of the text cast to a BLOB,
    which SQLite knows without reading it (the length of text counts its characters one by one), and
    each phrase's count appears once, as f / (f + k) = 1 - k / (f + k) (SQLite evaluates an expression
    as often as it is written): about 5 microseconds a phrase a row, from 25."""
    size = func.length(cast(tokens, LargeBinary))  # tokens are letters, digits and spaces: mostly ASCII
    spaced = literal(" ", String).op("||")(tokens).op("||")(literal(" ", String))
    weight = 1.2 * size / TYPICAL_LENGTH
    score = literal(0.0)
    for phrase in phrases:
        pattern = " " + " ".join(phrase) + " "
        removed = size + 2 - func.length(cast(func.replace(spaced, pattern, ""), LargeBinary))
        found = removed / float(len(pattern.encode()))
        score = score + 1 - weight / (found + weight)
    return score


def _among(expression: str, client_ids: list[int]) -> str:
    """The MATCH expression and `client_id : (…)` of the listed clients (no client at all:
    `client_id : 0`, which no note has)."""
    return f"({expression}) AND client_id : ({' OR '.join(str(int(i)) for i in client_ids) or '0'})"


def _tsquery(phrases: list[Phrase]):
    """Every phrase, its tokens side by side (`'a' <-> 'b' & 'c'`), as one tsquery parameter.

    Written here rather than by phraseto_tsquery() in SQL: a parameter of type tsquery is a value, and
    a plan kept for many searches (search/query.py, narrow) tests each row against it; a function of
    a parameter would be called again for every row tested. Tokens are letters and digits only
    (search/tokens.py), so quoting them is all the tsquery syntax needs."""
    text = " & ".join("(" + " <-> ".join(f"'{token}'" for token in phrase) + ")" for phrase in phrases)
    return literal(text, TSQUERY)


# --- writing -----------------------------------------------------------------------------------

def write_notes(connection, rows: list[tuple[int, int, str]]) -> None:
    """(note id, client id, search text) -> the notes' token rows, replaced in one DELETE and one INSERT."""
    if not rows:
        return
    connection.execute(delete(NoteSearch).where(NoteSearch.note_id.in_([note_id for note_id, _, _ in rows])))
    connection.execute(insert(NoteSearch), [{"note_id": note_id, "client_id": client_id, "tokens": token_string(text)}
                                            for note_id, client_id, text in rows])


def write_insights(connection, rows: list[tuple[int, int, str, str]]) -> None:
    """(insight id, client id, statement, client's words) -> the insights' token rows, replaced."""
    if not rows:
        return
    connection.execute(delete(InsightSearch).where(InsightSearch.insight_id.in_([row[0] for row in rows])))
    connection.execute(insert(InsightSearch), [
        {"insight_id": insight_id, "client_id": client_id, "everything": token_string(f"{text}\n{words}"),
         "words": token_string(words)}
        for insight_id, client_id, text, words in rows])


def fill(connection, batch: int = 2000) -> tuple[int, int]:
    """Index every note and insight that has no token row yet, in batches; returns how many."""
    notes = _fill(connection, select(Note.id, Note.client_id, Note.search_text).where(
        Note.id.not_in(select(NoteSearch.note_id))), write_notes, batch)
    insights = _fill(connection, select(Insight.id, Insight.client_id, Insight.text, Insight.client_words).where(
        Insight.id.not_in(select(InsightSearch.insight_id))), write_insights, batch)
    return notes, insights


def _fill(connection, query, write, batch: int) -> int:
    rows = [tuple(row) for row in connection.execute(query)]
    for start in range(0, len(rows), batch):
        write(connection, rows[start:start + batch])
    return len(rows)


# --- upkeep ------------------------------------------------------------------------------------

def segments(connection) -> dict[str, int]:
    """SQLite: how many b-trees (segments) each FTS5 index is made of. Every save adds one and FTS5 merges
    them a few at a time; a search looks each of its words up in every one."""
    return {table: connection.exec_driver_sql(f"SELECT count(DISTINCT segid) FROM {table}_idx").scalar()
            for table in FTS5_TABLES}


def merge_segments(engine: Engine, pages: int = 500) -> dict[str, tuple[int, int]]:
    """SQLite: merge each FTS5 index into one b-tree; {table: (segments before, after)}. Nothing to do
    on PostgreSQL (autovacuum keeps its GIN indexes).

    By FTS5's incremental 'merge' command: about `pages` pages written per transaction, so a save waits
    for one step at most, never for the whole merge. The first step is given a negative count (every
    segment joins one merge, whatever its level), the rest a positive one (the merge started runs to
    its end, even if saves add segments meanwhile); a step that changed fewer than two rows found
    nothing left to merge (sqlite.org/fts5.html, the 'merge' command)."""
    if engine.dialect.name != "sqlite":
        return {}
    merged = {}
    with engine.connect() as connection:
        before = segments(connection)
        connection.commit()
        raw = connection.connection.dbapi_connection
        for table in FTS5_TABLES:
            step = -pages
            while True:
                changes = raw.total_changes
                with connection.begin():
                    connection.exec_driver_sql(f"INSERT INTO {table}({table}, rank) VALUES ('merge', ?)", (step,))
                if raw.total_changes - changes < 2:
                    break
                step = pages
        after = segments(connection)
        connection.commit()
    return {table: (before[table], after[table]) for table in FTS5_TABLES}


def _changed(obj, *names: str) -> bool:
    state = attributes.instance_state(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def _keep_in_step(session, flush_context) -> None:
    """Every flush that wrote a note's search text or an insight's words rewrites their token rows,
    in the same transaction (the notes lifecycle, the insight pages, the demo, the factories)."""
    notes, insights = [], []
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Note) and (obj in session.new or _changed(obj, "search_text")):
            notes.append((obj.id, obj.client_id, obj.search_text or ""))
        elif isinstance(obj, Insight) and (obj in session.new or _changed(obj, "text", "client_words")):
            insights.append((obj.id, obj.client_id, obj.text or "", obj.client_words or ""))
    if notes or insights:
        connection = session.connection()
        write_notes(connection, notes)
        write_insights(connection, insights)


# --- PostgreSQL plans --------------------------------------------------------------------------

@event.listens_for(Engine, "connect")
def _custom_plans(dbapi_connection, connection_record) -> None:
    """On PostgreSQL, plan every statement for its own values. psycopg prepares a statement run five
    times on a connection, and PostgreSQL then may keep one generic plan for it: a search planned for
    a rare word or a reader of a few clients walked the whole index for a common word or a reader of
    every client (seconds, at 200,000 notes), since the SQL of a search is the same for every reader."""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.commit()


# --- PostgreSQL statistics: which words are rare --------------------------------------------------

# Which way a search finds its candidates (search/query.py, _branch) depends on how many rows hold its
# words: a caseload's rows tested one by one cost about 30 ms for 4,000 notes when a word is in fewer
# than 200 of them, and the GIN index finds a rare word across the whole table sooner (6 ms at 200,000
# notes). PostgreSQL's own statistics say which words are rare. Below ROUTED_FROM token rows every way
# costs little, and they are not consulted.
ROUTED_FROM = 10_000
STATISTICS_KEPT_FOR = 300.0  # seconds a process keeps what it read of PostgreSQL's statistics
# The share of rows PostgreSQL's planner gives a token its statistics do not list: at most
# DEFAULT_TS_MATCH_SEL, and at most half the least listed share (ts_selfuncs.c). The same estimate the
# wide statement is then planned with, so a word sent to the index is one the planner finds through it.
UNLISTED_SHARE = 0.005
TOKEN_COLUMNS = {"notes": ("note_search", "tokens"), "full": ("insight_search", "everything"),
                 "words": ("insight_search", "words")}
STATISTICS_SQL = """
SELECT s.tablename, s.attname, CAST(CAST(s.most_common_elems AS text) AS text[]), s.most_common_elem_freqs,
       r.reltuples, c.reltuples
FROM pg_stats AS s
JOIN pg_class AS r ON r.oid = to_regclass(quote_ident(s.schemaname) || '.' || quote_ident(s.tablename))
CROSS JOIN pg_class AS c
WHERE s.schemaname = current_schema() AND c.oid = to_regclass(quote_ident(current_schema()) || '.client')
  AND s.most_common_elems IS NOT NULL AND r.reltuples > 0 AND c.reltuples > 0
  AND (s.tablename, s.attname) IN (('note_search', 'tokens'), ('insight_search', 'everything'),
                                   ('insight_search', 'words'))
"""


@dataclass(frozen=True)
class TokenStatistics:
    """What ANALYZE found of a token column: how many rows, how many per client, and the share of rows
    holding each of its most common tokens."""

    rows: float
    per_client: float
    shares: dict[str, float]
    unlisted: float  # the share of any token not listed

    def matches(self, phrases: list[Phrase]) -> float:
        """The rows expected to hold every phrase: at most those holding its rarest token."""
        return min(self.shares.get(token, self.unlisted) for phrase in phrases for token in phrase) * self.rows


@dataclass
class _Statistics:
    read_at: float = float("-inf")
    columns: dict[tuple[str, str], TokenStatistics] = field(default_factory=dict)


_statistics = _Statistics()


def statistics_of(which: str) -> TokenStatistics | None:
    """PostgreSQL: what its statistics say of the token column of the notes, or of the insights read in
    full or by the client's words (`which`); None when there are none, or the table is too small to
    need them (ROUTED_FROM)."""
    found = _statistics.columns.get(TOKEN_COLUMNS[which])
    return found if found is not None and found.rows >= ROUTED_FROM else None


def forget_statistics() -> None:
    """The next connection taken from a pool reads PostgreSQL's statistics again."""
    global _statistics
    _statistics = _Statistics()


def _read_statistics(cursor) -> dict[tuple[str, str], TokenStatistics]:
    columns = {}
    for table_name, column_name, tokens, shares, rows, clients in cursor.execute(STATISTICS_SQL):
        # most_common_elem_freqs: one share per token, then the least and the greatest of them.
        unlisted = min(UNLISTED_SHARE, shares[len(tokens)] / 2)
        columns[table_name, column_name] = TokenStatistics(rows, rows / clients, dict(zip(tokens, shares)), unlisted)
    return columns


@event.listens_for(Pool, "checkout")
def _fresh_statistics(dbapi_connection, connection_record, connection_proxy) -> None:
    """On PostgreSQL, reads the token columns' statistics when a connection is taken from the pool and
    what this process knows is older than STATISTICS_KEPT_FOR (a read of pg_stats costs about 4 ms;
    a search that read it every time would pay that on every word). Outside any transaction of the
    app's, like the pool's ping; a failed read keeps what was known."""
    if (not type(dbapi_connection).__module__.startswith("psycopg")
            or time.monotonic() - _statistics.read_at < STATISTICS_KEPT_FOR):
        return
    _statistics.read_at = time.monotonic()  # one read at a time is enough, whichever thread does it
    try:
        with dbapi_connection.cursor() as cursor:
            _statistics.columns = _read_statistics(cursor)
    except Exception:  # noqa: BLE001 (a search without statistics is only slower)
        logging.getLogger(__name__).warning("could not read the search index's statistics", exc_info=True)
    dbapi_connection.rollback()  # the read's own transaction ends, read or not
