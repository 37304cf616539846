"""Races with real threads (DESIGN rule 4): two requests at once, many times, on a real socket.

The app is served by Werkzeug's threaded server, as in production each request has its own thread,
app context and database connection. Each try starts two requests from two threads released by
one barrier, then checks what was stored: for every pair exactly one transition lands and the other
gets the ordinary conflict answer, and what was kept is whole (a signature over the text that is
stored, a delivered PDF and calendar that say what the plan says, a link that no longer opens).

Marked `race`: `pytest -m race` runs only these, `-m "not race"` skips them. They run on SQLite
and, with TEST_DATABASE_URL, on PostgreSQL. Each test prints its tally (`pytest -s` shows it).
"""
from __future__ import annotations

import http.client
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from flask import has_request_context, request
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.serving import make_server

from integration.audit.models import AuditEvent
from integration.extensions import db
from integration.groups.models import GroupNote
from integration.notes import lifecycle
from integration.notes.models import Note, NoteRevision
from integration.plans import delivery
from integration.plans.models import Plan, PlanExport, ShareLink
from tests.conftest import build_app, start_afresh
from tests.factories import (PASSWORD, ClientFactory, GroupSeriesFactory, GroupSessionFactory, NoteFactory,
                             PlanFactory, PlanItemFactory, PracticeFactory, UserFactory)
from tests.test_plans_delivery import pdf_text
from tests.test_plans_integrity import item_form

pytestmark = pytest.mark.race

TRIES = 24  # per race; finalizing renders a PDF each time, so it has fewer
FINALIZE_TRIES = 20
JSON = {"Accept": "application/json"}


# --- the app on a real socket, and people using it -------------------------------------------------

