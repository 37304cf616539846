"""Account recovery: an admin's single-use reset link, and `flask reset-password` for the last admin."""
import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import update

from integration.audit.models import AuditEvent
from integration.auth.models import PasswordResetLink
from integration.clock import utcnow
from integration.extensions import db
from tests.factories import PASSWORD, UserFactory
from tests.signin_helpers import enrol, replay, session_cookie

NEW_PASSWORD = "violet harbor engine sunrise"


def make_link(client, member) -> str:
    """The reset link's path, as the admin's page shows it once."""
    page = client.post(f"/team/{member.id}/reset-link").get_data(as_text=True)
    return urlsplit(re.search(r'id="reset-url" type="text" readonly value="([^"]+)"', page).group(1)).path


def test_an_admin_makes_a_link_that_sets_a_new_password(app, client, auth, admin, therapist):
    member = app.test_client()
    member.post("/login", data={"email": therapist.email, "password": PASSWORD})
    copy = session_cookie(member)
    auth.login(admin)
    assert "Make a password reset link" in client.get(f"/team/{therapist.id}/edit").get_data(as_text=True)
    path = make_link(client, therapist)
    token = path.rsplit("/", 1)[1]
    link = db.session.query(PasswordResetLink).one()
    assert token not in link.token_hash and link.created_by_id == admin.id
    assert timedelta(minutes=59) < link.expires_at - utcnow() <= timedelta(hours=1)

    visitor = app.test_client()
    form = visitor.get(path)
    assert form.status_code == 200 and form.headers["Referrer-Policy"] == "no-referrer"
    weak = visitor.post(path, data={"password": "password1234", "confirm": "password1234"})
    assert "common passwords" in weak.get_data(as_text=True)
    done = visitor.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")

    db.session.refresh(therapist)
    assert therapist.check_password(NEW_PASSWORD) and not therapist.check_password(PASSWORD)
    assert replay(app, copy) == 302  # every earlier session is over
    again = visitor.get(path)
    assert again.status_code == 404 and "no longer works" in again.get_data(as_text=True)
    made, used = (db.session.query(AuditEvent).filter_by(action=action).one()
                  for action in ("reset-link", "password-reset"))
    assert (made.user_id, made.object_id) == (admin.id, therapist.id)
    assert (used.user_id, used.object_id) == (therapist.id, therapist.id)
    assert visitor.post("/login", data={"email": therapist.email, "password": NEW_PASSWORD}).status_code == 302


def test_a_reset_keeps_the_second_step(app, client, auth, admin, therapist):
    enrol(therapist)
    auth.login(admin)
    path = make_link(client, therapist)
    app.test_client().post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    response = app.test_client().post("/login", data={"email": therapist.email, "password": NEW_PASSWORD})
    assert response.headers["Location"].endswith("/login/two-step")


def test_a_link_expires_and_a_newer_one_replaces_it(app, client, auth, admin, therapist):
    auth.login(admin)
    first = make_link(client, therapist)
    second = make_link(client, therapist)
    visitor = app.test_client()
    assert visitor.get(first).status_code == 404
    assert visitor.get(second).status_code == 200
    db.session.execute(update(PasswordResetLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert visitor.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 404
    assert visitor.get("/reset/not-a-token").status_code == 404


def test_a_reset_clears_the_lockout(app, client, auth, admin, therapist):
    visitor = app.test_client()
    for _ in range(10):
        visitor.post("/login", data={"email": therapist.email, "password": "not the right one"})
    auth.login(admin)
    path = make_link(client, therapist)
    visitor.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert visitor.post("/login", data={"email": therapist.email, "password": NEW_PASSWORD}).status_code == 302


def test_only_admins_of_the_practice_make_links(client, auth, therapist, coach):
    auth.login(therapist)
    assert client.post(f"/team/{coach.id}/reset-link").status_code == 404
    auth.logout()
    auth.login(UserFactory(role="admin"))
    assert client.post(f"/team/{coach.id}/reset-link").status_code == 404
    assert db.session.query(PasswordResetLink).count() == 0


def test_no_link_for_a_deactivated_member(client, auth, admin, therapist):
    therapist.active = False
    db.session.commit()
    auth.login(admin)
    response = client.post(f"/team/{therapist.id}/reset-link", follow_redirects=True)
    assert "Reactivate them first" in response.get_data(as_text=True)
    assert db.session.query(PasswordResetLink).count() == 0


def test_the_command_line_prints_a_link_for_the_last_admin(app, runner, admin):
    enrol(admin)
    result = runner.invoke(args=["reset-password", "--email", admin.email.upper(),
                                 "--base-url", "https://notes.example.org", "--reset-two-step"])
    assert result.exit_code == 0, result.output
    url = re.search(r"https://notes\.example\.org/reset/\S+", result.output).group(0)
    db.session.refresh(admin)
    assert not admin.has_two_step
    visitor = app.test_client()
    assert visitor.post(urlsplit(url).path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert visitor.post("/login", data={"email": admin.email, "password": NEW_PASSWORD}).status_code == 302
    made = db.session.query(AuditEvent).filter_by(action="reset-link").one()
    assert made.user_id is None and made.practice_id == admin.practice_id and "flask reset-password" in made.detail
    assert db.session.query(AuditEvent).filter_by(action="two-step-reset").one().detail == "command line"


def test_the_command_line_refuses_an_unknown_email(runner, admin):
    result = runner.invoke(args=["reset-password", "--email", "nobody@nowhere.test"])
    assert result.exit_code != 0 and "no active account" in result.output
