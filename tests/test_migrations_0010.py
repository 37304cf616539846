"""Migration 0010 carries practices, library entries, insights and plans over (rows written at 0008 as the
app wrote them then): the old default crisis text gives way to the built-in US lines, a practice's own text
stays; built-in entries get their cautions, and the texts that gave harmful advice are replaced only where
no one edited them; insights in delivered plans are not taken as confirmed; plans keep no reminders."""
from datetime import date, datetime

import flask_migrate

from tests.test_migrations import (_execute, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)

OLD_DEFAULT = ("If you are in crisis or thinking about harming yourself, call or text 988 "
               "(Suicide & Crisis Lifeline). In an emergency, call 911.")
OLD_FOOD = ("Eat regular, simple meals and drink plenty of water in the first days. Go easy on alcohol and "
            "caffeine while you settle.")


def _rows_at_0008() -> None:
    now = datetime(2026, 11, 1, 12, 0)
    for practice_id, crisis in ((1, OLD_DEFAULT), (2, "Call our crisis team on 555-0100.")):
        _execute("INSERT INTO practice (id, name, timezone, paper_size, crisis_resources, created_at, "
                 "integration_window_days, large_print_default, client_contact) "
                 "VALUES (:id, :name, 'America/New_York', 'letter', :crisis, :now, 3, :no, '')",
                 id=practice_id, name=f"P{practice_id}", crisis=crisis, now=now, no=False)
    _execute("INSERT INTO \"user\" (id, practice_id, email, name, credentials, role, active, password_hash, "
             "created_at, session_token) VALUES (1, 1, 'c@p.example', 'Cora', '', 'therapist', :yes, 'x', :now, 't')",
             now=now, yes=True)
    for entry_id, practice_id, key, instructions in ((1, 1, "nourishing-food", OLD_FOOD),
                                                     (2, 2, "nourishing-food", "Our own words about food."),
                                                     (3, 1, "body-scan", "Lie down.")):
        _execute("INSERT INTO library_practice (id, practice_id, builtin_key, retired, created_at, updated_at, "
                 "category, title, instructions, schedule_kind, schedule_values, time_of_day, prompts) "
                 "VALUES (:id, :p, :key, :no, :now, :now, 'lifestyle', 'T', :text, 'days', '[1]', 'bedtime', '')",
                 id=entry_id, p=practice_id, key=key, no=False, now=now, text=instructions)
    _execute("INSERT INTO client (id, practice_id, first_name, last_name, preferred_name, pronouns, email, phone, "
             "emergency_contact, status, created_at) VALUES (1, 1, 'Ada', 'B', '', '', '', '', '', 'active', :now)",
             now=now)
    _execute("INSERT INTO note (id, client_id, author_id, kind, status, version, content, search_text, occurred_on, created_at, "
             "updated_at) VALUES (1, 1, 1, 'debrief', 'signed', 2, '{}', '', :day, :now, :now)", day=date(2026, 11, 1),
             now=now)
    _execute("INSERT INTO insight (id, client_id, note_id, text, client_words, shared_with_coach, created_at) "
             "VALUES (1, 1, 1, 'statement', 'My words', :yes, :now)", yes=True, now=now)
    _execute("INSERT INTO goal (id, client_id, title, why, how_we_know, life_area, status, sensitive, "
             "shared_with_coach, archived, created_at) VALUES (1, 1, 'Rest', 'Why', '', 'other', 'active', :no, :no, "
             ":no, :now)", no=False, now=now)
    _execute("INSERT INTO plan (id, client_id, start_date, message, appointments, large_print, status, version, "
             "created_at, updated_at, revision) VALUES (1, 1, :start, '', '[]', :no, 'finalized', 1, :now, :now, 2)",
             start=date(2026, 11, 2), no=False, now=now)


def test_0010_carries_existing_practices_library_insights_and_plans_over(migration_app):
    flask_migrate.upgrade(revision="0009")  # the previous head
    _rows_at_0008()

    flask_migrate.upgrade(revision="0010")

    practices = {row["id"]: row for row in _rows("SELECT * FROM practice ORDER BY id")}
    assert practices[1]["crisis_resources"] == "" and practices[1]["country"] == "US"
    assert practices[2]["crisis_resources"] == "Call our crisis team on 555-0100."
    assert practices[1]["day_of_session_text"] == "" and practices[1]["after_hours_line"] == ""
    entries = {row["id"]: row for row in _rows("SELECT * FROM library_practice ORDER BY id")}
    assert "Go easy on alcohol" not in entries[1]["instructions"] and "Talk with us" in entries[1]["instructions"]
    assert entries[2]["instructions"] == "Our own words about food.", "an edited entry keeps its words"
    assert "substances" in str(entries[2]["cautions"]) and "eyes_closed" in str(entries[3]["cautions"])
    assert entries[3]["time_of_day"] == "evening" and entries[3]["gentle_variant"]
    [insight] = _rows("SELECT words_confirmed_at, words_confirmed_by_id FROM insight")
    assert insight["words_confirmed_at"] is None and insight["words_confirmed_by_id"] is None
    [plan] = _rows("SELECT past_days, reminders FROM plan")
    assert plan["past_days"] == "behind" and not plan["reminders"]
    [goal] = _rows("SELECT client_title FROM goal")
    assert goal["client_title"] == ""

    flask_migrate.downgrade(revision="0009")
    assert [row["id"] for row in _rows("SELECT id FROM insight")] == [1]
