"""Migration 0022 (erasure and retention) upgrades a practice at 0015 with its clients in place: every
practice keeps its records for 7 years after closing until it sets its own period, clients keep their
status (none is closed), and downgrade turns a closed record into an archived one and drops the requests."""
from datetime import datetime

import flask_migrate

from tests.test_migrations import (_execute, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)
from tests.test_migrations_0013 import _practice_at_0008

NOW = datetime(2026, 11, 1, 12, 0)


def test_0022_adds_retention_and_closing_and_keeps_the_clients(migration_app):
    flask_migrate.upgrade(revision="0015")
    _practice_at_0008()
    _execute("INSERT INTO client (id, practice_id, first_name, last_name, preferred_name, pronouns, email, phone, "
             "emergency_contact, status, created_at) VALUES (2, 1, 'Rowan', 'Tessly', '', '', '', '', '', "
             "'archived', :now)", now=NOW)

    flask_migrate.upgrade(revision="0022")

    assert _rows("SELECT id, retention_years FROM practice") == [{"id": 1, "retention_years": 7}]
    assert [(r["id"], r["status"], r["closed_at"], r["closed_by_id"]) for r in
            _rows("SELECT id, status, closed_at, closed_by_id FROM client ORDER BY id")] == [
        (1, "active", None, None), (2, "archived", None, None)]
    assert _rows("SELECT id FROM purge_request") == []

    _execute("UPDATE client SET status = 'closed', closed_at = :now, closed_by_id = 1 WHERE id = 1", now=NOW)
    _execute("INSERT INTO purge_request (practice_id, client_id, status, requested_by_id, requested_at, expires_at, "
             "counts) VALUES (1, 1, 'requested', 1, :now, :now, '{}')", now=NOW)
    flask_migrate.downgrade(revision="0015")
    assert [(r["id"], r["status"]) for r in _rows("SELECT id, status FROM client ORDER BY id")] == [
        (1, "archived"), (2, "archived")]
    assert [r["id"] for r in _rows("SELECT id FROM note ORDER BY id")] == [1, 2, 3]
