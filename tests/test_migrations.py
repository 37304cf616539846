"""The Alembic migrations build exactly the schema the models describe.

A model changed without a migration (or a migration that no longer matches the models) fails
here: the migrations are applied to an empty database, never through create_all, and the
result is compared with `db.metadata` by Alembic's autogenerate.

On SQLite this uses a fresh temporary file. With TEST_DATABASE_URL (PostgreSQL in CI) it uses
a separate database created next to the test database and dropped afterwards, so the shared
test database is left as the other tests expect it: with the session's schema, and empty.
"""
import logging
import re
import uuid
from contextlib import ExitStack

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, MetaData, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from integration import create_app
from integration.extensions import db
from tests.conftest import POSTGRES_URL, SETTINGS, postgresql_database

VERSION_TABLE = "alembic_version"


@pytest.fixture
def restore_logging():
    """migrations/env.py calls logging.config.fileConfig, which disables every logger already
    created (the app's, WeasyPrint's, ...). Put logging back so later tests are unaffected."""
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {
        name: (lg.disabled, lg.level, list(lg.handlers), lg.propagate)
        for name, lg in logging.Logger.manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    yield
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    for name, lg in list(logging.Logger.manager.loggerDict.items()):
        if not isinstance(lg, logging.Logger):
            continue
        if name in saved:
            lg.disabled, level, handlers, lg.propagate = saved[name]
            lg.setLevel(level)
            lg.handlers[:] = handlers
        else:
            lg.disabled = False


def _drop_everything(url) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            reflected = MetaData()
            reflected.reflect(connection)
            reflected.drop_all(connection)
    finally:
        engine.dispose()


def _create_schema(url) -> None:
    engine = create_engine(url)
    try:
        db.metadata.create_all(engine)
    finally:
        engine.dispose()


@pytest.fixture
def empty_database_url(tmp_path):
    """A URL of a database with no tables in it, removed or emptied afterwards."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return

    base = make_url(POSTGRES_URL)
    with ExitStack() as made:
        try:
            url = made.enter_context(postgresql_database(f"{base.database}_migrations_{uuid.uuid4().hex[:8]}"))
        except DBAPIError:
            url = None
        if url:
            yield url
            return
    # No CREATEDB right: use the test database itself, emptied before and after, and then
    # given back the schema that the other tests of the session share.
    _drop_everything(base)
    yield base.render_as_string(hide_password=False)
    _drop_everything(base)
    _create_schema(base)


@pytest.fixture
def migration_app(empty_database_url, restore_logging):
    """An app on the empty database; its tables come only from the migrations."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-only-secret",
        "SQLALCHEMY_DATABASE_URI": empty_database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "ENCRYPTION_KEYS": SETTINGS["ENCRYPTION_KEYS"],
        "SEARCH_INDEX_KEY": SETTINGS["SEARCH_INDEX_KEY"],
    })
    with app.app_context():
        assert _tables() == set(), "the migration test must start from an empty database"
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def _json_defaults_as_text(context, inspected_column, metadata_column, inspected_default, metadata_default,
                           rendered_metadata_default):
    """Alembic compares server defaults by asking the database whether they are equal, and PostgreSQL's
    json type has no equality (`'[]'::json = '[]'` is an error): a JSON column's defaults are compared
    as the text of their literal, without PostgreSQL's cast. Every other column: Alembic's own way."""
    if not isinstance(metadata_column.type, JSON):
        return None

    def literal(default) -> str:
        return re.sub(r"::jsonb?$", "", str(default or "").strip().strip("()")).strip("'\"")

    return literal(inspected_default) != literal(rendered_metadata_default)


def _schema_differences() -> list:
    """What autogenerate would put in a new migration: empty when models and migrations agree."""
    from integration.search.index import OUTSIDE_MODELS

    def include_object(obj, name, type_, reflected, compare_to):
        # The full-text index is built beside the models by DDL (search/index.py, migration 0014): the
        # FTS5 tables with the shadow tables SQLite makes for them, and PostgreSQL's GIN indexes. No
        # model describes them, so autogenerate would propose dropping them.
        return not (type_ == "table" and name == VERSION_TABLE) and not (reflected and name in OUTSIDE_MODELS)

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "compare_server_default": _json_defaults_as_text,
            "include_object": include_object,
        })
        return compare_metadata(context, db.metadata)


