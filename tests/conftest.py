"""Fixtures: one app per test session, its schema built once; each test starts from empty tables.

- ``app``: the session's app inside an app context, for one test: every table emptied before
  it, the configuration put back after it.
- ``make_app(**settings)``: for the few tests that need other settings (CSRF on, limits, a
  route of their own): a new app over the same, already emptied database.
- ``client``, ``runner``, ``auth`` (sign in and out through the login form), ``signed_in``
  (the therapist, signed in), and the people: ``practice``, ``admin``, ``therapist``, ``coach``.
- ``decrypted``: every plaintext the keyring returns during the test, in order (the real decryption,
  noted down): what a page read of the encrypted columns.

The database is TEST_DATABASE_URL (PostgreSQL in CI) or a SQLite file, in memory-backed
/dev/shm when there is one. Under pytest-xdist (`make test` runs one worker per CPU) every worker has
a database of its own: its own SQLite file, or on PostgreSQL a database named after TEST_DATABASE_URL's
and the worker ("integration_test_gw1"), made at the start and dropped at the end.
"""
import contextvars
import os
import shutil
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from integration import create_app
from integration.crypto.keys import Keyring
from integration.extensions import db, limiter
from tests.factories import PASSWORD, PracticeFactory, UserFactory

# "gw0", "gw1", … when pytest-xdist runs this process as one of its workers; None otherwise.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _this_workers_database(url: str | None) -> str | None:
    if not url or not XDIST_WORKER:
        return url
    given = make_url(url)
    return given.set(database=f"{given.database}_{XDIST_WORKER}").render_as_string(hide_password=False)


# The PostgreSQL database this process's tests use: the one given, or the worker's own.
POSTGRES_URL = _this_workers_database(os.environ.get("TEST_DATABASE_URL"))
SETTINGS = {
    "TESTING": True,
    "SECRET_KEY": "test-only-secret",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "PASSWORD_HASH_FAST": True,
    # Test-only keys (integration/crypto/): fixed, so every app of the session reads the same rows.
    "ENCRYPTION_KEYS": "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM=",
    "SEARCH_INDEX_KEY": "dGVzdC1vbmx5LXNlYXJjaC1pbmRleC1rZXktMzJieXQ=",
}


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as production does.

    Without this, a request would reuse the test's app context and share its `g` and
    database session, hiding bugs such as a signed-out user staying signed in.
    """

    def open(self, *args, **kwargs):
        context = contextvars.Context()
        response = context.run(super().open, *args, **kwargs)
        if not response.is_sequence:  # a streamed answer is read in its request's context, as a server does
            context.run(response.make_sequence)
        if has_app_context():
            db.session.expire_all()  # the test's own reads now see what the request wrote
        return response


def build_app(database_url: str, **overrides) -> Flask:
    """A test app on the database at database_url; it neither creates nor empties tables."""
    app = create_app({**SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    app.test_client_class = IsolatedClient
    return app


def start_afresh(app: Flask) -> None:
    """Empty every table (ids start from 1 again) and the rate-limit counts kept in memory."""
    with app.app_context():
        with db.engine.begin() as connection:
            _empty_tables(connection)
        # One Limiter serves every app made in this process, so its store is whichever app was made
        # last (the database store needs an app context to be emptied).
        limiter.reset()


def _empty_tables(connection) -> None:
    # The schema comes from create_all, which makes none of migration 0009's triggers, so the audit
    # table can be emptied here like any other (tests/test_migrations_0009.py proves the triggers).
    # DELETE, children before parents: on PostgreSQL several times faster than TRUNCATE for
    # tables this small (TRUNCATE makes new files for every table and index).
    for table in reversed(db.metadata.sorted_tables):
        connection.execute(table.delete())
    # SQLite (no AUTOINCREMENT tables here) starts ids from 1 again once the rows are gone.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
                                "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"))


@pytest.fixture(scope="session")
def database_url():
    """TEST_DATABASE_URL, or a SQLite file that lives as long as the test session."""
    if POSTGRES_URL:
        with _this_workers_database_made():
            yield POSTGRES_URL
        return
    shm = Path("/dev/shm")
    # Memory-backed when possible: the schema's DDL and every commit skip the disk's fsync.
    directory = tempfile.mkdtemp(prefix="integration-tests-",
                                 dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None)
    yield f"sqlite:///{directory}/test.db"
    shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def postgresql_database(name: str):
    """The URL of a new database of this name on TEST_DATABASE_URL's server (a killed run's leftover
    dropped first), dropped afterwards. DBAPIError when the role may not create databases."""
    given = os.environ["TEST_DATABASE_URL"]
    server = create_engine(given, isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        with server.connect() as connection:
            connection.execute(drop)
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(given).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(drop)
        server.dispose()


@contextmanager
def _this_workers_database_made():
    """An xdist worker's PostgreSQL database (POSTGRES_URL), for as long as the block; one process uses
    TEST_DATABASE_URL's own."""
    if not XDIST_WORKER:
        yield
        return
    with ExitStack() as made:
        try:
            made.enter_context(postgresql_database(make_url(POSTGRES_URL).database))
        except DBAPIError as refused:
            raise RuntimeError(f"could not make this test worker's database ({refused.orig}): give the role "
                               "CREATEDB, or run the tests in one process (make test-pg TEST_WORKERS=0)") from None
        yield


@pytest.fixture(scope="session")
def session_app(database_url):
    """The app every test shares, built once, with the schema created once."""
    app = build_app(database_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        if POSTGRES_URL:
            db.drop_all()  # leave TEST_DATABASE_URL as it was given: empty
        db.engine.dispose()


@contextmanager
def config_restored(app: Flask):
    """Afterwards the app's configuration is what it was before (a test may change a setting)."""
    saved = dict(app.config)
    try:
        yield
    finally:
        app.config.clear()
        app.config.update(saved)


@pytest.fixture
def app(session_app):
    """The session's app in an app context, for one test: empty tables before, settings back after."""
    start_afresh(session_app)
    with session_app.app_context(), config_restored(session_app):
        yield session_app
        db.session.remove()


@pytest.fixture
def make_app(session_app, database_url):
    """make_app(**settings): an app with other settings over the session's database, emptied."""
    start_afresh(session_app)
    made = []

    def make(**overrides) -> Flask:
        made.append(build_app(database_url, **overrides))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Sign in and out the way a person does, through the login form."""

    def __init__(self, client):
        self._client = client

    def login(self, user, password=PASSWORD):
        return self._client.post("/login", data={"email": user.email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def practice(app):
    return PracticeFactory()


@pytest.fixture
def admin(practice):
    return UserFactory(practice=practice, role="admin", name="Ada Admin")


@pytest.fixture
def therapist(practice):
    return UserFactory(practice=practice, role="therapist", name="Theo Therapist")


@pytest.fixture
def coach(practice):
    return UserFactory(practice=practice, role="coach", name="Cora Coach")


@pytest.fixture
def signed_in(client, auth, therapist):
    """The test client, with the therapist signed in through the login form."""
    response = auth.login(therapist)
    assert response.status_code == 302, "the therapist could not sign in"
    return client


@pytest.fixture
def decrypted(monkeypatch) -> list[str]:
    """The plaintexts of every decryption from here on (clear it to start counting later)."""
    seen: list[str] = []
    original = Keyring.decrypt

    def noted(keyring, stored):
        seen.append(original(keyring, stored))
        return seen[-1]

    monkeypatch.setattr(Keyring, "decrypt", noted)
    return seen
