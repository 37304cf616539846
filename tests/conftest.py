"""Fixtures: an app and an empty database per test, a client to drive it, sign-in helpers."""
import contextvars
import os

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

from integration import create_app
from integration.extensions import db
from tests.factories import PASSWORD, PracticeFactory, UserFactory

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as production does.

    Without this, a request would reuse the test's app context and share its `g` and
    database session, hiding bugs such as a signed-out user staying signed in.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test's own reads now see what the request wrote
        return response


def make_test_app(tmp_path, **overrides):
    """An app on a fresh temporary SQLite file, or on TEST_DATABASE_URL (PostgreSQL in CI)."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-only-secret",
        "SQLALCHEMY_DATABASE_URI": POSTGRES_URL or f"sqlite:///{tmp_path / 'test.db'}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


@pytest.fixture
def app(tmp_path):
    app = make_test_app(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        if POSTGRES_URL:
            db.drop_all()
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