@dataclass
class Answer:
    status: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """One person's browser: a cookie jar over http.client, redirects not followed."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def connect(self) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.connect()
        return connection

    def send(self, connection, method: str, path: str, form: dict | None = None,
             headers: dict | None = None) -> Answer:
        body = urlencode(form or {}, doseq=True) if method == "POST" else None
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        answer = Answer(response.status, response.read())
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        connection.close()
        return answer

    def open(self, method: str, path: str, form: dict | None = None, headers: dict | None = None) -> Answer:
        return self.send(self.connect(), method, path, form, headers)

    def sign_in(self, user) -> Browser:
        answer = self.open("POST", "/login", {"email": user.email, "password": PASSWORD})
        assert answer.status == 302, answer.status
        return self


@dataclass
class Request:
    """One side of a race: who sends what, and how long after the start it waits first."""

    browser: Browser
    method: str
    path: str
    form: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


def race(first: Request, second: Request) -> tuple[Answer, Answer]:
    """Send both requests at once from two threads (connections opened beforehand); both answers."""
    barrier = threading.Barrier(2)
    answers: list = [None, None]

    def run(index: int, request: Request):
        try:
            connection = request.browser.connect()
            barrier.wait(timeout=30)
            if request.delay:
                time.sleep(request.delay)
            answers[index] = request.browser.send(connection, request.method, request.path, request.form,
                                                  request.headers)
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            answers[index] = error

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for answer in answers:
        assert isinstance(answer, Answer), f"a request failed: {answer!r}"
    return answers[0], answers[1]


@dataclass
class Served:
    port: int
    author: object  # a therapist on the care team of `person`, facilitating `circle`
    person: object
    circle: object

    def browser(self) -> Browser:
        return Browser(self.port)


@pytest.fixture(scope="module")
def served(session_app, database_url):
    """The app (emptied database, CSRF off) on 127.0.0.1, one thread per request; people to use it."""
    start_afresh(session_app)
    app = build_app(database_url, SHARE_LINK_RATE="10000 per hour")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    with app.app_context():
        author = UserFactory(practice=PracticeFactory(), role="therapist")
        person = ClientFactory.for_team(author)
        circle = GroupSeriesFactory.run_by(author)
        try:
            yield Served(server.server_port, author, person, circle)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            db.session.remove()
            db.engine.dispose()


class Lost:
    """The requests that lost at their conditional write, by endpoint: they read the row as it was,
    and only their UPDATE found that the other request had changed it meanwhile. A try counted here
    was decided by the database, not by one request starting after the other had finished."""

    def __init__(self):
        self.by_endpoint = Counter()
        self._lock = threading.Lock()

    def saw(self, endpoint: str) -> None:
        with self._lock:
            self.by_endpoint[endpoint] += 1


@pytest.fixture
def lost(monkeypatch) -> Lost:
    """Counts every StaleDataError (a versioned UPDATE or DELETE that found no row), and every share
    link that was live when read but no longer when its download was to be counted."""
    seen = Lost()
    stale_init, live_link, open_link = StaleDataError.__init__, delivery.live_link, delivery.open_link

    def counting_stale_init(self, *args, **kwargs):
        seen.saw(request.endpoint if has_request_context() else "outside a request")
        stale_init(self, *args, **kwargs)

    def noting_live_link(token, now=None):
        link = live_link(token, now)
        request.environ["races.read_live"] = link is not None
        return link

    def counting_open_link(token, what, **kwargs):
        link = open_link(token, what, **kwargs)
        if link is None and request.environ.get("races.read_live"):
            seen.saw(request.endpoint)
        return link

    monkeypatch.setattr(StaleDataError, "__init__", counting_stale_init)
    monkeypatch.setattr(delivery, "live_link", noting_live_link)
    monkeypatch.setattr(delivery, "open_link", counting_open_link)
    return seen


def staggered(n: int) -> tuple[float, float]:
    """The two requests' head starts for try n: together, or one of them (each in turn) 3, 6 or 9 ms
    later, so that each side wins some tries wherever this machine's scheduler leans."""
    later = 0.003 * (n // 2 % 4)
    return (later, 0.0) if n % 2 else (0.0, later)


def fresh(model, object_id):
    """The row as stored now, not as this thread's session last saw it."""
    db.session.rollback()  # expires everything this thread's session holds, and ends its transaction
    return db.session.get(model, object_id)


def tally(name: str, outcomes: Counter, started: float, lost: Lost) -> None:
    """Print what happened: `pytest -s -m race` shows the numbers for each database."""
    def listed(counts: Counter) -> str:
        return ", ".join(f"{what} {count}" for what, count in sorted(counts.items())) or "none"

    print(f"\n[race] {name} ({db.engine.dialect.name}): {sum(outcomes.values())} tries in "
          f"{time.perf_counter() - started:.1f}s: {listed(outcomes)}; "
          f"lost at the conditional write: {listed(lost.by_endpoint)}")


# --- notes: sign vs autosave, autosave vs autosave, the circle's group note ---------------------------

def _sign_against_autosave(served: Served, make_note, base: str, fields_for) -> Counter:
    """Sign and autosave one draft at once, TRIES times; the checks every kind of note shares."""
    signer, writer = served.browser().sign_in(served.author), served.browser().sign_in(served.author)
    outcomes = Counter()
    for n in range(TRIES):
        note = make_note(n)
        path = base.format(id=note.id, session=getattr(note, "group_session_id", None))
        typed = f"Typed while signing, try {n}"
        first, second = staggered(n)
        sign, save = race(Request(signer, "POST", f"{path}/sign", {"version": 1}, delay=first),
                          Request(writer, "POST", f"{path}/autosave", {**fields_for(typed), "version": 1}, JSON,
                                  delay=second))
        note = fresh(type(note), note.id)
        assert not (sign.status < 400 and save.status < 400), f"try {n}: both landed ({sign.status}, {save.status})"
        if note.is_signed:
            assert (sign.status, save.status) == (303, 409), f"try {n}"
            assert '"signed"' in save.text
            assert lifecycle.hash_matches(note), f"try {n}: the signature does not match the stored text"
            [signed_copy] = [r for r in note.revisions if r.reason == "signed"]
            assert signed_copy.content == note.content and typed not in str(note.content)
            outcomes["sign landed, autosave refused"] += 1
        else:
            assert (sign.status, save.status) == (409, 200), f"try {n}"
            assert typed in str(note.content) and note.version == 2 and note.content_hash is None
            outcomes["autosave landed, sign refused"] += 1
    return outcomes


def test_sign_and_autosave_of_one_draft_never_both_land(served, lost):
    started = time.perf_counter()
    person = served.person

    def make_note(n):
        return NoteFactory(client=person, author=served.author, kind="debrief")

    outcomes = _sign_against_autosave(served, make_note, f"/clients/{person.id}/notes/{{id}}",
                                      lambda typed: {"experience": typed})
    tally("note sign vs autosave", outcomes, started, lost)


def test_the_circle_note_sign_and_autosave_never_both_land(served, lost):
    started = time.perf_counter()

    def make_note(n):
        session = GroupSessionFactory(series=served.circle)
        note = GroupNote(group_session_id=session.id, author_id=served.author.id, status="draft", version=1,
                         content={"text": f"Arriving, and what the room held, try {n}"})
        db.session.add(note)
        db.session.commit()
        return note

    outcomes = _sign_against_autosave(served, make_note, f"/groups/{served.circle.id}/sessions/{{session}}/note",
                                      lambda typed: {"text": typed})
    tally("group note sign vs autosave", outcomes, started, lost)


def test_discard_and_autosave_of_one_draft_are_decided_once(served, lost):
    """The author discards a draft in one tab while another tab autosaves it: one lands; a save that
    lost to the discard keeps its text as a conflict copy with the discarded draft."""
    started = time.perf_counter()
    person = served.person
    discarder, writer = served.browser().sign_in(served.author), served.browser().sign_in(served.author)
    outcomes = Counter()
    for n in range(TRIES):
        note = NoteFactory(client=person, author=served.author, kind="debrief")
        path = f"/clients/{person.id}/notes/{note.id}"
        typed = f"Typed while discarding, try {n}"
        first, second = staggered(n)
        discard, save = race(Request(discarder, "POST", f"{path}/discard", {"version": 1}, delay=first),
                             Request(writer, "POST", f"{path}/autosave", {"experience": typed, "version": 1}, JSON,
                                     delay=second))
        note = fresh(Note, note.id)
        assert not (discard.status < 400 and save.status < 400), f"try {n}: both landed"
        if note.is_discarded:
            assert discard.status == 303 and save.status in (404, 409), f"try {n}: {save.status}"
            assert typed not in str(note.content) and note.version == 2
            [kept] = [r for r in note.revisions if r.reason == "discarded"]
            assert kept.content == note.content
            outcomes["discard landed, autosave refused"] += 1
        else:
            assert (discard.status, save.status) == (409, 200), f"try {n}"
            assert typed in str(note.content) and note.version == 2 and note.status == "draft"
            assert not [r for r in note.revisions if r.reason == "discarded"]
            outcomes["autosave landed, discard refused"] += 1
    tally("note discard vs autosave", outcomes, started, lost)


def test_discard_and_sign_of_one_draft_are_decided_once(served, lost):
    started = time.perf_counter()
    person = served.person
    discarder, signer = served.browser().sign_in(served.author), served.browser().sign_in(served.author)
    outcomes = Counter()
    for n in range(TRIES):
        note = NoteFactory(client=person, author=served.author, kind="debrief")
        path = f"/clients/{person.id}/notes/{note.id}"
        first, second = staggered(n)
        discard, sign = race(Request(discarder, "POST", f"{path}/discard", {"version": 1}, delay=first),
                             Request(signer, "POST", f"{path}/sign", {"version": 1}, delay=second))
        note = fresh(Note, note.id)
        assert not (discard.status < 400 and sign.status < 400), f"try {n}: both landed"
        if note.is_signed:
            assert (discard.status, sign.status) == (409, 303), f"try {n}"
            assert lifecycle.hash_matches(note) and note.discarded_at is None
            outcomes["sign landed, discard refused"] += 1
        else:
            assert note.is_discarded and discard.status == 303 and sign.status in (404, 409), f"try {n}"
            assert note.content_hash is None and note.signed_at is None
            outcomes["discard landed, sign refused"] += 1
    tally("note discard vs sign", outcomes, started, lost)


def test_two_autosaves_on_one_version_land_once_and_keep_the_other_as_a_conflict(served, lost):
    started = time.perf_counter()
    person = served.person
    first, second = served.browser().sign_in(served.author), served.browser().sign_in(served.author)
    outcomes = Counter()
    for n in range(TRIES):
        note = NoteFactory(client=person, author=served.author, kind="debrief")
        path = f"/clients/{person.id}/notes/{note.id}/autosave"
        texts = (f"First window, try {n}", f"Second window, try {n}")
        answers = race(Request(first, "POST", path, {"experience": texts[0], "version": 1}, JSON),
                       Request(second, "POST", path, {"experience": texts[1], "version": 1}, JSON))
        assert sorted(a.status for a in answers) == [200, 409], f"try {n}: {[a.status for a in answers]}"
        winner, loser = (0, 1) if answers[0].status == 200 else (1, 0)
        assert '"conflict"' in answers[loser].text
        note = fresh(Note, note.id)
        assert note.version == 2 and note.content["experience"] == texts[winner]
        kept = db.session.scalars(select(NoteRevision).where(NoteRevision.note_id == note.id)).all()
        assert [(r.reason, r.based_on_version, r.content["experience"]) for r in kept] == [
            ("conflict", 1, texts[loser])], f"try {n}: the refused text was not kept"
        outcomes[f"{('first', 'second')[winner]} window landed, other kept as conflict"] += 1
    tally("autosave vs autosave", outcomes, started, lost)


# --- plans: finalize vs item edit; share link: revoke vs download --------------------------------------

def calendar_titles(data: bytes) -> set[str]:
    return {str(event["summary"]) for event in Calendar.from_ical(data).walk("VEVENT")}


def test_finalize_and_an_item_edit_never_leave_a_pdf_that_disagrees_with_the_plan(served, lost):
    person = served.person
    practitioner, editor = served.browser().sign_in(served.author), served.browser().sign_in(served.author)

    def new_plan(n):
        plan = PlanFactory(client=person, message="")
        item = PlanItemFactory(plan=plan, title=f"Original words {n}", schedule_values=[0, 1])
        return plan, item

    for warm_up in ("first", "second"):  # the first render of a process loads fonts: time the second
        plan, _ = new_plan(warm_up)
        took = time.perf_counter()
        assert practitioner.open("POST", f"/clients/{person.id}/plans/{plan.id}/finalize").status == 302
        render = time.perf_counter() - took

    started = time.perf_counter()
    outcomes = Counter()
    for n in range(FINALIZE_TRIES):
        plan, item = new_plan(n)
        base = f"/clients/{person.id}/plans/{plan.id}"
        edited = f"Changed words {n}"
        # The edit comes at once, or later and later: while the PDF renders, and around its commit.
        delay = 1.3 * render * n / (FINALIZE_TRIES - 1)
        finalize, edit = race(Request(practitioner, "POST", f"{base}/finalize"),
                              Request(editor, "POST", f"{base}/items/{item.id}/edit", item_form(edited), delay=delay))
        plan = fresh(Plan, plan.id)
        title = plan.items[0].title
        assert title == (edited if edit.status == 302 else f"Original words {n}"), f"try {n}: {edit.status}"
        assert edit.status in (302, 409) and finalize.status in (302, 409), f"try {n}"
        exports = db.session.scalars(select(PlanExport).where(PlanExport.plan_id == plan.id)).all()
        if plan.status == "draft":
            assert (finalize.status, edit.status, exports) == (409, 302, []), f"try {n}"
            assert "The plan changed while it was being prepared" in finalize.text
            outcomes["edit landed, finalize refused"] += 1
            continue
        assert finalize.status == 302 and len(exports) == 1, f"try {n}"
        [export] = exports
        text = pdf_text(export.pdf)
        assert title in text and ("Changed words" in text) == (title == edited), f"try {n}: the PDF disagrees"
        assert calendar_titles(export.ics) == {title}, f"try {n}: the calendar disagrees"
        if edit.status == 409:
            assert "finalized and cannot change" in edit.text
            outcomes["finalize landed, edit refused"] += 1
        else:
            outcomes["edit landed, then finalize (of the edit)"] += 1
    tally(f"finalize vs item edit (a finalize alone: {render:.2f}s)", outcomes, started, lost)
    assert lost.by_endpoint["plans.finalize"], "no edit landed while a PDF rendered: the race was not run"


def test_revoking_a_link_and_downloading_through_it_are_one_or_the_other(served, lost):
    person = served.person
    practitioner, stranger = served.browser().sign_in(served.author), served.browser()
    plan = PlanFactory(client=person)
    PlanItemFactory(plan=plan, title="Walk by the water")
    base = f"/clients/{person.id}/plans/{plan.id}"
    assert practitioner.open("POST", f"{base}/finalize").status == 302
    export = db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id))
    delivered = export.pdf

    started = time.perf_counter()
    outcomes = Counter()
    for n in range(TRIES):
        page = practitioner.open("POST", f"{base}/exports/{export.id}/share")
        token = re.search(r'value="https?://[^"]*/p/([A-Za-z0-9_\-]+)"', page.text).group(1)
        link_id = db.session.scalar(select(ShareLink.id).order_by(ShareLink.id.desc()).limit(1))
        first, second = staggered(n)
        revoke, download = race(Request(practitioner, "POST", f"{base}/links/{link_id}/revoke", delay=first),
                                Request(stranger, "GET", f"/p/{token}/plan.pdf", delay=second))
        link = fresh(ShareLink, link_id)
        assert revoke.status == 302 and link.revoked_at is not None, f"try {n}"
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("revoke", "download")))
                                    .order_by(AuditEvent.id)).all()
        revokes = [e for e in events if e.action == "revoke" and e.object_id == link_id]
        downloads = [e for e in events if e.action == "download" and e.detail == f"pdf via share link {link_id}"]
        assert len(revokes) == 1, f"try {n}"
        if download.status == 200:
            assert download.body == delivered and link.downloads == 1 and len(downloads) == 1, f"try {n}"
            assert downloads[0].id < revokes[0].id, f"try {n}: a download was counted after the revoke landed"
            outcomes["download served, then revoked"] += 1
        else:
            assert download.status == 404 and link.downloads == 0 and downloads == [], f"try {n}"
            outcomes["revoked, download refused"] += 1
        assert stranger.open("GET", f"/p/{token}").status == 404, f"try {n}: a revoked link still opens"
        assert stranger.open("GET", f"/p/{token}/plan.pdf").status == 404, f"try {n}: a revoked link still serves"
    tally("share link revoke vs download", outcomes, started, lost)


def test_two_presses_of_write_the_group_note_start_it_once(served):
    first, second = served.browser().sign_in(served.author), served.browser().sign_in(served.author)
    for n in range(TRIES):
        session = GroupSessionFactory(series=served.circle)
        path = f"/groups/{served.circle.id}/sessions/{session.id}/note/start"
        answers = race(Request(first, "POST", path), Request(second, "POST", path))
        assert [answer.status for answer in answers] == [303, 303], (n, [a.text for a in answers])
        db.session.expire_all()
        assert db.session.query(GroupNote).filter_by(group_session_id=session.id).count() == 1
