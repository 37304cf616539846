"""flask db-grants: the app's PostgreSQL role may add to the audit log and read it, and the
database refuses it everything else there — proved by connecting as that role and trying.

The session's schema is built by create_all (no triggers of migration 0009), so every refusal
seen here comes from the privileges alone.
"""
import uuid

import flask_migrate
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from integration import create_app
from integration.audit.log import record
from integration.extensions import db
from integration.operations.deploy_check import database_problems
from tests.conftest import POSTGRES_URL
from tests.factories import ClientFactory
from tests.test_migrations import empty_database_url, migration_app, restore_logging  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="database roles and grants are PostgreSQL's; "
                                                         "CI runs the suite on PostgreSQL too")
PASSWORD = "a-long-test-only-password-for-the-app-role"


@pytest.fixture
def app_role(app, monkeypatch):
    """A role name of its own for this test, dropped afterwards with everything granted to it."""
    name = f"integration_app_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("APP_DB_PASSWORD", PASSWORD)
    yield name
    db.session.remove()
    with db.engine.begin() as connection:
        if connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}):
            connection.execute(text(f'DROP OWNED BY "{name}"'))
            connection.execute(text(f'DROP ROLE "{name}"'))


@pytest.fixture
def as_role(app_role):
    """An engine that connects as the app's role (the test database, its password)."""
    url = make_url(POSTGRES_URL).set(username=app_role, password=PASSWORD)
    engine = create_engine(url)
    yield engine
    engine.dispose()


def _audit_rows_and_a_client(admin) -> int:
    client = ClientFactory(practice=admin.practice)
    record("view", user=admin, client=client, detail="seen before the grants")
    db.session.commit()
    return client.id


def _refusal(engine, sql: str) -> str:
    with pytest.raises(ProgrammingError) as refusal, engine.begin() as connection:
        connection.execute(text(sql))
    return type(refusal.value.orig).__name__


def test_the_app_role_may_add_and_read_audit_rows_but_the_database_refuses_changing_them(
        app, runner, admin, app_role, as_role):
    client_id = _audit_rows_and_a_client(admin)
    result = runner.invoke(args=["db-grants", "--app-role", app_role, "--create-role"])
    assert result.exit_code == 0, result.output
    assert f"created role {app_role}" in result.output

    with as_role.begin() as connection:
        connection.execute(text("INSERT INTO audit_event (at, action, object_type, remote_addr, detail) "
                                "VALUES (now(), 'view', '', '', 'written by the app role')"))
        assert connection.scalar(text("SELECT count(*) FROM audit_event")) == 2
        # Everything else stays the app's to change.
        connection.execute(text("UPDATE client SET preferred_name = 'Ro' WHERE id = :id"), {"id": client_id})

    for statement in ("UPDATE audit_event SET detail = 'rewritten'", "DELETE FROM audit_event",
                      "TRUNCATE audit_event", "ALTER TABLE audit_event DISABLE TRIGGER ALL", "DROP TABLE audit_event"):
        assert _refusal(as_role, statement) == "InsufficientPrivilege", statement
    with db.engine.connect() as connection:
        details = connection.scalars(text("SELECT detail FROM audit_event ORDER BY id")).all()
    assert details == ["seen before the grants", "written by the app role"]


def test_running_the_grants_again_takes_back_rights_given_by_hand(app, runner, app_role, as_role):
    assert runner.invoke(args=["db-grants", "--app-role", app_role, "--create-role"]).exit_code == 0
    with db.engine.begin() as connection:
        connection.execute(text(f'GRANT UPDATE, DELETE ON audit_event TO "{app_role}"'))
    assert database_problems(as_role, migration_head=None) != [], "the check must see the hand-made grant"

    result = runner.invoke(args=["db-grants", "--app-role", app_role])
    assert result.exit_code == 0, result.output
    assert "created role" not in result.output
    assert _refusal(as_role, "DELETE FROM audit_event") == "InsufficientPrivilege"


def test_check_deploy_finds_an_app_role_that_may_change_the_audit_log(app, runner, app_role, as_role):
    problems_as_owner = database_problems(db.engine, migration_head=None)
    assert any("superuser" in problem for problem in problems_as_owner), problems_as_owner

    runner.invoke(args=["db-grants", "--app-role", app_role, "--create-role"])
    assert not [problem for problem in database_problems(as_role, migration_head=None) if "audit" in problem]


@pytest.mark.parametrize("role, expected", [
    ("postgres", "the app needs a role of its own"),
    ("Robert'); DROP TABLE client;--", "not a plain role name"),
    ("nobody_here_yet", "does not exist"),
])
def test_db_grants_refuses_roles_it_cannot_hold_back(app, runner, role, expected):
    result = runner.invoke(args=["db-grants", "--app-role", role])
    assert result.exit_code == 1
    assert expected in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_create_role_needs_a_long_password(app, runner, app_role, monkeypatch):
    monkeypatch.setenv("APP_DB_PASSWORD", "short")
    result = runner.invoke(args=["db-grants", "--app-role", app_role, "--create-role"])
    assert result.exit_code == 1 and "16 characters" in result.output
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": app_role}) == 0


def test_check_deploy_passes_the_app_role_on_a_migrated_database(migration_app, monkeypatch):
    """The whole production path: migrations as the owner, db-grants, then the app's own role
    with a safe configuration passes `flask check-deploy`."""
    from tests.test_operations_check_deploy import SAFE_CONFIG, SAFE_ENVIRON

    role = f"integration_app_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("APP_DB_PASSWORD", PASSWORD)
    flask_migrate.upgrade()
    granted = migration_app.test_cli_runner().invoke(args=["db-grants", "--app-role", role, "--create-role"])
    assert granted.exit_code == 0, granted.output
    app_url = db.engine.url.set(username=role, password=PASSWORD).render_as_string(hide_password=False)
    try:
        production = create_app({**SAFE_CONFIG, "SQLALCHEMY_DATABASE_URI": app_url})
        with production.app_context():
            result = production.test_cli_runner().invoke(args=["check-deploy"], env=SAFE_ENVIRON)
            db.engine.dispose()
        assert result.exit_code == 0, result.output
        assert "fit for production" in result.output
    finally:
        with db.engine.begin() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))


def test_a_refusal_by_the_database_is_one_line_without_the_statement(app, runner, make_app, app_role, monkeypatch):
    """CREATE ROLE's statement holds the password: the command must show the database's words only."""
    assert runner.invoke(args=["db-grants", "--app-role", app_role, "--create-role"]).exit_code == 0
    monkeypatch.setenv("APP_DB_PASSWORD", "a-password-that-must-not-be-printed")
    weak = make_app(SQLALCHEMY_DATABASE_URI=make_url(POSTGRES_URL).set(username=app_role, password=PASSWORD)
                    .render_as_string(hide_password=False))
    with weak.app_context():
        result = weak.test_cli_runner().invoke(args=["db-grants", "--app-role", "nobody_else", "--create-role"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: the database refused: permission denied to create role"
