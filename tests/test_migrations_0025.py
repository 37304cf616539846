"""Migration 0025 (safety plan) upgrades a practice at 0024 with its plans: they keep what they delivered
(no safety plan included, none frozen); a safety plan version can then be stored, and a second save of the
same number is refused by the table; downgrade removes the table and the two plan columns, plans kept."""
from datetime import date, datetime

import flask_migrate
import pytest
from sqlalchemy.exc import IntegrityError

from tests.test_migrations import (_execute, _rows, _tables, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)
from tests.test_migrations_0013 import _practice_at_0008

NOW = datetime(2026, 11, 1, 12, 0)


def test_0025_keeps_plans_and_adds_versioned_safety_plans(migration_app):
    flask_migrate.upgrade(revision="0024")
    _practice_at_0008()
    _execute("INSERT INTO plan (id, client_id, start_date, message, appointments, large_print, status, version, "
             "created_at, updated_at, revision) VALUES (1, 1, :start, 'Hello', '[]', :no, 'finalized', 1, :now, :now, 2)",
             start=date(2026, 11, 2), no=False, now=NOW)

    flask_migrate.upgrade(revision="0025")

    [plan] = _rows("SELECT id, message, include_safety_plan, safety_plan_version_id FROM plan")
    assert (plan["id"], plan["message"], bool(plan["include_safety_plan"]), plan["safety_plan_version_id"]) == \
        (1, "Hello", False, None)
    _execute("INSERT INTO safety_plan_version (id, client_id, number, steps, change_note, created_by_id, created_at) "
             "VALUES (1, 1, 1, '{\"warning_signs\": \"Not sleeping\"}', '', 1, :now)", now=NOW)
    with pytest.raises(IntegrityError):  # the conditional write: one version 1 per client
        _execute("INSERT INTO safety_plan_version (id, client_id, number, steps, change_note, created_by_id, "
                 "created_at) VALUES (2, 1, 1, '{}', '', 1, :now)", now=NOW)

    flask_migrate.downgrade(revision="0024")
    assert [row["id"] for row in _rows("SELECT id FROM plan")] == [1]
    assert "safety_plan_version" not in _tables()
