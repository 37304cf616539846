"""Migration 0006 on a database with people in it: practices and accounts come through unchanged,
without the two-step requirement and without a second step; downgrading keeps them too."""
from datetime import datetime

import flask_migrate
from sqlalchemy import text

from integration.extensions import db
from tests.test_migrations import empty_database_url, migration_app, restore_logging  # noqa: F401 (fixtures)


def _execute(sql: str, **values) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(sql), values)


def _rows(sql: str) -> list[dict]:
    with db.engine.connect() as connection:
        return [dict(row) for row in connection.execute(text(sql)).mappings()]


def test_0006_keeps_practices_and_people(migration_app):
    flask_migrate.upgrade(revision="0005")
    now = datetime(2026, 11, 20, 19, 0)
    _execute("INSERT INTO practice (id, name, timezone, paper_size, crisis_resources, created_at) "
             "VALUES (1, 'P', 'UTC', 'letter', '', :now)", now=now)
    _execute("INSERT INTO \"user\" (id, practice_id, email, name, credentials, role, active, password_hash, "
             "created_at, session_token) VALUES (1, 1, 'a@b.example', 'Ada', '', 'admin', :yes, 'h', :now, 't')",
             now=now, yes=True)

    flask_migrate.upgrade()

    [practice] = _rows("SELECT name, require_two_step FROM practice")
    assert practice["name"] == "P" and not practice["require_two_step"]
    [user] = _rows("SELECT email, password_hash, totp_secret, two_step_since FROM \"user\"")
    assert user == {"email": "a@b.example", "password_hash": "h", "totp_secret": None, "two_step_since": None}
    assert _rows("SELECT * FROM sign_in_session") == []  # everyone signs in once more

    flask_migrate.downgrade(revision="0005")
    assert _rows("SELECT email FROM \"user\"") == [{"email": "a@b.example"}]
    assert _rows("SELECT name FROM practice") == [{"name": "P"}]
