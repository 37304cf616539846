"""Logging: one line per request with id, user, route, status and time; errors carry the same id;
nothing a person typed or a client's name ever reaches the log; the 500 page rolls back first."""
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from integration import config, create_app
from integration.auth.models import User
from integration.extensions import db
from integration.logs import REQUEST_ID_HEADER
from tests.factories import PASSWORD, ClientFactory
from tests.factories_notes import DosingSessionFactory, NoteFactory

REQUEST_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO integration\.request request_id=(?P<id>\S+) user=(?P<user>\S+) "
    r"method=(?P<method>[A-Z]+) endpoint=(?P<endpoint>\S+) status=(?P<status>\d{3}) duration_ms=(?P<ms>\d+\.\d)$")


def request_lines(output: str) -> list[dict]:
    """The request lines in captured stderr, as dicts; any other integration.request line fails."""
    lines = [line for line in output.splitlines() if " integration.request " in line]
    parsed = [REQUEST_LINE.match(line) for line in lines]
    assert all(parsed), lines
    return [match.groupdict() for match in parsed]


def log_after(capsys, action) -> tuple[str, object]:
    """Run action with stderr emptied first; return what was logged during it and its result."""
    capsys.readouterr()
    result = action()
    return capsys.readouterr().err, result


def test_a_request_logs_one_line_with_id_user_route_status_and_duration(client, auth, therapist, capsys):
    person = ClientFactory.for_team(therapist, first_name="Odalys", last_name="Fenwright")
    auth.login(therapist)
    output, response = log_after(capsys, lambda: client.get(f"/clients/{person.id}?tab=overview"))
    [line] = request_lines(output)
    assert line["id"] == response.headers[REQUEST_ID_HEADER]
    assert re.fullmatch(r"[0-9a-f]{16}", line["id"])
    assert (line["user"], line["method"], line["endpoint"], line["status"]) == (
        str(therapist.id), "GET", "clients.show", "200")
    assert float(line["ms"]) >= 0
    assert "/clients" not in output and "overview" not in output  # the route, never the URL


def test_each_request_gets_its_own_id_and_anonymous_requests_log_a_dash(client, capsys):
    output, _ = log_after(capsys, lambda: (client.get("/login"), client.get("/no-such-page")))
    first, second = request_lines(output)
    assert first["id"] != second["id"]
    assert (first["user"], first["endpoint"]) == ("-", "auth.login")
    assert (second["user"], second["endpoint"], second["status"]) == ("-", "-", "404")


def test_sign_out_is_logged_as_the_user_who_made_the_request(client, auth, therapist, capsys):
    auth.login(therapist)
    output, _ = log_after(capsys, auth.logout)
    [line] = request_lines(output)
    assert (line["user"], line["endpoint"], line["status"]) == (str(therapist.id), "auth.logout", "302")


@pytest.mark.parametrize("incoming, kept", [
    ("3f2a9c1e-77b0-4d1e-9a51-0c2e6f1d8b3a", True),
    ("lb.edge_01-abcdef", True),
    ("short", False),
    ("a" * 65, False),
    ("abc def ghi jkl", False),
    ("<script>alert(1)</script>", False),
    ("user=1 status=200", False),
])
def test_an_incoming_request_id_is_kept_only_when_short_and_safe(client, capsys, incoming, kept):
    output, response = log_after(capsys, lambda: client.get("/login", headers={REQUEST_ID_HEADER: incoming}))
    [line] = request_lines(output)
    assert line["id"] == response.headers[REQUEST_ID_HEADER]
    if kept:
        assert line["id"] == incoming
    else:
        assert re.fullmatch(r"[0-9a-f]{16}", line["id"]) and incoming not in output


def test_typed_words_client_names_and_emails_never_reach_the_log(client, auth, therapist, capsys):
    planted = ["Quillonia", "Marrowdale", "Thistlewick", "Periwinkle", "lanternfish", "Gossamerword",
               "hidden.person@planted.example"]
    person = ClientFactory.for_team(therapist)
    note = NoteFactory(client=person, author=therapist, dosing_session_id=DosingSessionFactory(client=person).id)

    def walk():
        client.post("/login", data={"email": "hidden.person@planted.example", "password": "Gossamerword"})
        auth.login(therapist)
        created = client.post("/clients/new", data={"first_name": "Quillonia", "last_name": "Marrowdale",
                                                    "status": "active"})
        client.get(created.headers["Location"])
        client.get("/search?q=Thistlewick")
        client.post(f"/clients/{person.id}/notes/{note.id}/autosave", data={
            "version": note.version, "experience": "Periwinkle light over the lake, a lanternfish dream."})
        client.get(f"/clients/{person.id}/notes/{note.id}")

    output, _ = log_after(capsys, walk)
    endpoints = {line["endpoint"] for line in request_lines(output)}
    assert {"auth.login", "clients.new", "clients.show", "search.index", "notes.autosave"} <= endpoints
    for word in planted:
        assert word.lower() not in output.lower(), word


