"""Purge races with real threads (tests/test_races.py's harness): two admins approving one request at
once, or one approving while another cancels, decide once: one conditional UPDATE wins, the client's
rows go exactly once (or stay, whole), and exactly one tombstone (or one cancellation) is written."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from integration.audit.models import AuditEvent
from integration.clients.models import Client
from integration.erasure.models import PurgeRequest
from integration.extensions import db
from integration.notes.models import Note
from tests.conftest import build_app, start_afresh
from tests.factories import ClientFactory, GoalFactory, NoteFactory, PracticeFactory, UserFactory
from tests.test_races import Browser, Request, race

pytestmark = pytest.mark.race

TRIES = 12


@pytest.fixture(scope="module")
def served(session_app, database_url):
    start_afresh(session_app)
    app = build_app(database_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    with app.app_context():
        practice = PracticeFactory()
        people = {name: UserFactory(practice=practice, role="admin", name=name) for name in ("Asks", "Bo", "Cy")}
        people["clinician"] = UserFactory(practice=practice, role="therapist")
        try:
            yield server.server_port, people
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            db.session.remove()
            db.engine.dispose()


def _waiting_request(people) -> tuple[int, int]:
    """A closed record past retention with a few rows, and a purge request for it by "Asks"."""
    person = ClientFactory.for_team(people["clinician"])
    GoalFactory(client=person)
    NoteFactory(client=person, author=people["clinician"])
    person.status, person.closed_at = "closed", datetime.now() - timedelta(days=365 * 8)
    now = datetime.now()
    request = PurgeRequest(practice_id=person.practice_id, client_id=person.id, requested_by_id=people["Asks"].id,
                           requested_at=now, expires_at=now + timedelta(days=14), counts={})
    db.session.add(request)
    db.session.commit()
    return person.id, request.id


def _events(action: str, request_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_type == "purgerequest", AuditEvent.object_id == request_id))


def test_two_approvals_at_once_purge_once(served):
    port, people = served
    bo, cy = Browser(port).sign_in(people["Bo"]), Browser(port).sign_in(people["Cy"])
    for _ in range(TRIES):
        client_id, request_id = _waiting_request(people)
        path = f"/records/requests/{request_id}/approve"
        first, second = race(Request(bo, "POST", path), Request(cy, "POST", path))
        assert {first.status, second.status} <= {302, 303}, (first.status, second.status, first.text[:300])
        db.session.expire_all()
        assert db.session.get(Client, client_id) is None
        assert db.session.scalar(select(func.count()).select_from(Note).where(Note.client_id == client_id)) == 0
        assert _events("purge", request_id) == 1
        assert db.session.get(PurgeRequest, request_id).status == "purged"


def test_approve_against_cancel_decides_once(served):
    port, people = served
    bo, asks = Browser(port).sign_in(people["Bo"]), Browser(port).sign_in(people["Asks"])
    outcomes = []
    for n in range(TRIES):
        client_id, request_id = _waiting_request(people)
        approve = Request(bo, "POST", f"/records/requests/{request_id}/approve", delay=0.002 * (n % 3))
        cancel = Request(asks, "POST", f"/records/requests/{request_id}/cancel", delay=0.002 * ((n + 1) % 3))
        first, second = race(approve, cancel)
        assert {first.status, second.status} <= {302, 303}, (first.status, second.status)
        db.session.expire_all()
        status = db.session.get(PurgeRequest, request_id).status
        outcomes.append(status)
        if status == "purged":
            assert db.session.get(Client, client_id) is None
            assert (_events("purge", request_id), _events("purge-cancel", request_id)) == (1, 0)
        else:
            assert status == "cancelled" and db.session.get(Client, client_id) is not None
            assert (_events("purge", request_id), _events("purge-cancel", request_id)) == (0, 1)
    print("approve against cancel:", {s: outcomes.count(s) for s in set(outcomes)})
