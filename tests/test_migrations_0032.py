"""Migrations 0031 and 0032 (PostgreSQL indexes a token row's client; a practice's clients are indexed with
their ids) upgrade a practice at 0030 with clients and indexed notes: every row is kept, search finds what
it found, the indexes are the new ones, and downgrade puts the old ones back with the rows still there."""
import flask_migrate
from sqlalchemy import inspect

from integration.extensions import db
from tests.test_migrations import _rows, empty_database_url, migration_app, restore_logging  # noqa: F401 (fixtures)
from tests.test_migrations_0030 import _found, _postgres, _two_clients_notes_at_0029


def _indexes(table: str) -> dict[str, list[str]]:
    with db.engine.connect() as connection:
        return {found["name"]: found["column_names"] for found in inspect(connection).get_indexes(table)}


def _kept() -> tuple:
    return ([tuple(row.values()) for row in _rows("SELECT id, practice_id, first_name FROM client ORDER BY id")],
            [tuple(row.values()) for row in _rows("SELECT note_id, client_id FROM note_search ORDER BY note_id")])


def test_0031_and_0032_keep_every_row_and_change_only_indexes(migration_app):
    flask_migrate.upgrade(revision="0029")
    _two_clients_notes_at_0029()
    flask_migrate.upgrade(revision="0030")
    before = _kept()
    assert before == ([(1, 1, "C"), (2, 1, "Rowan")], [(1, 1), (2, 2)])

    flask_migrate.upgrade(revision="0032")

    assert _kept() == before
    assert _found("lighthouse") == [1, 2]
    assert _indexes("client")["ix_client_practice_id"] == ["practice_id", "id"]
    assert ("ix_note_search_client_id" in _indexes("note_search")) == _postgres()
    db.session.remove()

    flask_migrate.downgrade(revision="0030")

    assert _kept() == before
    assert _indexes("client")["ix_client_practice_id"] == ["practice_id"]
    assert "ix_note_search_client_id" not in _indexes("note_search")
    assert _found("lighthouse") == [1, 2]
