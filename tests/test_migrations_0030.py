"""Migration 0030 (a note's token row names its client) upgrades a practice at 0029 with notes indexed: each
token row gains its note's client, search finds what it found before and, on SQLite, can keep to a
caseload inside the index; downgrade takes the column away and the index still finds every note."""
from datetime import date, datetime

import flask_migrate
from sqlalchemy import select

from integration.extensions import db
from integration.notes.models import Note
from integration.search import index
from integration.search.query import parse_query
from integration.search.tokens import token_string
from tests.test_migrations import (_execute, _practice_therapist_client, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)

NOW = datetime(2026, 12, 1, 9, 0)


def _two_clients_notes_at_0029() -> None:
    _practice_therapist_client(NOW)
    _execute("INSERT INTO client (id, practice_id, first_name, last_name, preferred_name, pronouns, email, phone, "
             "emergency_contact, status, created_at) VALUES (2, 1, 'Rowan', 'Tessly', '', '', '', '', '', 'active', "
             ":now)", now=NOW)
    as_tokens = "to_tsvector('simple'::regconfig, CAST(:tokens AS TEXT))" if _postgres() else ":tokens"
    for note_id, client_id in ((1, 1), (2, 2)):
        _execute("INSERT INTO note (id, client_id, kind, author_id, occurred_on, content, status, version, "
                 "updated_at, search_text, created_at) VALUES (:id, :client, 'integration', 1, :day, '{}', 'draft', "
                 "1, :now, '', :now)", id=note_id, client=client_id, day=date(2026, 11, 30), now=NOW)
        _execute(f"INSERT INTO note_search (note_id, tokens) VALUES (:id, {as_tokens})", id=note_id,
                 tokens=token_string("The lighthouse kept its light on all night."))


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _found(query: str, clients: list[int] | None = None) -> list[int]:
    """The notes holding the words (kept to these clients inside the index, on SQLite)."""
    match = index.note_match(db.engine.dialect.name, parse_query(query))
    where = match.where
    if clients is not None:
        where = match.among(clients)
    return sorted(db.session.scalars(select(Note.id).join(match.target, match.onclause).where(where)))


def test_0030_gives_each_token_row_its_client_and_downgrade_takes_it_away(migration_app):
    flask_migrate.upgrade(revision="0029")
    _two_clients_notes_at_0029()

    flask_migrate.upgrade(revision="0030")

    assert sorted((row["note_id"], row["client_id"]) for row in _rows("SELECT note_id, client_id FROM note_search")) \
        == [(1, 1), (2, 2)]
    assert _found("lighthouse") == [1, 2]
    if not _postgres():
        assert _found("lighthouse", clients=[2]) == [2]
        assert _found("lighthouse", clients=[]) == []
        # The words never match the client column: client 1's id is not a word of its notes.
        assert _found("1") == []
    # A note saved after the upgrade is indexed with its client (the triggers are in place again).
    index.write_notes(db.session.connection(), [(1, 1, "A harbour at dawn.")])
    db.session.commit()
    assert _found("harbour") == [1]
    db.session.remove()

    flask_migrate.downgrade(revision="0029")

    assert "client_id" not in _rows("SELECT * FROM note_search WHERE note_id = 2")[0]
    if not _postgres():  # the FTS5 index of one column, rebuilt from the token rows
        found = _rows("SELECT rowid FROM note_search_fts WHERE note_search_fts MATCH :q ORDER BY rowid",
                      q=parse_query("lighthouse")[0][0])
        assert [row["rowid"] for row in found] == [2]
