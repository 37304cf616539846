"""Migration 0006 on a database with people in it: practices and accounts come through unchanged,
without the two-step requirement and without a second step; downgrading keeps them too."""
from datetime import datetime

import flask_migrate

from tests.test_migrations import _execute, _rows
from tests.test_migrations import empty_database_url, migration_app, restore_logging  # noqa: F401 (fixtures)


def _dicts(sql: str) -> list[dict]:
    return [dict(row) for row in _rows(sql)]


def test_0006_keeps_practices_and_people(migration_app):
    flask_migrate.upgrade(revision="0005")
    now = datetime(2026, 11, 20, 19, 0)
    _execute("INSERT INTO practice (id, name, timezone, paper_size, crisis_resources, created_at) "
             "VALUES (1, 'P', 'UTC', 'letter', '', :now)", now=now)
    _execute("INSERT INTO \"user\" (id, practice_id, email, name, credentials, role, active, password_hash, "
             "created_at, session_token) VALUES (1, 1, 'a@b.example', 'Ada', '', 'admin', :yes, 'h', :now, 't')",
             now=now, yes=True)

    flask_migrate.upgrade()

    [practice] = _dicts("SELECT name, require_two_step FROM practice")
    assert practice["name"] == "P" and not practice["require_two_step"]
    [user] = _dicts("SELECT email, password_hash, totp_secret, two_step_since FROM \"user\"")
    assert user == {"email": "a@b.example", "password_hash": "h", "totp_secret": None, "two_step_since": None}
    assert _dicts("SELECT * FROM sign_in_session") == []  # everyone signs in once more

    flask_migrate.downgrade(revision="0005")
    assert _dicts("SELECT email FROM \"user\"") == [{"email": "a@b.example"}]
    assert _dicts("SELECT name FROM practice") == [{"name": "P"}]
