"""Security defaults: headers, CSRF everywhere, size limits, error pages, no third-party requests."""
import re
from pathlib import Path

import pytest

from integration.config import instance_secret_key
from tests.factories import PASSWORD, ClientFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


def test_security_headers_on_every_page(client):
    response = client.get("/login", follow_redirects=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers


def test_https_mode_sets_secure_cookies_and_hsts(make_app):
    app = make_app(HTTPS=True, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_session_cookie_is_httponly_and_lax(client, therapist):
    response = client.post("/login", data={"email": therapist.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.fixture
def csrf_app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def test_every_state_changing_route_requires_a_csrf_token(csrf_app):
    """Walk the url_map: a POST without a token never reaches a view."""
    from integration.auth.views import load_user  # noqa: F401  (routes are registered)

    http = csrf_app.test_client()
    checked = 0
    for rule in csrf_app.url_map.iter_rules():
        unsafe = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not unsafe or rule.endpoint == "static":
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", "1", rule.rule)
        for method in unsafe:
            response = http.open(url, method=method, data={"note": "typed words"})
            assert response.status_code == 400, f"{method} {url} answered {response.status_code}"
            checked += 1
    assert checked >= 8


def test_stale_form_keeps_what_was_typed(csrf_app):
    """A form from the same person's earlier session (signed out and in again meanwhile)."""
    from integration.extensions import db

    user = UserFactory(role="therapist")
    person = ClientFactory.for_team(user)
    db.session.commit()
    http = csrf_app.test_client()
    token_pattern = r'name="csrf_token"(?: type="hidden")? value="([^"]+)"'

    def sign_in():
        token = re.search(token_pattern, http.get("/login").get_data(as_text=True)).group(1)
        http.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        return re.search(token_pattern, http.get("/clients/").get_data(as_text=True)).group(1)

    stale = sign_in()
    http.post("/logout", data={"csrf_token": stale})
    sign_in()
    response = http.post(f"/clients/{person.id}/edit", data={
        "csrf_token": stale, "first_name": "Wren", "emergency_contact": "My sister Ilse, 555-0142"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "My sister Ilse, 555-0142" in page and "Send it again" in page
    assert 'name="csrf_token"' in page  # a fresh token to resend with


def test_a_stale_autosave_gets_a_short_answer_the_page_script_understands(csrf_app):
    """Autosave and htmx ask for JSON: a refused token is named, not an HTML page to parse."""
    response = csrf_app.test_client().post("/login", data={"email": "a@b.example"},
                                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "form-expired"}


def test_not_found_answers_htmx_with_a_message_not_a_page(client):
    response = client.get("/clients/999999", headers={"HX-Request": "true"})
    assert response.status_code in (401, 404)
    assert response.is_json and "<html" not in response.get_data(as_text=True)


def test_request_over_the_limit_is_refused_politely(make_app):
    app = make_app(MAX_CONTENT_LENGTH=10_000)
    response = app.test_client().post("/login", data={"email": "a" * 20_000, "password": "x"})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_a_megabyte_in_a_name_field_gets_a_field_message(client, auth, therapist):
    auth.login(therapist)
    response = client.post("/clients/new", data={"first_name": "x" * 1_000_000, "last_name": "Ng",
                                                  "status": "active"})
    assert response.status_code == 200
    assert "Field cannot be longer than 100 characters." in response.get_data(as_text=True)


def test_error_pages_leak_nothing(make_app):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail /etc/passwd")

    http = app.test_client()
    response = http.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internal detail" not in body and "Traceback" not in body
    assert "Something went wrong on our side" in body
    missing = http.get("/no/such/page")
    assert missing.status_code == 404 and "Not found" in missing.get_data(as_text=True)


def test_unknown_client_id_is_404(client, auth, therapist):
    auth.login(therapist)
    assert client.get("/clients/999999").status_code == 404


def test_no_page_or_stylesheet_loads_anything_from_another_host():
    offenders = []
    for path in list((ROOT / "templates").rglob("*.html")) + list((ROOT / "static").rglob("*.css")):
        if "vendor" in path.parts:
            continue
        text = path.read_text(errors="ignore")
        for match in re.finditer(r'(?:src|href)\s*=\s*"((?:https?:)?//[^"]+)"|url\(\s*["\']?((?:https?:)?//[^)"\']+)', text):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in re.finditer(r"@import\s+url\(\s*[\"']?(?:https?:)?//", text):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []


def test_vendored_assets_are_recorded_with_versions():
    versions = (ROOT / "static/vendor/VERSIONS.md").read_text()
    for asset in ("pico.jade.min.css", "htmx.min.js", "atkinson"):
        assert asset in versions
    assert re.search(r"htmx\.org \| 2\.\d+\.\d+", versions)


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = instance_secret_key(str(tmp_path))
    second = instance_secret_key(str(tmp_path))
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_a_new_sqlite_database_and_its_instance_folder_are_the_owners_alone(tmp_path, monkeypatch):
    """Whatever the umask (here 022, the usual one), the record's file is not readable by other accounts."""
    import os

    from sqlalchemy import text

    from integration import create_app
    from integration.extensions import db
    from tests.conftest import SETTINGS

    instance = tmp_path / "instance"
    monkeypatch.setenv("INSTANCE_PATH", str(instance))
    old = os.umask(0o022)
    try:
        app = create_app({**SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'integration.db'}"})
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(text("CREATE TABLE t (x INTEGER)"))
            for name in ("integration.db", "integration.db-wal", "integration.db-shm"):
                assert (instance / name).stat().st_mode & 0o077 == 0, name
            db.engine.dispose()
    finally:
        os.umask(old)
    assert instance.stat().st_mode & 0o077 == 0


def test_behind_a_trusted_proxy_the_audit_log_sees_the_person(make_app):
    from integration.audit.models import AuditEvent
    from integration.extensions import db

    app = make_app(TRUSTED_PROXIES=1)
    with app.app_context():
        user = UserFactory()
        app.test_client().post("/login", data={"email": user.email, "password": PASSWORD},
                               headers={"X-Forwarded-For": "203.0.113.9"})
        assert db.session.query(AuditEvent).one().remote_addr == "203.0.113.9"
        db.session.remove()