@pytest.fixture
def failing_app(app):
    """The test app answering errors the way production does: with the 500 page, not a raise."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_an_unhandled_error_is_logged_with_the_request_id(failing_app, therapist, capsys):
    def broken():
        raise RuntimeError("test-only failure")

    failing_app.add_url_rule("/test-only/broken", "test_only_broken", broken)
    client = failing_app.test_client()
    client.post("/login", data={"email": therapist.email, "password": PASSWORD})
    output, response = log_after(capsys, lambda: client.get("/test-only/broken"))
    assert response.status_code == 500
    request_id = response.headers[REQUEST_ID_HEADER]
    assert re.search(rf"Z ERROR integration request_id={request_id} user={therapist.id} "
                     r"Exception in GET test_only_broken$", output, re.MULTILINE)
    assert "RuntimeError: test-only failure" in output
    [line] = request_lines(output)
    assert (line["id"], line["endpoint"], line["status"]) == (request_id, "test_only_broken", "500")


def test_an_error_on_a_private_link_does_not_log_the_token(failing_app, capsys):
    def broken_link(token):
        raise RuntimeError("test-only failure")

    failing_app.add_url_rule("/test-only/p/<token>", "test_only_link", broken_link)
    token = "kept-secret-token-5b8e1d"
    output, response = log_after(capsys, lambda: failing_app.test_client().get(f"/test-only/p/{token}"))
    assert response.status_code == 500
    assert "Exception in GET test_only_link" in output and token not in output


def test_the_500_page_rolls_back_a_failed_transaction_first(failing_app, therapist, capsys):
    """A flush that failed leaves the session unusable; the error page must not fail on it."""
    def duplicate_account():
        db.session.add(User(practice_id=therapist.practice_id, email=therapist.email, name="Ysolde Planted",
                            role="coach", password_hash="x", session_token="x"))
        try:
            db.session.flush()
        except IntegrityError:
            pass  # the mistake under test: carrying on after a failed flush
        raise RuntimeError("after a failed flush")

    failing_app.add_url_rule("/test-only/failed-flush", "test_only_failed_flush", duplicate_account)

    @failing_app.context_processor
    def page_chrome_reads_the_database():  # as a page header showing a count would
        return {"people": db.session.scalar(select(func.count(User.id)))}

    client = failing_app.test_client()
    client.post("/login", data={"email": therapist.email, "password": PASSWORD})
    output, response = log_after(capsys, lambda: client.get("/test-only/failed-flush"))

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page and therapist.name in page
    assert "Rollback after an error failed" not in output
    assert db.session.scalar(select(func.count(User.id)).where(User.name == "Ysolde Planted")) == 0
    assert client.get("/clients/").status_code == 200  # the app carries on


def test_a_database_error_is_logged_without_the_values_in_it(failing_app, therapist, capsys):
    def duplicate_account():
        db.session.add(User(practice_id=therapist.practice_id, email=therapist.email, name="Ysolde Planted",
                            role="coach", password_hash="x", session_token="x"))
        db.session.flush()

    failing_app.add_url_rule("/test-only/duplicate", "test_only_duplicate", duplicate_account)
    output, response = log_after(capsys, lambda: failing_app.test_client().get("/test-only/duplicate"))
    assert response.status_code == 500
    assert "IntegrityError" in output and "INSERT INTO" in output  # enough to find the bug
    assert "Ysolde" not in output and therapist.email not in output


def test_log_level_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    assert config.from_environment(str(tmp_path))["LOG_LEVEL"] == "INFO"
    monkeypatch.setenv("LOG_LEVEL", " warning ")
    assert config.from_environment(str(tmp_path))["LOG_LEVEL"] == "WARNING"


def test_log_level_warning_leaves_out_request_lines(tmp_path, capsys):
    quiet = create_app({"TESTING": True, "SECRET_KEY": "test-only-secret", "LOG_LEVEL": "WARNING",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'quiet.db'}"})
    output, response = log_after(capsys, lambda: quiet.test_client().get("/static/css/app.css"))
    assert response.status_code == 200 and response.headers[REQUEST_ID_HEADER]
    assert request_lines(output) == []
    with quiet.app_context():
        db.engine.dispose()



def test_values_stay_hidden_when_another_handler_formatted_the_error_first():
    """logging caches a record's traceback text; a handler ahead of ours (a test harness's, a monitoring
    agent's) must not hand our formatter the raw one, values and all."""
    import logging
    import sys

    from integration.logs import SafeFormatter

    class DriverError(Exception):
        pass

    email = "@".join(("ysolde", "example.org"))  # built, so no source line in the traceback shows it
    try:
        try:
            raise DriverError(f"duplicate key DETAIL: Key (email)=({email}) already exists")
        except DriverError as driver:
            raise IntegrityError('INSERT INTO "user" (email) VALUES (?)', {"email": email}, driver,
                                 hide_parameters=True) from driver
    except IntegrityError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("integration", logging.ERROR, __file__, 1, "Exception in GET x", None, exc_info)
    assert email in logging.Formatter("%(message)s").format(record)  # the other handler, first
    safe = SafeFormatter("%(message)s").format(record)
    assert 'INSERT INTO "user"' in safe and email not in safe