def _describe(difference) -> str:
    if isinstance(difference, list):  # column changes come grouped
        return "; ".join(_describe(item) for item in difference)
    operation, *details = difference
    named = [getattr(detail, "name", detail) for detail in details if detail is not None]
    return f"{operation} {' '.join(str(name) for name in named)}"[:300]


def _explain(differences: list) -> str:
    return ("the models and the migrations differ; write a migration "
            "(`flask db migrate -m ...`, then review it):\n"
            + "\n".join(f"  {_describe(difference)}" for difference in differences))


def test_migrations_have_a_single_head(migration_app):
    config = migration_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: merge them (`flask db merge`)"


def test_migrations_build_exactly_the_models_schema(migration_app):
    flask_migrate.upgrade()
    differences = _schema_differences()
    assert not differences, _explain(differences)


def test_migrations_build_the_full_text_index_the_app_builds(migration_app):
    """What search/index.py adds beside the models (the comparison above leaves it out) is what the
    migrations make: PostgreSQL's GIN indexes and its index of a token row's client; SQLite's FTS5 tables."""
    from integration.search import index

    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        indexes = {found["name"] for table in ("note_search", "insight_search")
                   for found in inspector.get_indexes(table)}
        tables = set(inspector.get_table_names())
    if db.engine.dialect.name == "postgresql":
        assert indexes == index.POSTGRESQL_INDEXES
    else:
        assert indexes == set() and set(index.FTS5_TABLES) <= tables


def test_downgrade_to_base_and_upgrade_again(migration_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert _tables() - {VERSION_TABLE} == set(), "downgrade to base left tables behind"

    flask_migrate.upgrade()
    differences = _schema_differences()
    assert not differences, _explain(differences)


def _execute(sql: str, **values) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(sql), values)


def _practice_therapist_client(now) -> None:
    """Practice 1, its therapist 1 and client 1, as every schema since 0008 holds them."""
    _execute("INSERT INTO practice (id, name, timezone, paper_size, crisis_resources, created_at) "
             "VALUES (1, 'P', 'UTC', 'letter', '', :now)", now=now)
    _execute("INSERT INTO \"user\" (id, practice_id, email, name, credentials, role, active, password_hash, "
             "created_at, session_token) VALUES (1, 1, 'a@b.example', 'Ada', '', 'therapist', :yes, 'x', :now, 't')",
             now=now, yes=True)
    _execute("INSERT INTO client (id, practice_id, first_name, last_name, preferred_name, pronouns, email, phone, "
             "emergency_contact, status, created_at) VALUES (1, 1, 'C', 'L', '', '', '', '', '', 'active', :now)",
             now=now)


def _rows(sql: str, **values) -> list:
    with db.engine.connect() as connection:
        return connection.execute(text(sql), values).mappings().all()


