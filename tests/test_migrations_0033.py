"""Migration 0033 (an insight's token row names its client, indexed) upgrades a practice at 0032 with two
clients' insights indexed: each token row gains its insight's client, search finds what it found and can
keep to a caseload inside the index (SQLite) or by the client index (PostgreSQL); downgrade takes the
column away and the index still finds every insight."""
import flask_migrate
from sqlalchemy import and_, select

from integration.extensions import db
from integration.notes.models import Insight
from integration.search import index
from integration.search.query import parse_query
from integration.search.tokens import token_string
from tests.test_migrations import (_execute, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)
from tests.test_migrations_0030 import NOW, _postgres, _two_clients_notes_at_0029
from tests.test_migrations_0032 import _indexes


def _insights_at_0032() -> None:
    as_tokens = "to_tsvector('simple'::regconfig, CAST({} AS TEXT))" if _postgres() else "{}"
    for insight_id, client_id in ((1, 1), (2, 2)):
        _execute("INSERT INTO insight (id, client_id, note_id, text, client_words, shared_with_coach, created_at, "
                 "retraction_reason) VALUES (:id, :client, :id, 'Light returns', 'like a lighthouse', false, :now, '')",
                 id=insight_id, client=client_id, now=NOW)
        _execute(f"INSERT INTO insight_search (insight_id, everything, words) VALUES "
                 f"(:id, {as_tokens.format(':everything')}, {as_tokens.format(':words')})", id=insight_id,
                 everything=token_string("Light returns\nlike a lighthouse"), words=token_string("like a lighthouse"))


def _found(query: str, clients: list[int] | None = None) -> list[int]:
    """The insights holding the words (kept to these clients inside the index on SQLite, beside it on
    PostgreSQL)."""
    match = index.insight_match(db.engine.dialect.name, parse_query(query), False)
    where = match.where
    if clients is not None:
        where = match.among(clients) if match.among is not None else and_(where, match.client.in_(clients))
    return sorted(db.session.scalars(select(Insight.id).join(match.target, match.onclause).where(where)))


def test_0033_gives_each_insight_token_row_its_client_and_downgrade_takes_it_away(migration_app):
    flask_migrate.upgrade(revision="0029")
    _two_clients_notes_at_0029()
    flask_migrate.upgrade(revision="0032")
    _insights_at_0032()

    flask_migrate.upgrade(revision="0033")

    assert sorted((row["insight_id"], row["client_id"]) for row in _rows(
        "SELECT insight_id, client_id FROM insight_search")) == [(1, 1), (2, 2)]
    assert _found("lighthouse") == [1, 2]
    assert _found("lighthouse", clients=[2]) == [2]
    assert _found("lighthouse", clients=[]) == []
    assert _found("2") == []  # a client's id is never one of the words
    assert ("ix_insight_search_client_id" in _indexes("insight_search")) == _postgres()
    # An insight saved after the upgrade is indexed with its client (the triggers are in place again).
    index.write_insights(db.session.connection(), [(1, 1, "A harbour at dawn", "")])
    db.session.commit()
    assert _found("harbour") == [1] and _found("harbour", clients=[1]) == [1]
    db.session.remove()

    flask_migrate.downgrade(revision="0032")

    assert "client_id" not in _rows("SELECT * FROM insight_search WHERE insight_id = 2")[0]
    assert "ix_insight_search_client_id" not in _indexes("insight_search")
    if not _postgres():  # the FTS5 index without the client, rebuilt from the token rows
        found = _rows("SELECT rowid FROM insight_search_fts WHERE insight_search_fts MATCH :q ORDER BY rowid",
                      q=parse_query("lighthouse")[0][0])
        assert [row["rowid"] for row in found] == [2]
