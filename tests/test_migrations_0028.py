"""Migration 0028 (plans robust to statistics) upgrades a practice at 0027 with notes in place: a note's
session, circle session and co-signer are indexed only where set, the index on client alone goes; the
notes stay, and downgrade puts the full indexes back."""
from datetime import date, datetime

import flask_migrate
from sqlalchemy import inspect

from integration.extensions import db
from tests.test_migrations import (_execute, _practice_therapist_client, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)

NOW = datetime(2026, 12, 1, 9, 0)
SET_ONLY = ("ix_note_dosing_session_id", "ix_note_group_session_id", "ix_note_cosigner_id")


def _indexes() -> dict[str, dict]:
    return {index["name"]: index for index in inspect(db.engine).get_indexes("note")}


def _where(index: dict) -> str:
    options = index.get("dialect_options", {})
    return next((str(where).lower() for name, where in options.items() if name.endswith("_where")), "")


def _practice_at_0027() -> None:
    _practice_therapist_client(NOW)
    _execute("INSERT INTO dosing_session (id, client_id, number, started_at, medicine, route, setting, intention, "
             "notes, created_at) VALUES (1, 1, 1, :now, 'ketamine', 'im', '', '', '', :now)", now=NOW)
    for note_id, session in ((1, 1), (2, None)):
        _execute("INSERT INTO note (id, client_id, kind, author_id, dosing_session_id, occurred_on, content, status, "
                 "version, updated_at, search_text, created_at) VALUES (:id, 1, 'integration', 1, :session, :day, "
                 "'{}', 'draft', 1, :now, '', :now)", id=note_id, session=session, day=date(2026, 11, 30), now=NOW)


def test_0028_indexes_a_notes_links_where_set_and_drops_the_index_on_client_alone(migration_app):
    flask_migrate.upgrade(revision="0027")
    _practice_at_0027()

    flask_migrate.upgrade(revision="0028")

    indexes = _indexes()
    assert "ix_note_client_id" not in indexes
    assert indexes["ix_note_client_day"]["column_names"] == ["client_id", "occurred_on", "id"]
    for name in SET_ONLY:
        assert "is not null" in _where(indexes[name]), name
    assert [row["id"] for row in _rows("SELECT id FROM note WHERE dosing_session_id = 1")] == [1]
    assert [row["id"] for row in _rows("SELECT id FROM note WHERE dosing_session_id IS NULL")] == [2]

    flask_migrate.downgrade(revision="0027")
    indexes = _indexes()
    assert indexes["ix_note_client_id"]["column_names"] == ["client_id"]
    assert all(not _where(indexes[name]) for name in SET_ONLY)
    assert [row["id"] for row in _rows("SELECT id FROM note ORDER BY id")] == [1, 2]
