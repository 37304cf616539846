"""Sign-in lockout and per-address limits hold across workers: the counts live in the database.

Two `create_app` on one database stand for two gunicorn workers (or two servers).
"""
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from integration import create_app
from integration.audit.models import AuditEvent
from integration.auth.models import RateCounter
from integration.auth.throttle import DatabaseStorage
from integration.clock import utcnow
from integration.config import from_environment
from integration.extensions import db
from tests.conftest import IsolatedClient
from tests.factories import PASSWORD, UserFactory

WRONG = "not the right password at all"


_SECOND_WORKERS = []


@pytest.fixture(autouse=True)
def close_second_workers():
    """Each second worker's connections are closed after its test (PostgreSQL counts them)."""
    yield
    while _SECOND_WORKERS:
        with _SECOND_WORKERS.pop().app_context():
            db.engine.dispose()


def second_worker(app, **overrides):
    """Another app on the same database, as a second gunicorn worker would be."""
    config = {key: app.config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED",
                                               "RATELIMIT_STORAGE_URI", "LOGIN_RATE_PER_ADDRESS", "LOGIN_LOCKOUT",
                                               "ENCRYPTION_KEYS", "SEARCH_INDEX_KEY")}
    config.update(overrides)
    other = create_app(config)
    other.test_client_class = IsolatedClient
    _SECOND_WORKERS.append(other)
    return other


def test_lockout_holds_across_two_workers_whatever_the_body(app, therapist):
    worker_a, worker_b = app.test_client(), second_worker(app).test_client()
    for attempt in range(10):
        worker = worker_a if attempt % 2 else worker_b
        response = worker.post("/login", data={"email": therapist.email.upper() if attempt % 3 else therapist.email,
                                               "password": WRONG})
        assert response.status_code == 200, attempt

    for worker in (worker_a, worker_b):
        # Sign-in reads the form only: a JSON body is no way around the pause (it signs no one in).
        as_json = worker.post("/login", json={"email": therapist.email, "password": PASSWORD})
        assert as_json.status_code != 302 and worker.get("/clients/").status_code == 302
        as_form = worker.post("/login", data={"email": f"  {therapist.email}", "password": PASSWORD})
        assert as_form.status_code == 429
        assert "sign-in is paused" in as_form.get_data(as_text=True)
        assert worker.get("/clients/").status_code == 302
    [counter] = db.session.scalars(select(RateCounter).where(RateCounter.key.like("lockout/%"))).all()
    assert counter.count == 10 and therapist.email not in counter.key  # keyed by a hash


def test_the_pause_says_how_long_and_ends_with_its_window(app, client, auth, therapist):
    for _ in range(10):
        auth.login(therapist, password=WRONG)
    page = auth.login(therapist).get_data(as_text=True)
    assert "Try again in 15 minutes." in page
    assert db.session.query(AuditEvent).filter_by(action="sign-in-paused").count() == 1

    db.session.execute(update(RateCounter).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert auth.login(therapist).status_code == 302


def test_a_successful_sign_in_starts_the_count_again(client, auth, therapist):
    for _ in range(9):
        auth.login(therapist, password=WRONG)
    assert auth.login(therapist).status_code == 302
    auth.logout()
    for _ in range(9):
        auth.login(therapist, password=WRONG)
    assert auth.login(therapist).status_code == 302


def test_unknown_emails_are_counted_and_answered_like_known_ones(client, therapist):
    for email in ("ghost@nowhere.test", therapist.email):
        for _ in range(10):
            client.post("/login", data={"email": email, "password": WRONG})
        response = client.post("/login", data={"email": email, "password": WRONG})
        assert response.status_code == 429
        assert "Try again in 15 minutes." in response.get_data(as_text=True)


@pytest.fixture
def verifications(monkeypatch):
    """Every argon2 verification the app makes, counted."""
    calls = []
    real_verify = PasswordHasher.verify

    def counting(self, hash, password):
        calls.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def test_unknown_inactive_and_active_accounts_take_the_same_path(client, practice, verifications):
    active = UserFactory(practice=practice)
    inactive = UserFactory(practice=practice, active=False)
    attempts = [("nobody@nowhere.test", WRONG), (inactive.email, WRONG), (inactive.email, PASSWORD),
                (active.email, WRONG)]
    for email, password in attempts:
        verifications.clear()
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 200
        assert "do not match an active account" in response.get_data(as_text=True)
        assert len(verifications) == 1, email  # one argon2 verification, every time
    verifications.clear()
    assert client.post("/login", data={"email": active.email, "password": PASSWORD}).status_code == 302
    assert len(verifications) == 1


def test_per_address_limit_holds_across_two_workers(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="database://", LOGIN_RATE_PER_ADDRESS="4 per 15 minutes")
    with app.app_context():
        UserFactory()
        other = second_worker(app)
        worker_a, worker_b = app.test_client(), other.test_client()
        for n in range(4):
            worker = worker_a if n % 2 else worker_b
            response = worker.post("/login", data={"email": f"person{n}@nowhere.test", "password": WRONG})
            assert response.status_code == 200
        assert worker_a.post("/login", data={"email": "new@nowhere.test", "password": WRONG}).status_code == 429
        assert worker_b.post("/login", data={"email": "new@nowhere.test", "password": WRONG}).status_code == 429
        assert worker_a.get("/login").status_code == 200  # reading the page is not an attempt
        keys = db.session.scalars(select(RateCounter.key).where(RateCounter.key.like("limiter/%"))).all()
        assert len(keys) == 1 and "sign-in" in keys[0]


def test_the_database_is_the_default_store_for_limits(tmp_path, monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    config = from_environment(str(tmp_path))
    assert config["RATELIMIT_STORAGE_URI"] == "database://"
    assert (config["LOGIN_LOCKOUT"], config["LOGIN_RATE_PER_ADDRESS"]) == ("10 per 15 minutes", "60 per 15 minutes")


def test_database_storage_counts_in_fixed_windows(app):
    storage = DatabaseStorage("database://")
    assert storage.check() and storage.get("k") == 0
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get_expiry("k") > 0
    db.session.execute(update(RateCounter).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert storage.get("k") == 0 and storage.incr("k", 60) == 1  # a new window
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("a", 60)
    storage.incr("b", 60)
    assert storage.reset() == 2
