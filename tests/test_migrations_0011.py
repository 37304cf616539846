"""Migration 0011 (undo and time zones) carries data written at 0008 over as it was: every note keeps
its status and text and none is discarded, every insight stays in place, every member reads times in
their practice's zone, and the practice keeps its own."""
from datetime import date, datetime

import flask_migrate

from tests.test_migrations import (_execute, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)


def _record_at_0008() -> None:
    now = datetime(2026, 11, 20, 19, 0)
    _execute("INSERT INTO practice (id, name, timezone, paper_size, crisis_resources, created_at, "
             "integration_window_days, large_print_default, client_contact, require_two_step, "
             "clinicians_add_to_care_team) VALUES (1, 'P', 'America/Chicago', 'letter', '', :now, 3, :no, '', "
             ":no, :no)", now=now, no=False)
    _execute("INSERT INTO \"user\" (id, practice_id, email, name, credentials, role, profession, licence, active, "
             "password_hash, created_at, session_token) VALUES (1, 1, 'u@p.example', 'N', 'LMFT', 'therapist', "
             "'therapist', '', :yes, 'x', :now, 't')", now=now, yes=True)
    _execute("INSERT INTO client (id, practice_id, first_name, last_name, preferred_name, pronouns, email, phone, "
             "emergency_contact, status, created_at) VALUES (1, 1, 'C', 'L', '', '', '', '', '', 'active', :now)",
             now=now)
    for note_id, status in ((1, "draft"), (2, "signed")):
        _execute("INSERT INTO note (id, client_id, kind, author_id, occurred_on, content, status, version, "
                 "updated_at, search_text, created_at) VALUES (:id, 1, 'integration', 1, :day, "
                 "'{\"focus\": \"kept words\"}', :status, 2, :now, 'kept words', :now)",
                 id=note_id, status=status, day=date(2026, 11, 20), now=now)
    _execute("INSERT INTO insight (id, client_id, note_id, text, client_words, shared_with_coach, created_at) "
             "VALUES (1, 1, 2, 'statement', 'words', :yes, :now)", now=now, yes=True)


def test_0011_keeps_every_note_insight_and_member_as_they_were(migration_app):
    flask_migrate.upgrade(revision="0008")
    _record_at_0008()

    flask_migrate.upgrade()

    from integration.crypto import keyring  # at head the text is encrypted (migration 0023)
    notes = {row["id"]: (row["status"], row["discarded_at"], row["version"], keyring().decrypt(row["search_text"]))
             for row in _rows("SELECT id, status, discarded_at, version, search_text FROM note")}
    assert notes == {1: ("draft", None, 2, "kept words"), 2: ("signed", None, 2, "kept words")}
    [insight] = _rows("SELECT removed_at, retracted_at, retracted_by_id, retraction_reason, text FROM insight")
    assert {**insight, "text": keyring().decrypt(insight["text"])} == {
        "removed_at": None, "retracted_at": None, "retracted_by_id": None, "retraction_reason": "", "text": "statement"}
    [user] = _rows("SELECT timezone FROM \"user\"")
    assert user["timezone"] == "", "the member reads times in the practice's zone, as before"
    [practice] = _rows("SELECT timezone FROM practice")
    assert practice["timezone"] == "America/Chicago"

    from integration.auth.models import User
    from integration.clock import tz_of
    from integration.extensions import db
    assert tz_of(db.session.get(User, 1)) == "America/Chicago"
    db.session.remove()

    _execute("UPDATE note SET status = 'discarded', discarded_at = :now WHERE id = 1", now=datetime(2026, 11, 21))
    flask_migrate.downgrade(revision="0008")
    assert {row["id"]: row["status"] for row in _rows("SELECT id, status FROM note")} == {1: "draft", 2: "signed"}, \
        "a discarded draft is a draft again for the code before 0011"
