"""Migration 0026 (client check-ins) upgrades a practice at 0025 with a delivered plan, a link and a measure
entered by staff: the link keeps working without a code (code_hash NULL), the measure stays staff-entered;
downgrade removes the check-ins table and the two columns and keeps the rest."""
from datetime import date, datetime

import flask_migrate

from tests.test_migrations import (_execute, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)
from tests.test_migrations_0013 import _practice_at_0008

NOW = datetime(2026, 11, 1, 12, 0)


def test_0026_keeps_links_and_measures_and_downgrades(migration_app):
    flask_migrate.upgrade(revision="0025")
    _practice_at_0008()
    _execute("INSERT INTO plan (id, client_id, start_date, message, appointments, large_print, status, version, "
             "created_at, updated_at, revision, past_days, reminders) VALUES (1, 1, :day, '', '[]', :no, "
             "'finalized', 1, :now, :now, 2, 'behind', :yes)", day=date(2026, 10, 30), now=NOW, no=False, yes=True)
    _execute("INSERT INTO plan_export (id, plan_id, client_id, version, pdf, size, sha256, created_at) "
             "VALUES (1, 1, 1, 1, :pdf, 4, :sha, :now)", pdf=b"%PDF", sha="0" * 64, now=NOW)
    _execute("INSERT INTO share_link (id, export_id, client_id, token_hash, expires_at, created_at, downloads) "
             "VALUES (1, 1, 1, :hash, :later, :now, 0)", hash="a" * 64, later=datetime(2026, 12, 1), now=NOW)
    _execute("INSERT INTO measure_response (id, client_id, measure_key, taken_on, answers, difficulty, total, band, "
             "entered_by_id, created_at) VALUES (1, 1, 'phq9', :day, '[0,0,0,0,0,0,0,0,0]', '', 0, 'Minimal', 1, "
             ":now)", day=date(2026, 10, 30), now=NOW)

    flask_migrate.upgrade(revision="0026")

    assert _rows("SELECT id, code_hash FROM share_link") == [{"id": 1, "code_hash": None}]
    assert _rows("SELECT id, share_link_id FROM measure_response") == [{"id": 1, "share_link_id": None}]
    _execute("INSERT INTO client_check_in (client_id, share_link_id, checked_on, mood, sleep, practices, stayed_with, "
             "reach_out, reach_when, created_at, comment) VALUES (1, 1, :day, 7, 'well', '[]', '', :no, '', :now, '')",
             day=date(2026, 10, 31), no=False, now=NOW)
    assert [row["mood"] for row in _rows("SELECT mood FROM client_check_in")] == [7]

    flask_migrate.downgrade(revision="0025")
    assert [row["id"] for row in _rows("SELECT id FROM share_link")] == [1]
    assert [row["total"] for row in _rows("SELECT total FROM measure_response")] == [0]
