"""Migration 0009: once applied over a database with audit rows, the database itself refuses to
change or remove them (SQLite triggers; PostgreSQL a trigger, even for the tables' owner); the
rows are untouched, new rows still go in, and the downgrade takes the refusal away again.
"""
from datetime import datetime

import flask_migrate
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from integration.extensions import db
from tests.conftest import POSTGRES_URL

from tests.test_migrations import (_execute, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)

AT = datetime(2026, 11, 20, 9, 30)


def _audit_rows_at_0008() -> None:
    """Two rows as the app wrote them before 0009 (no practice or user needed: those columns may be empty)."""
    for event_id, action in ((1, "sign-in"), (2, "view")):
        _execute("INSERT INTO audit_event (id, at, practice_id, user_id, action, object_type, object_id, client_id, "
                 "remote_addr, detail) VALUES (:id, :at, NULL, NULL, :action, '', NULL, 7, '10.0.0.1', "
                 "'before 0009')", id=event_id, at=AT, action=action)


def _refused(sql: str) -> str:
    """Run sql in its own transaction; the database's refusal, as text (the test fails if it was allowed)."""
    with pytest.raises(DBAPIError) as refusal:
        _execute(sql)
    return str(refusal.value.orig)


def _audit_table() -> list[dict]:
    return [dict(row) for row in _rows("SELECT id, action, detail FROM audit_event ORDER BY id")]


BEFORE = [{"id": 1, "action": "sign-in", "detail": "before 0009"}, {"id": 2, "action": "view", "detail": "before 0009"}]


def test_0009_makes_the_database_refuse_changes_to_existing_audit_rows(migration_app):
    flask_migrate.upgrade(revision="0008")
    _audit_rows_at_0008()

    flask_migrate.upgrade()

    assert "append-only" in _refused("UPDATE audit_event SET detail = 'rewritten' WHERE id = 1")
    assert "append-only" in _refused("DELETE FROM audit_event WHERE id = 2")
    assert "append-only" in _refused("DELETE FROM audit_event")
    if db.engine.dialect.name == "postgresql":
        assert "append-only" in _refused("TRUNCATE audit_event")
    assert _audit_table() == BEFORE

    _execute("INSERT INTO audit_event (id, at, practice_id, user_id, action, object_type, client_id, remote_addr, detail) "
             "VALUES (3, :at, NULL, NULL, 'sign-out', '', NULL, '', 'after 0009')", at=AT)
    assert [row["detail"] for row in _audit_table()] == ["before 0009", "before 0009", "after 0009"]


@pytest.mark.skipif(not POSTGRES_URL,
                    reason="the maintenance setting is PostgreSQL's (SQLite has no session settings); "
                           "CI runs the suite on PostgreSQL too")
def test_0009_on_postgresql_only_an_explicit_maintenance_session_may_change_audit_rows(migration_app):
    flask_migrate.upgrade(revision="0008")
    _audit_rows_at_0008()
    flask_migrate.upgrade()

    with db.engine.connect() as connection:
        connection.execute(text("SET LOCAL integration.audit_maintenance = 'on'"))
        connection.execute(text("UPDATE audit_event SET detail = 'tombstone' WHERE id = 1"))
        assert connection.scalar(text("SELECT detail FROM audit_event WHERE id = 1")) == "tombstone"
        connection.rollback()
    # SET LOCAL ends with its transaction: the next one is refused again.
    assert "append-only" in _refused("UPDATE audit_event SET detail = 'tombstone' WHERE id = 1")
    assert _audit_table() == BEFORE


def test_0009_downgrade_takes_the_refusal_away_and_keeps_the_rows(migration_app):
    flask_migrate.upgrade(revision="0008")
    _audit_rows_at_0008()
    flask_migrate.upgrade()

    flask_migrate.downgrade(revision="0008")

    assert _audit_table() == BEFORE
    _execute("UPDATE audit_event SET detail = 'changed at 0008' WHERE id = 1")
    _execute("DELETE FROM audit_event WHERE id = 2")
    assert _audit_table() == [{"id": 1, "action": "sign-in", "detail": "changed at 0008"}]
