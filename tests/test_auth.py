"""Accounts: first-run setup, sign-in and lockout, idle timeout, passwords, team management."""
import time

from argon2 import PasswordHasher, extract_parameters

from integration.audit.models import AuditEvent
from integration.auth.models import Practice, User
from integration.auth.passwords import password_problem
from integration.config import from_environment
from integration.extensions import db
from tests.factories import PASSWORD, UserFactory

STRONG = "copper lantern meadow ridge"


def setup_form(**overrides):
    data = {"practice_name": "Stillwater Integration", "name": "Avery Lund", "credentials": "LMFT",
            "email": "avery@stillwater.example", "password": STRONG, "confirm": STRONG}
    data.update(overrides)
    return data


# --- first run ---------------------------------------------------------------------------

def test_first_visit_leads_to_setup(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/setup")
    assert client.get("/login").headers["Location"].endswith("/setup")


def test_setup_creates_practice_and_admin_then_disappears(client):
    response = client.post("/setup", data=setup_form())
    assert response.status_code == 302
    admin = User.by_email("avery@stillwater.example")
    assert admin.role == "admin" and admin.practice.name == "Stillwater Integration"
    assert admin.password_hash != STRONG and admin.check_password(STRONG)
    assert client.get("/setup").status_code == 404
    assert client.post("/setup", data=setup_form(email="x@y.example")).status_code == 404
    assert db.session.query(User).count() == 1


def test_setup_keeps_typed_text_and_explains_a_weak_password(client):
    response = client.post("/setup", data=setup_form(password="password1234", confirm="password1234"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Stillwater Integration"' in page
    assert "common passwords" in page
    assert db.session.query(Practice).count() == 0


# --- passwords -----------------------------------------------------------------------------

def test_password_policy():
    assert password_problem("short") == "Use at least 12 characters."
    assert "common" in password_problem("password1234")
    assert password_problem("aaaaaaaaaaaa") is not None
    assert password_problem(STRONG) is None
    assert password_problem("x" * 200).startswith("Use at most")


def test_passwords_are_hashed_at_full_strength_unless_a_test_app_asks_otherwise(make_app, tmp_path):
    assert from_environment(str(tmp_path))["PASSWORD_HASH_FAST"] is False
    hashes = {}
    for fast in (False, True):
        with make_app(PASSWORD_HASH_FAST=fast).app_context():
            user = User()
            user.set_password(STRONG)
            hashes[fast] = user.password_hash
            assert user.check_password(STRONG) and not user.check_password("not the password")
    assert extract_parameters(hashes[False]) == extract_parameters(PasswordHasher().hash(STRONG))
    assert extract_parameters(hashes[True]).memory_cost < extract_parameters(hashes[False]).memory_cost
    with make_app().app_context():  # either hash verifies in any app: it carries its parameters
        assert all(User(password_hash=h).check_password(STRONG) for h in hashes.values())


# --- sign in ------------------------------------------------------------------------------

def test_sign_in_and_out(client, auth, therapist):
    response = auth.login(therapist)
    assert response.status_code == 302 and response.headers["Location"].endswith("/clients/")
    assert client.get("/clients/").status_code == 200
    auth.logout()
    assert client.get("/clients/").status_code == 302
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions == ["sign-in", "sign-out"]


def test_wrong_password_message_does_not_reveal_the_account(client, auth, therapist):
    known = auth.login(therapist, password="not the right one at all").get_data(as_text=True)
    unknown = client.post("/login", data={"email": "nobody@nowhere.test", "password": "whatever it is"})
    assert "do not match an active account" in known
    assert "do not match an active account" in unknown.get_data(as_text=True)
    assert unknown.status_code == 200


def test_ten_wrong_passwords_lock_the_account_for_a_while(client, auth, therapist):
    for _ in range(10):
        assert auth.login(therapist, password="wrong password here").status_code == 200
    locked = auth.login(therapist)  # even the right password is refused now
    assert locked.status_code == 429
    assert "sign-in is paused" in locked.get_data(as_text=True)
    assert client.get("/clients/").status_code == 302


def test_lockout_looks_the_same_for_unknown_emails(client, therapist):
    for _ in range(10):
        client.post("/login", data={"email": "ghost@nowhere.test", "password": "wrong password here"})
    response = client.post("/login", data={"email": "ghost@nowhere.test", "password": "wrong password here"})
    assert response.status_code == 429 and "sign-in is paused" in response.get_data(as_text=True)


def test_successful_sign_ins_do_not_count_toward_lockout(client, auth, therapist):
    for _ in range(12):
        assert auth.login(therapist).status_code == 302
        auth.logout()


def test_deactivated_user_cannot_sign_in_and_loses_open_session(app, client, auth, therapist):
    auth.login(therapist)
    therapist.active = False
    db.session.commit()
    assert client.get("/clients/").status_code == 302
    assert "do not match" in auth.login(therapist).get_data(as_text=True)


def test_next_parameter_cannot_redirect_off_site(client, therapist):
    response = client.post("/login?next=https://evil.example/x",
                           data={"email": therapist.email, "password": PASSWORD})
    assert response.headers["Location"] == "/clients/"
    response = client.post("/login?next=//evil.example", data={"email": therapist.email, "password": PASSWORD})
    assert response.headers["Location"] == "/clients/"


def test_idle_session_is_signed_out_and_returns_to_the_page(app, client, auth, therapist):
    auth.login(therapist)
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - app.config["SESSION_IDLE_MINUTES"] * 60 - 5
    response = client.get("/clients/?q=ann")
    assert response.status_code == 302
    assert "/login?next=/clients/" in response.headers["Location"]
    assert client.get("/clients/").status_code == 302  # really signed out


def test_idle_timeout_answers_json_401_to_background_saves(app, client, auth, therapist):
    auth.login(therapist)
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 10_000
    response = client.get("/clients/", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.json["error"] == "signed-out"


# --- change password ----------------------------------------------------------------------

def test_change_password_signs_out_other_sessions(app, client, auth, therapist):
    other_device = app.test_client()
    other_device.post("/login", data={"email": therapist.email, "password": PASSWORD})
    auth.login(therapist)
    response = client.post("/account/password", data={
        "current": PASSWORD, "password": "violet harbor engine sunrise", "confirm": "violet harbor engine sunrise"})
    assert response.status_code == 302
    assert client.get("/clients/").status_code == 200  # this device stays in
    assert other_device.get("/clients/").status_code == 302  # the other is out
    db.session.refresh(therapist)
    assert therapist.check_password("violet harbor engine sunrise")


def test_change_password_needs_the_current_one(client, auth, therapist):
    auth.login(therapist)
    response = client.post("/account/password", data={
        "current": "not my password", "password": "violet harbor engine sunrise",
        "confirm": "violet harbor engine sunrise"})
    assert "not your current password" in response.get_data(as_text=True)


# --- team management ----------------------------------------------------------------------

def test_admin_adds_and_deactivates_a_practitioner(client, auth, admin):
    auth.login(admin)
    response = client.post("/team/new", data={"name": "Noor Haddad", "credentials": "LCSW",
                                              "email": "Noor@Practice.example", "role": "therapist",
                                              "password": STRONG, "confirm": STRONG})
    assert response.status_code == 302
    noor = User.by_email("noor@practice.example")
    assert noor.practice_id == admin.practice_id and noor.email == "noor@practice.example"
    client.post(f"/team/{noor.id}/active", data={"active": "0"})
    db.session.refresh(noor)
    assert noor.active is False
    assert db.session.get(User, noor.id) is not None  # never deleted
    assert "Deactivated" in client.get("/team").get_data(as_text=True)


def test_duplicate_email_is_refused_at_the_field(client, auth, admin, therapist):
    auth.login(admin)
    response = client.post("/team/new", data={"name": "Copy", "email": therapist.email, "role": "coach",
                                              "password": STRONG, "confirm": STRONG})
    assert "already signs in with this email" in response.get_data(as_text=True)


def test_team_pages_are_for_admins_of_the_same_practice(client, auth, therapist, admin):
    auth.login(therapist)
    assert client.get("/team").status_code == 404
    assert client.get("/audit/").status_code == 404
    auth.logout()
    stranger = UserFactory(role="admin")  # another practice
    auth.login(stranger)
    assert client.get(f"/team/{therapist.id}/edit").status_code == 404
    assert client.post(f"/team/{therapist.id}/active", data={"active": "0"}).status_code == 404


def test_admin_cannot_deactivate_themselves(client, auth, admin):
    auth.login(admin)
    client.post(f"/team/{admin.id}/active", data={"active": "0"})
    db.session.refresh(admin)
    assert admin.active is True
