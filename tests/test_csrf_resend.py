"""The "form expired — send it again" page offers a resend only for the person's own form.

A same-site page could otherwise post a token-less form (say, making someone an admin) and get
back a page pre-filled with a fresh token and a "Send it again" button: one click away from
carrying it out. Each case below is one way a token can fail the check.
"""
import re

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from integration.auth.models import User
from integration.extensions import db
from tests.factories import PASSWORD, ClientFactory, UserFactory

TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def people(csrf_app):
    admin = UserFactory(role="admin", name="Ada Admin")
    coach = UserFactory(practice=admin.practice, role="coach", name="Cal Coach")
    db.session.commit()
    return admin, coach


def token_on(http, path: str) -> str:
    return TOKEN.search(http.get(path).get_data(as_text=True)).group(1)


def sign_in(http, user) -> str:
    """Sign in through the form; returns a token from the first page after it."""
    http.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token_on(http, "/login")})
    return token_on(http, "/clients/")


def sign_out(http, token: str) -> None:
    http.post("/logout", data={"csrf_token": token})


def make_admin(http, coach, token: str | None):
    """The attack: a same-site page posts "make this coach an admin"."""
    data = {"name": coach.name, "email": coach.email, "credentials": "", "role": "admin"}
    if token is not None:
        data["csrf_token"] = token
    return http.post(f"/team/{coach.id}/edit", data=data)


def assert_plain_refusal(response, coach) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This form was not accepted" in page and "Nothing was changed" in page
    assert "Send it again" not in page
    assert f'action="/team/{coach.id}/edit"' not in page
    assert coach.email not in page and ">admin<" not in page
    db.session.expire_all()
    assert db.session.get(User, coach.id).role == "coach"


def no_token(app, http, coach):
    return None


def forged_token(app, http, coach):
    return "stale"


def token_signed_with_another_key(app, http, coach):
    with http.session_transaction() as session:
        raw = session["csrf_token"]
    return URLSafeTimedSerializer("not-our-secret", salt="wtf-csrf-token").dumps(raw)


def token_of_an_anonymous_session(app, http, coach):
    """Anyone gets a token signed by us from the sign-in page; it must not unlock the resend."""
    return token_on(app.test_client(), "/login")


def token_of_another_persons_session(app, http, coach):
    return sign_in(app.test_client(), coach)


@pytest.mark.parametrize("token_of", [no_token, forged_token, token_signed_with_another_key,
                                      token_of_an_anonymous_session, token_of_another_persons_session])
def test_a_form_without_the_persons_own_token_is_refused_with_nothing_filled_in(csrf_app, people, token_of):
    admin, coach = people
    http = csrf_app.test_client()
    sign_in(http, admin)
    assert_plain_refusal(make_admin(http, coach, token_of(csrf_app, http, coach)), coach)


def old_form_after_signing_out(app, admin, then=None, **typed):
    """Ada signs in and out; `then` signs in on the same browser; Ada's form from before is posted.

    Returns (browser, client, the old token, the answer)."""
    person = ClientFactory.for_team(admin, first_name="Wren", last_name="Ng")
    db.session.commit()
    http = app.test_client()
    old_token = sign_in(http, admin)
    sign_out(http, old_token)
    if then is not None:
        sign_in(http, then)
    response = http.post(f"/clients/{person.id}/edit", data={
        "csrf_token": old_token, "first_name": "Wren", "emergency_contact": "My sister Ilse, 555-0142", **typed})
    return http, person, old_token, response


def test_another_persons_old_form_on_a_shared_computer_is_refused(csrf_app, people):
    """Ada's tab from before she signed out does not post as Cal, nor show Cal what Ada typed."""
    admin, coach = people
    _, _, _, response = old_form_after_signing_out(csrf_app, admin, then=coach)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Send it again" not in page and "Ilse" not in page


def test_the_same_persons_form_from_an_earlier_session_can_be_sent_again(csrf_app, people):
    admin, _ = people
    http, person, old_token, response = old_form_after_signing_out(
        csrf_app, admin, then=admin, last_name="Ng", status="active", preferred_name="")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Send it again" in page and "My sister Ilse, 555-0142" in page
    assert '<input type="hidden" name="preferred_name" value="">' in page  # a cleared field stays cleared
    form = re.search(rf'<form method="post" action="/clients/{person.id}/edit">(.*?)</form>', page, re.S).group(1)
    fresh = TOKEN.search(form).group(1)
    assert fresh != old_token
    resent = {name: value for name, value in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form)}
    resent.update(re.findall(r'<input type="hidden" name="(?!csrf_token)([^"]+)" value="([^"]*)">', form))
    again = http.post(f"/clients/{person.id}/edit", data={**resent, "csrf_token": fresh})
    assert again.status_code == 302
    db.session.expire_all()
    assert person.emergency_contact == "My sister Ilse, 555-0142"


def test_signed_out_the_person_sees_what_they_typed_to_copy_but_no_button(csrf_app, people):
    admin, _ = people
    _, _, _, response = old_form_after_signing_out(csrf_app, admin)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "My sister Ilse, 555-0142" in page and "readonly" in page
    assert "Send it again" not in page and "sign in in a new tab" in page


def test_with_a_time_limit_an_old_token_of_this_session_can_be_sent_again(make_app, monkeypatch):
    app = make_app(WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=3600)
    with app.app_context():
        admin = UserFactory(role="admin")
        person = ClientFactory.for_team(admin, first_name="Wren")
        db.session.commit()
        http = app.test_client()
        sign_in(http, admin)
        with http.session_transaction() as session:
            raw = session["csrf_token"]
        with monkeypatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda signer: 1_000_000_000)  # 2001
            old = URLSafeTimedSerializer("test-only-secret", salt="wtf-csrf-token").dumps(raw)
        response = http.post(f"/clients/{person.id}/edit", data={"csrf_token": old, "first_name": "Wren"})
        assert response.status_code == 400 and "Send it again" in response.get_data(as_text=True)
        db.session.remove()


def test_scripts_get_the_same_short_answer_in_every_case(csrf_app, people):
    """JSON has no button to click: the editor and htmx learn only that the form expired."""
    admin, coach = people
    http = csrf_app.test_client()
    sign_in(http, admin)
    response = http.post(f"/team/{coach.id}/edit", data={"role": "admin"}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and response.get_json() == {"error": "form-expired"}
