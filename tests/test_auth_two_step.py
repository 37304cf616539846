"""Two-step sign-in: setting it up, signing in with a code or a recovery code, the practice's
requirement, and an admin's reset of a member's second step."""
import html
import re

import pyotp
import pytest
import segno

from integration.audit.models import AuditEvent
from integration.auth.models import RecoveryCode, User
from integration.extensions import db
from tests.factories import PASSWORD
from tests.signin_helpers import Phone, enrol, replay, session_cookie


@pytest.fixture
def phone(monkeypatch):
    return Phone(monkeypatch)


def secret_on(page: str) -> str:
    return re.search(r'id="two-step-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def actions(user) -> list[str]:
    return [e.action for e in db.session.query(AuditEvent).filter_by(user_id=user.id).order_by(AuditEvent.id)]


# --- setting it up ------------------------------------------------------------------------------

def test_set_up_from_the_account_page(client, auth, therapist, phone):
    auth.login(therapist)
    assert "Set up two-step sign-in" in client.get("/account/security").get_data(as_text=True)
    page = client.get("/account/two-step/setup").get_data(as_text=True)
    secret = secret_on(page)
    assert 'src="data:image/svg+xml' in page  # drawn here: nothing is fetched from anywhere
    assert secret_on(client.get("/account/two-step/setup").get_data(as_text=True)) == secret  # a reload keeps it

    wrong = client.post("/account/two-step/setup", data={"code": "000000"}).get_data(as_text=True)
    assert "That code did not match" in wrong and 'value="000000"' in wrong  # the message at the field
    response = client.post("/account/two-step/setup", data={"code": phone.code(secret)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "shown only this once" in page
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", page)
    assert len(set(codes)) == 10
    db.session.refresh(therapist)
    assert therapist.has_two_step
    stored = {row.code_hash for row in db.session.query(RecoveryCode).filter_by(user_id=therapist.id)}
    assert len(stored) == 10 and not stored & set(codes)  # only fingerprints are kept
    assert "two-step-on" in actions(therapist)


def test_the_qr_code_is_this_accounts_secret_drawn_locally(client, auth, therapist):
    auth.login(therapist)
    page = client.get("/account/two-step/setup").get_data(as_text=True)
    src = html.unescape(re.search(r'<img class="qr-code" src="([^"]+)"', page).group(1))
    db.session.refresh(therapist)
    address = pyotp.TOTP(therapist.totp_secret).provisioning_uri(
        name=therapist.email, issuer_name=f"integration ({therapist.practice.name})")
    assert src == segno.make(address, error="m").svg_data_uri(scale=5, border=2)
    assert secret_on(page) == therapist.totp_secret  # and as text, to type in by hand


# --- signing in with two steps ------------------------------------------------------------------

def test_sign_in_asks_for_the_code_after_the_password(client, auth, therapist, phone):
    enrol(therapist)
    response = auth.login(therapist)
    assert response.headers["Location"].endswith("/login/two-step")
    assert client.get("/clients/").status_code == 302  # not signed in yet
    wrong = client.post("/login/two-step", data={"code": "123456"})
    assert "That code did not work" in wrong.get_data(as_text=True)
    response = client.post("/login/two-step", data={"code": phone.code(therapist.totp_secret)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/clients/")
    assert client.get("/clients/").status_code == 200
    assert actions(therapist)[-1] == "sign-in"
    assert db.session.query(AuditEvent).filter_by(action="sign-in").one().detail == "with authenticator app"


def test_a_code_works_only_once(app, client, auth, therapist, phone):
    enrol(therapist)
    code = phone.code(therapist.totp_secret)
    auth.login(therapist)
    assert client.post("/login/two-step", data={"code": code}).status_code == 302
    other = app.test_client()
    other.post("/login", data={"email": therapist.email, "password": PASSWORD})
    assert "did not work" in other.post("/login/two-step", data={"code": code}).get_data(as_text=True)
    phone.wait()
    assert other.post("/login/two-step", data={"code": phone.code(therapist.totp_secret)}).status_code == 302


def test_a_recovery_code_signs_in_once(app, client, auth, therapist):
    codes = enrol(therapist)
    auth.login(therapist)
    response = client.post("/login/two-step", data={"code": codes[0].upper()}, follow_redirects=True)
    assert "You used a recovery code; 9 left." in response.get_data(as_text=True)
    auth.logout()
    auth.login(therapist)
    assert "did not work" in client.post("/login/two-step", data={"code": codes[0]}).get_data(as_text=True)
    assert db.session.query(AuditEvent).filter_by(action="sign-in").one().detail == "with recovery code"


def test_wrong_codes_count_toward_the_same_lockout(client, auth, therapist, phone):
    enrol(therapist)
    for _ in range(6):
        auth.login(therapist, password="not the right password")
    auth.login(therapist)
    for _ in range(4):
        assert client.post("/login/two-step", data={"code": "000000"}).status_code == 200
    paused = client.post("/login/two-step", data={"code": phone.code(therapist.totp_secret)})
    assert paused.status_code == 429 and "sign-in is paused" in paused.get_data(as_text=True)
    assert client.get("/clients/").status_code == 302
    assert auth.login(therapist).status_code == 429  # the password step is paused too


def test_the_second_step_waits_only_a_few_minutes(client, auth, therapist, phone):
    enrol(therapist)
    auth.login(therapist)
    with client.session_transaction() as session:
        session["pending_sign_in"] = {**session["pending_sign_in"], "at": session["pending_sign_in"]["at"] - 11 * 60}
    response = client.post("/login/two-step", data={"code": phone.code(therapist.totp_secret)})
    assert response.headers["Location"].endswith("/login")
    assert client.get("/clients/").status_code == 302


def test_without_the_password_step_there_is_no_second_step(client, therapist):
    enrol(therapist)
    assert client.post("/login/two-step", data={"code": "000000"}).headers["Location"].endswith("/login")


# --- the practice's requirement -------------------------------------------------------------------

def test_an_admin_sets_it_up_before_requiring_it(client, auth, admin, phone):
    auth.login(admin)
    refused = client.post("/settings/security", data={"require_two_step": "y"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Set up two-step sign-in for yourself first" in page
    assert 'checked' in page  # the box stays as it was ticked
    assert admin.practice.require_two_step is False

    enrol(admin)
    assert client.post("/settings/security", data={"require_two_step": "y"}).status_code == 302
    db.session.refresh(admin.practice)
    assert admin.practice.require_two_step is True
    event = db.session.query(AuditEvent).filter_by(action="change", object_type="practice").one()
    assert event.detail == "two-step sign-in required"


def test_members_without_it_set_it_up_at_their_next_sign_in(client, auth, therapist, phone):
    therapist.practice.require_two_step = True
    db.session.commit()
    response = auth.login(therapist)
    assert response.headers["Location"].endswith("/login/two-step/setup")
    assert client.get("/clients/").status_code == 302
    page = client.get("/login/two-step/setup").get_data(as_text=True)
    assert "asks everyone to sign in with two steps" in page
    response = client.post("/login/two-step/setup", data={"code": phone.code(secret_on(page))})
    assert "Your recovery codes" in response.get_data(as_text=True)
    assert client.get("/clients/").status_code == 200
    db.session.refresh(therapist)
    assert therapist.has_two_step and actions(therapist)[-2:] == ["two-step-on", "sign-in"]


def test_it_cannot_be_turned_off_while_the_practice_requires_it(client, auth, therapist, phone):
    enrol(therapist)
    auth.login(therapist)
    client.post("/login/two-step", data={"code": phone.code(therapist.totp_secret)})
    therapist.practice.require_two_step = True
    db.session.commit()
    response = client.post("/account/two-step/off", data={"current": PASSWORD}, follow_redirects=True)
    assert "so it stays on" in response.get_data(as_text=True)
    db.session.refresh(therapist)
    assert therapist.has_two_step


def test_turning_it_off_and_new_codes_ask_for_the_password(client, auth, therapist, phone):
    old_codes = enrol(therapist)
    auth.login(therapist)
    client.post("/login/two-step", data={"code": phone.code(therapist.totp_secret)})
    wrong = client.post("/account/two-step/recovery-codes", data={"current": "not my password"})
    assert "That is not your current password" in wrong.get_data(as_text=True)
    fresh = client.post("/account/two-step/recovery-codes", data={"current": PASSWORD}).get_data(as_text=True)
    assert "shown only this once" in fresh and old_codes[0] not in fresh
    client.post("/account/two-step/off", data={"current": PASSWORD})
    db.session.refresh(therapist)
    assert not therapist.has_two_step and therapist.totp_secret is None
    assert db.session.query(RecoveryCode).filter_by(user_id=therapist.id).count() == 0
    assert {"recovery-codes", "two-step-off"} <= set(actions(therapist))


# --- an admin resets a member's second step --------------------------------------------------------

def test_an_admin_resets_a_members_second_step(app, client, auth, admin, therapist, phone):
    enrol(therapist)
    member = app.test_client()
    member.post("/login", data={"email": therapist.email, "password": PASSWORD})
    member.post("/login/two-step", data={"code": phone.code(therapist.totp_secret)})
    copy = session_cookie(member)
    assert replay(app, copy) == 200

    auth.login(admin)
    assert "Reset their second step" in client.get(f"/team/{therapist.id}/edit").get_data(as_text=True)
    response = client.post(f"/team/{therapist.id}/two-step/reset", follow_redirects=True)
    assert "second step is reset" in response.get_data(as_text=True)
    db.session.refresh(therapist)
    assert not therapist.has_two_step
    assert replay(app, copy) == 302
    event = db.session.query(AuditEvent).filter_by(action="two-step-reset").one()
    assert (event.user_id, event.object_id) == (admin.id, therapist.id)
    assert member.post("/login", data={"email": therapist.email, "password": PASSWORD}).status_code == 302


def test_only_admins_of_the_practice_reset_a_second_step(client, auth, therapist, coach):
    from tests.factories import UserFactory

    enrol(coach)
    auth.login(therapist)
    assert client.post(f"/team/{coach.id}/two-step/reset").status_code == 404
    assert client.get("/settings/security").status_code == 404
    auth.logout()
    auth.login(UserFactory(role="admin"))  # another practice's admin
    assert client.post(f"/team/{coach.id}/two-step/reset").status_code == 404
    db.session.refresh(coach)
    assert coach.has_two_step


def test_the_team_page_shows_who_uses_two_steps(client, auth, admin, therapist):
    enrol(therapist)
    auth.login(admin)
    page = client.get("/team").get_data(as_text=True)
    assert "Two-step sign-in" in page
    settings = client.get("/settings/security").get_data(as_text=True)
    assert admin.name in settings.split("Not yet using two steps")[1]
    assert therapist.name not in settings.split("Not yet using two steps")[1]


def test_deactivated_users_cannot_finish_the_second_step(client, auth, therapist, phone):
    enrol(therapist)
    auth.login(therapist)
    db.session.get(User, therapist.id).active = False
    db.session.commit()
    response = client.post("/login/two-step", data={"code": phone.code(therapist.totp_secret)})
    assert response.headers["Location"].endswith("/login")


def test_a_new_password_ends_a_sign_in_between_its_steps(client, auth, therapist, phone):
    enrol(therapist)
    auth.login(therapist)
    therapist.set_password("violet harbor engine sunrise")
    db.session.commit()
    response = client.post("/login/two-step", data={"code": phone.code(therapist.totp_secret)})
    assert response.headers["Location"].endswith("/login")
    assert client.get("/clients/").status_code == 302
