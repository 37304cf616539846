"""Migration 0024 (dosing safety) upgrades a practice at 0023 with its sessions: each stays a held session,
an esketamine session is marked so, and the free-text notes (where vitals were typed) move word for word to
"notes from before structured vitals"; downgrade puts them back and keeps every session."""
from datetime import datetime

import flask_migrate

from tests.test_migrations import (_execute, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)

NOW = datetime(2026, 11, 1, 12, 0)
OLD_VITALS = "BP 132/84 before, 148/92 at 40 min, 128/80 at discharge. SpO2 97-99%."


def _practice_at_0023() -> None:
    _execute("INSERT INTO practice (id, name, timezone, paper_size, crisis_resources, created_at) "
             "VALUES (1, 'P', 'America/New_York', 'letter', 'Call 988.', :now)", now=NOW)
    _execute("INSERT INTO client (id, practice_id, first_name, last_name, preferred_name, pronouns, email, phone, "
             "emergency_contact, status, created_at) VALUES (1, 1, 'Juniper', 'Adair', '', '', '', '', '', "
             "'active', :now)", now=NOW)
    for session_id, medicine, notes in ((1, "ketamine", OLD_VITALS), (2, "Esketamine (Spravato)", ""),
                                        (3, "ketamine", "")):
        _execute("INSERT INTO dosing_session (id, client_id, number, started_at, medicine, route, dose_mg, setting, "
                 "intention, notes, created_at) VALUES (:id, 1, :id, :now, :medicine, 'im', 56, '', '', :notes, :now)",
                 id=session_id, medicine=medicine, notes=notes, now=NOW)


def test_0024_keeps_old_vitals_text_and_marks_every_session_held(migration_app):
    flask_migrate.upgrade(revision="0023")
    _practice_at_0023()

    flask_migrate.upgrade(revision="0024")

    rows = _rows("SELECT id, status, product, notes, notes_before_vitals, discharge_criteria_met, without_consent_at "
                 "FROM dosing_session ORDER BY id")
    assert [(r["status"], r["product"]) for r in rows] == [("held", "racemic"), ("held", "esketamine"),
                                                          ("held", "racemic")]
    assert (rows[0]["notes"], rows[0]["notes_before_vitals"]) == ("", OLD_VITALS)
    assert [r["notes_before_vitals"] for r in rows[1:]] == ["", ""]
    assert not any(r["discharge_criteria_met"] for r in rows)
    assert _rows("SELECT id FROM vitals_reading") == [] and _rows("SELECT id FROM consent") == []

    _execute("UPDATE dosing_session SET notes = 'Written after 0024.' WHERE id = 1")
    flask_migrate.downgrade(revision="0023")
    rows = _rows("SELECT id, notes FROM dosing_session ORDER BY id")
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert rows[0]["notes"] == OLD_VITALS + "\n\nWritten after 0024."