def test_0005_carries_group_notes_into_the_one_lifecycle(migration_app):
    """Group notes written before 0005 keep their text and their signature, and gain a signed copy."""
    from datetime import datetime

    from integration.notes.lifecycle import content_hash

    flask_migrate.upgrade(revision="0004")
    signed_text = "Themes of return and rest; the circle was unhurried."
    now = datetime(2026, 11, 20, 19, 0)
    _execute("INSERT INTO practice (id, name, timezone, paper_size, crisis_resources, created_at) "
             "VALUES (1, 'P', 'UTC', 'letter', '', :now)", now=now)
    _execute("INSERT INTO \"user\" (id, practice_id, email, name, credentials, role, active, password_hash, "
             "created_at, session_token) VALUES (1, 1, 'a@b.example', 'Ada', '', 'therapist', :yes, 'x', :now, 't')",
             now=now, yes=True)
    _execute("INSERT INTO group_series (id, practice_id, name, description, schedule_text, place, video_link, "
             "capacity, status, created_at) VALUES (1, 1, 'Circle', '', '', '', '', 8, 'active', :now)", now=now)
    for session_id in (1, 2):
        _execute("INSERT INTO group_session (id, series_id, starts_at, theme, created_at) "
                 "VALUES (:id, 1, :now, '', :now)", id=session_id, now=now)
    _execute("INSERT INTO group_note (id, group_session_id, text, status, version, author_id, updated_at, "
             "signed_at, signed_by_id, content_hash) VALUES (1, 1, :text, 'signed', 3, 1, :now, :now, 1, :hash)",
             text=signed_text, now=now, hash=content_hash({"text": signed_text}))
    _execute("INSERT INTO group_note (id, group_session_id, text, status, version, author_id, updated_at) "
             "VALUES (2, 2, 'Draft in progress', 'draft', 2, 1, :now)", now=now)

    flask_migrate.upgrade()

    notes = {row["id"]: row for row in _rows("SELECT id, content, content_hash, status FROM group_note")}
    import json

    from integration.crypto import keyring
    from integration.crypto.keys import is_encrypted

    def content(row):  # at head a note's sections are one encrypted JSON string (migration 0023)
        value = row["content"]  # PostgreSQL's driver parses JSON; SQLite gives its text
        value = json.loads(value) if isinstance(value, str) and not is_encrypted(value) else value
        return json.loads(keyring().decrypt(value)) if is_encrypted(value) else value

    assert content(notes[1]) == {"text": signed_text}
    assert content_hash(content(notes[1])) == notes[1]["content_hash"], "the signature still matches"
    assert content(notes[2]) == {"text": "Draft in progress"} and notes[2]["status"] == "draft"
    copies = _rows("SELECT group_note_id, reason, based_on_version, saved_by_id FROM group_note_revision")
    assert [dict(row) for row in copies] == [
        {"group_note_id": 1, "reason": "signed", "based_on_version": 3, "saved_by_id": 1}]

    flask_migrate.downgrade(revision="0004")
    assert {row["id"]: row["text"] for row in _rows("SELECT id, text FROM group_note")} == {
        1: signed_text, 2: "Draft in progress"}


