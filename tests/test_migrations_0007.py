"""Migration 0007 carries delivered plans over: every version delivered before it keeps a calendar file.

Rows are written at 0005 (as the app wrote them then), the migration runs, and the calendar it
stored is the one the app builds for that plan, byte for byte; the plans gain their first revision.
"""
import hashlib
from datetime import date, datetime

import flask_migrate
from icalendar import Calendar

from integration.extensions import db

from tests.test_migrations import (_execute, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)

FINALIZED_AT = datetime(2026, 11, 3, 15, 0)
CIRCLE_AT = datetime(2026, 11, 10, 23, 0)


def _delivered_plan_at_0005() -> None:
    """A practice, a client, a finalized plan with four kinds of practice (one a circle), its PDF and a link;
    and a draft plan beside it."""
    now = datetime(2026, 11, 1, 12, 0)
    _execute("INSERT INTO practice (id, name, timezone, paper_size, crisis_resources, created_at, "
             "integration_window_days, large_print_default, client_contact) "
             "VALUES (1, 'P', 'America/New_York', 'letter', 'Call 988.', :now, 3, :no, '')", now=now, no=False)
    _execute("INSERT INTO \"user\" (id, practice_id, email, name, credentials, role, active, password_hash, "
             "created_at, session_token) VALUES (1, 1, 'c@p.example', 'Cora', '', 'coach', :yes, 'x', :now, 't')",
             now=now, yes=True)
    _execute("INSERT INTO client (id, practice_id, first_name, last_name, preferred_name, pronouns, email, phone, "
             "emergency_contact, status, created_at) VALUES (1, 1, 'Juniper', 'Adair', 'June', '', '', '', '', "
             "'active', :now)", now=now)
    _execute("INSERT INTO group_series (id, practice_id, name, description, schedule_text, place, video_link, "
             "capacity, status, created_at) VALUES (1, 1, 'Circle', '', '', '', '', 8, 'active', :now)", now=now)
    _execute("INSERT INTO group_session (id, series_id, starts_at, theme, created_at) "
             "VALUES (1, 1, :at, 'Coming home', :now)", at=CIRCLE_AT, now=now)
    for plan_id, status, finalized_at in ((1, "finalized", FINALIZED_AT), (2, "draft", None)):
        _execute("INSERT INTO plan (id, client_id, start_date, message, appointments, large_print, status, version, "
                 "created_by_id, created_at, updated_at, finalized_at, finalized_by_id) VALUES (:id, 1, :start, "
                 "'Go gently.', '[]', :no, :status, 1, 1, :now, :now, :finalized_at, :by)",
                 id=plan_id, start=date(2026, 11, 2), no=False, status=status, now=now,
                 finalized_at=finalized_at, by=1 if finalized_at else None)
    items = [(1, "Evening pages", "days", "[0, 1, 2]", "evening", None),
             (2, "Walk by the water", "weekly", "[5]", "morning", None),
             (3, "Integration session", "checkpoints", '["1w"]', "", None),
             (4, "Integration circle", "as_needed", "[]", "", 1)]
    for position, (item_id, title, kind, values, when, series_id) in enumerate(items):
        _execute("INSERT INTO plan_item (id, plan_id, client_id, position, category, title, instructions, "
                 "schedule_kind, schedule_values, time_of_day, prompts, group_series_id) VALUES (:id, 1, 1, :pos, "
                 "'journaling', :title, 'Gently.', :kind, :values, :when, '', :series)",
                 id=item_id, pos=position, title=title, kind=kind, values=values, when=when, series=series_id)
    _execute("INSERT INTO plan_export (id, plan_id, client_id, version, pdf, size, sha256, created_by_id, created_at) "
             "VALUES (1, 1, 1, 1, :pdf, 9, :sha, 1, :at)", pdf=b"%PDF-1.7\n", sha="0" * 64, at=FINALIZED_AT)
    _execute("INSERT INTO share_link (id, export_id, client_id, token_hash, expires_at, created_by_id, created_at, "
             "downloads) VALUES (1, 1, 1, :hash, :expires, 1, :at, 0)",
             hash="1" * 64, expires=datetime(2026, 11, 17), at=FINALIZED_AT)


def test_0007_stores_the_calendar_of_every_delivered_version_and_gives_plans_a_revision(migration_app):
    from integration.auth.models import Practice
    from integration.plans.assemble import circle_sessions, circles_from, load_plan
    from integration.plans.calendar import ics_file, legacy_calendar_events

    flask_migrate.upgrade(revision="0005")
    _delivered_plan_at_0005()

    flask_migrate.upgrade()

    assert {row["id"]: row["revision"] for row in _rows("SELECT id, revision FROM plan")} == {1: 1, 2: 1}
    [export] = _rows("SELECT id, pdf, ics, ics_sha256 FROM plan_export")
    stored = bytes(export["ics"])
    assert export["ics_sha256"] == hashlib.sha256(stored).hexdigest()
    assert bytes(export["pdf"]) == b"%PDF-1.7\n", "the delivered PDF is untouched"

    events = {str(event["summary"]): event for event in Calendar.from_ical(stored).walk("VEVENT")}
    assert set(events) == {"Evening pages", "Walk by the water", "Integration session", "Integration circle"}
    assert events["Integration circle"].decoded("dtstart").replace(tzinfo=None) == CIRCLE_AT
    assert str(events["Integration circle"]["description"]) == "Coming home"
    assert b"Juniper" not in stored and b"Adair" not in stored

    # The very file the app made for that plan before 0010 (the calendar as it was then, kept frozen for
    # this migration): the links serve now what they served until now.
    plan = load_plan(1, 1)
    practice = db.session.get(Practice, 1)
    circles = circle_sessions(list(plan.items), practice, circles_from(plan, practice))
    events = legacy_calendar_events(list(plan.items), plan_id=1, start=plan.start_date, window_days=3,
                                    timezone=practice.timezone, circles=circles)
    db.session.rollback()  # end the read, or PostgreSQL's downgrade below waits for it
    assert ics_file(events, stamp=FINALIZED_AT) == stored

    flask_migrate.downgrade(revision="0005")
    assert [row["id"] for row in _rows("SELECT id FROM plan_export")] == [1]
    assert [row["id"] for row in _rows("SELECT id FROM plan ORDER BY id")] == [1, 2]
