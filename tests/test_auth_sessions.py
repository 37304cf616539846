"""Sessions end on the server: a cookie copied before an event is dead after it.

Each test copies the session cookie while it works, does the event, then opens the client list
in a fresh browser carrying only the copy.
"""
import time
from datetime import timedelta

from sqlalchemy import update

from integration.audit.models import AuditEvent
from integration.auth.models import SignInSession
from integration.clock import utcnow
from integration.extensions import db
from tests.factories import PASSWORD
from tests.signin_helpers import replay, session_cookie

NEW_PASSWORD = "violet harbor engine sunrise"


def signed_in_copy(app, client, auth, user) -> str:
    auth.login(user)
    copy = session_cookie(client)
    assert replay(app, copy) == 200  # the copy works until the event
    return copy


def test_a_copied_cookie_is_dead_after_sign_out(app, client, auth, therapist):
    copy = signed_in_copy(app, client, auth, therapist)
    auth.logout()
    assert replay(app, copy) == 302
    assert db.session.query(SignInSession).one().end_reason == "signed out"


def test_signing_out_one_device_leaves_the_others_signed_in(app, client, auth, therapist):
    phone = app.test_client()
    phone.post("/login", data={"email": therapist.email, "password": PASSWORD})
    auth.login(therapist)
    auth.logout()
    assert phone.get("/clients/").status_code == 200


def test_a_copied_cookie_is_dead_after_a_password_change(app, client, auth, therapist):
    copy = signed_in_copy(app, client, auth, therapist)
    response = client.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/clients/").status_code == 200  # this browser goes on, with a new cookie
    assert session_cookie(client) != copy
    assert replay(app, copy) == 302


def test_a_copied_cookie_stays_dead_after_deactivation_and_reactivation(app, client, auth, admin, therapist):
    member = app.test_client()
    member.post("/login", data={"email": therapist.email, "password": PASSWORD})
    copy = session_cookie(member)
    auth.login(admin)
    client.post(f"/team/{therapist.id}/active", data={"active": "0"})
    assert replay(app, copy) == 302
    client.post(f"/team/{therapist.id}/active", data={"active": "1"})
    assert replay(app, copy) == 302
    assert member.post("/login", data={"email": therapist.email, "password": PASSWORD}).status_code == 302


def test_sign_out_of_all_devices(app, client, auth, therapist):
    phone = app.test_client()
    phone.post("/login", data={"email": therapist.email, "password": PASSWORD})
    copy = signed_in_copy(app, client, auth, therapist)
    page = client.get("/account/security").get_data(as_text=True)
    assert "Sign out of all devices" in page

    response = client.post("/account/sign-out-everywhere", follow_redirects=True)
    assert "signed out on every device" in response.get_data(as_text=True)
    assert phone.get("/clients/").status_code == 302
    assert client.get("/clients/").status_code == 302
    assert replay(app, copy) == 302
    assert db.session.query(AuditEvent).filter_by(action="sign-out-everywhere", user_id=therapist.id).count() == 1


def test_a_sign_in_ends_after_the_longest_allowed_time(app, client, auth, therapist):
    copy = signed_in_copy(app, client, auth, therapist)
    hours = app.config["SESSION_MAX_HOURS"]
    assert hours == 12
    db.session.execute(update(SignInSession).values(started_at=utcnow() - timedelta(hours=hours, minutes=1)))
    db.session.commit()

    response = client.get("/clients/")
    assert response.status_code == 302 and "/login?next=/clients/" in response.headers["Location"]
    assert "at most 12 hours" in client.get("/login").get_data(as_text=True)
    assert replay(app, copy) == 302
    [ended] = db.session.query(AuditEvent).filter_by(action="sign-out").all()
    assert ended.detail == "time limit" and ended.user_id == therapist.id
    assert db.session.query(SignInSession).one().end_reason == "time limit"


def test_a_busy_session_still_ends_at_the_time_limit(app, client, auth, therapist):
    """Activity keeps the idle timer at bay, never the time limit."""
    auth.login(therapist)
    db.session.execute(update(SignInSession).values(started_at=utcnow() - timedelta(hours=11, minutes=59)))
    db.session.commit()
    assert client.get("/clients/").status_code == 200
    db.session.execute(update(SignInSession).values(started_at=utcnow() - timedelta(hours=12, seconds=1)))
    db.session.commit()
    assert client.get("/clients/").status_code == 302


def test_an_idle_timeout_ends_the_session_on_the_server(app, client, auth, therapist):
    copy = signed_in_copy(app, client, auth, therapist)
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - app.config["SESSION_IDLE_MINUTES"] * 60 - 5
    assert client.get("/clients/").status_code == 302
    assert replay(app, copy) == 302  # the copy's own clock does not matter: its row is closed
    assert db.session.query(SignInSession).one().end_reason == "idle"


def test_the_cookie_holds_no_reusable_secret_in_the_database(app, client, auth, therapist):
    auth.login(therapist)
    row = db.session.query(SignInSession).one()
    with client.session_transaction() as session:
        _, _, token = session["_user_id"].partition(":")
    assert token and token not in row.token_hash and len(row.token_hash) == 64


def test_signing_in_forgets_ended_sessions(app, client, auth, therapist):
    for _ in range(3):
        auth.login(therapist)
        auth.logout()
    auth.login(therapist)
    assert db.session.query(SignInSession).count() == 1