def test_0008_keeps_every_role_and_gives_clinical_access_only_to_clinicians(migration_app):
    """Coaches stay coaches; "therapist" users become clinicians; an admin who wrote notes keeps reading
    their care teams as a clinician, another admin does not; insights already in a plan stay in it."""
    from datetime import date, datetime

    flask_migrate.upgrade(revision="0007")
    now = datetime(2026, 11, 20, 19, 0)
    _execute("INSERT INTO practice (id, name, timezone, paper_size, crisis_resources, created_at) "
             "VALUES (1, 'P', 'UTC', 'letter', '', :now)", now=now)
    for user_id, role in ((1, "therapist"), (2, "coach"), (3, "admin"), (4, "admin")):
        _execute("INSERT INTO \"user\" (id, practice_id, email, name, credentials, role, active, password_hash, "
                 "created_at, session_token) VALUES (:id, 1, :email, 'N', 'LMFT', :role, :yes, 'x', :now, 't')",
                 id=user_id, email=f"u{user_id}@p.example", role=role, now=now, yes=True)
    _execute("INSERT INTO client (id, practice_id, first_name, last_name, preferred_name, pronouns, email, phone, "
             "emergency_contact, status, created_at) VALUES (1, 1, 'C', 'L', '', '', '', '', '', 'active', :now)",
             now=now)
    _execute("INSERT INTO note (id, client_id, kind, author_id, occurred_on, content, status, version, updated_at, "
             "search_text, created_at) VALUES (1, 1, 'integration', 3, :day, '{}', 'draft', 1, :now, '', :now)",
             day=date(2026, 11, 20), now=now)
    for insight_id in (1, 2):
        _execute("INSERT INTO insight (id, client_id, note_id, text, client_words, created_at) "
                 "VALUES (:id, 1, 1, 'statement', 'words', :now)", id=insight_id, now=now)
    _execute("INSERT INTO plan (id, client_id, start_date, message, appointments, large_print, status, version, "
             "created_at, updated_at) VALUES (1, 1, :day, '', '[]', :no, 'draft', 1, :now, :now)",
             day=date(2026, 11, 20), now=now, no=False)
    _execute("INSERT INTO plan_item (id, plan_id, client_id, position, category, title, instructions, "
             "schedule_kind, schedule_values, time_of_day, prompts) "
             "VALUES (1, 1, 1, 0, 'journaling', 'Pages', '', 'as_needed', '[]', '', '')")
    _execute("INSERT INTO plan_item_insight (plan_item_id, insight_id) VALUES (1, 1)")

    flask_migrate.upgrade()

    users = {row["id"]: (row["role"], row["profession"], row["supervisor_id"])
             for row in _rows("SELECT id, role, profession, supervisor_id FROM \"user\"")}
    assert users == {1: ("therapist", "therapist", None), 2: ("coach", "", None),
                     3: ("admin", "therapist", None), 4: ("admin", "", None)}
    assert {row["id"]: bool(row["shared_with_coach"]) for row in _rows("SELECT id, shared_with_coach FROM insight")} \
        == {1: True, 2: False}
    [practice] = _rows("SELECT roles_notice_dismissed_at, clinicians_add_to_care_team FROM practice")
    assert practice["roles_notice_dismissed_at"] is None and not practice["clinicians_add_to_care_team"]

    flask_migrate.downgrade(revision="0007")
    assert {row["id"]: row["role"] for row in _rows("SELECT id, role FROM \"user\"")} == {
        1: "therapist", 2: "coach", 3: "admin", 4: "admin"}


def test_0014_indexes_the_notes_and_insights_already_written(migration_app):
    """Notes and insights written before 0014 are found by search once it has run, stemmed and by phrase;
    the downgrade removes the index."""
    from datetime import date, datetime

    from sqlalchemy import select

    from integration.notes.models import Insight, Note
    from integration.search import index
    from integration.search.query import parse_query

    flask_migrate.upgrade(revision="0013")  # the previous head
    now = datetime(2026, 11, 20, 19, 0)
    _practice_therapist_client(now)
    for note_id, words in ((1, "the warm light of the harbor"), (2, "grieving by the river")):
        _execute("INSERT INTO note (id, client_id, kind, author_id, occurred_on, content, status, version, "
                 "updated_at, search_text, created_at) VALUES (:id, 1, 'integration', 1, :day, '{}', 'draft', 1, "
                 ":now, :words, :now)", id=note_id, day=date(2026, 11, 20), now=now, words=words)
    _execute("INSERT INTO insight (id, client_id, note_id, text, client_words, created_at) "
             "VALUES (1, 1, 2, 'statement about rest', 'like a heron waiting', :now)", now=now)

    flask_migrate.upgrade()

    dialect = db.engine.dialect.name

    def notes(query):
        match = index.note_match(dialect, parse_query(query))
        return sorted(db.session.scalars(select(Note.id).join(match.target, match.onclause).where(match.where)))

    def insights(query, words_only=False):
        match = index.insight_match(dialect, parse_query(query), words_only)
        return sorted(db.session.scalars(select(Insight.id).join(match.target, match.onclause).where(match.where)))

    assert notes("harbor") == [1] and notes("grieves") == [2] and notes('"warm light"') == [1]
    assert notes('"light warm"') == [] and notes("the") == [1, 2]
    assert insights("rest heron") == [1] and insights("heron", words_only=True) == [1]
    assert insights("rest", words_only=True) == []
    db.session.rollback()  # end the reads, or PostgreSQL's downgrade below waits for them

    flask_migrate.downgrade(revision="0013")
    assert not {"note_search", "insight_search", "note_search_fts"} & _tables()
