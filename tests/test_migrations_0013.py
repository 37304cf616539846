"""Migration 0013 (measures) upgrades a practice at 0008 with its data: every signed debrief that said
"Follow-up needed: yes" gets an open follow-up alert; other notes and drafts get none; downgrade removes
the measures tables and keeps the notes."""
import json
from datetime import date, datetime

import flask_migrate

from tests.test_migrations import (_execute, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)

NOW = datetime(2026, 11, 1, 12, 0)


def _debrief(note_id: int, follow_up: str, status: str, session_id: int | None) -> None:
    content = json.dumps({"experience": "Floating.", "safety": {"mood": "calm", "asked": "yes", "answer": "",
                                                                 "follow_up": follow_up, "plan": ""}})
    _execute("INSERT INTO note (id, client_id, kind, author_id, dosing_session_id, occurred_on, content, search_text, "
             "status, version, created_at, updated_at, signed_at) VALUES (:id, 1, 'debrief', 1, :session, :day, "
             ":content, '', :status, 2, :now, :now, :signed)", id=note_id, session=session_id, day=date(2026, 10, 30),
             content=content, status=status, now=NOW, signed=NOW if status == "signed" else None)


def _practice_at_0008() -> None:
    _execute("INSERT INTO practice (id, name, timezone, paper_size, crisis_resources, created_at) "
             "VALUES (1, 'P', 'America/New_York', 'letter', 'Call 988.', :now)", now=NOW)
    _execute("INSERT INTO \"user\" (id, practice_id, email, name, credentials, role, active, password_hash, "
             "created_at, session_token) VALUES (1, 1, 't@p.example', 'Theo', '', 'therapist', :yes, 'x', :now, 't')",
             now=NOW, yes=True)
    _execute("INSERT INTO client (id, practice_id, first_name, last_name, preferred_name, pronouns, email, phone, "
             "emergency_contact, status, created_at) VALUES (1, 1, 'Juniper', 'Adair', '', '', '', '', '', "
             "'active', :now)", now=NOW)
    _execute("INSERT INTO dosing_session (id, client_id, number, started_at, medicine, route, setting, intention, "
             "notes, created_at) VALUES (1, 1, 3, :now, 'ketamine', 'im', '', '', '', :now)", now=NOW)
    _debrief(1, "yes", "signed", 1)   # follow-up needed, signed: an alert
    _debrief(2, "no", "signed", None)  # no follow-up: none
    _debrief(3, "yes", "draft", None)  # not signed yet: none (signing will raise it)


def test_0013_alerts_signed_debriefs_that_asked_for_follow_up(migration_app):
    flask_migrate.upgrade(revision="0008")
    _practice_at_0008()

    flask_migrate.upgrade(revision="0013")

    [alert] = _rows("SELECT client_id, kind, note_id, detail, acknowledged_at FROM measure_alert")
    assert (alert["client_id"], alert["kind"], alert["note_id"], alert["acknowledged_at"]) == (1, "follow_up", 1, None)
    assert alert["detail"] == "Debrief of 2026-10-30 for session 3 says follow-up is needed (signed before measures)."
    assert _rows("SELECT id FROM measure_response") == []

    flask_migrate.downgrade(revision="0008")
    assert [row["id"] for row in _rows("SELECT id FROM note ORDER BY id")] == [1, 2, 3]
