"""Migration 0023 (bounded lists) upgrades a practice at 0022 with its audit rows in place: they stay,
append-only, now behind indexes that start with each filter and run by (at, id); downgrade puts the
single-column indexes back and keeps the rows."""
from datetime import date, datetime

import flask_migrate
import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError

from integration.extensions import db
from tests.test_migrations import (_execute, _practice_therapist_client, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)

NOW = datetime(2026, 11, 30, 9, 0)


def _indexes(table: str) -> dict[str, list[str]]:
    return {index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes(table)}


def _practice_at_0022() -> None:
    _practice_therapist_client(NOW)
    _execute("INSERT INTO note (id, client_id, kind, author_id, occurred_on, content, status, version, "
             "updated_at, search_text, created_at) VALUES (1, 1, 'integration', 1, :day, '{}', 'draft', 1, "
             ":now, '', :now)", day=date(2026, 11, 29), now=NOW)
    for event_id in (1, 2, 3):
        _execute("INSERT INTO audit_event (id, at, practice_id, user_id, action, object_type, object_id, client_id, "
                 "remote_addr, detail) VALUES (:id, :at, 1, 1, 'view', '', NULL, 1, '', 'clients.show /clients/1')",
                 id=event_id, at=NOW)


def test_0023_puts_the_audit_rows_behind_indexes_by_filter_and_time(migration_app):
    flask_migrate.upgrade(revision="0022")
    _practice_at_0022()

    flask_migrate.upgrade(revision="0023")

    audit = _indexes("audit_event")
    assert audit["ix_audit_event_practice_at"] == ["practice_id", "at", "id"]
    assert audit["ix_audit_event_client_at"] == ["client_id", "at", "id"]
    assert audit["ix_audit_event_user_at"] == ["user_id", "at", "id"]
    assert not {"ix_audit_event_practice_id", "ix_audit_event_client_id", "ix_audit_event_user_id"} & set(audit)
    assert _indexes("note")["ix_note_client_day"] == ["client_id", "occurred_on", "id"]
    assert [row["id"] for row in _rows("SELECT id FROM audit_event ORDER BY id")] == [1, 2, 3]
    with pytest.raises(DBAPIError):  # still append-only (0009's triggers and rules)
        _execute("DELETE FROM audit_event WHERE id = 1")

    flask_migrate.downgrade(revision="0022")
    audit = _indexes("audit_event")
    assert {"ix_audit_event_practice_id", "ix_audit_event_client_id", "ix_audit_event_user_id"} <= set(audit)
    assert "ix_audit_event_practice_at" not in audit and "ix_note_client_day" not in _indexes("note")
    assert [row["id"] for row in _rows("SELECT id FROM audit_event ORDER BY id")] == [1, 2, 3]
