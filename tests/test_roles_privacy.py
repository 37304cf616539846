"""Minimum necessary, tested from the matrix: each role reaches exactly what permissions.CONTENT says.

One client's record is filled through the real forms and the note lifecycle, with a distinctive
word planted in each protected kind of content: a dosing session's intention, a debrief's safety
check answer, a circle note, a clinician's insight statement, the client's words of a shared and of
an unshared insight, a sensitive and a plain history item, a sensitive and a plain goal, a coaching
note and a private process note. Then every role — the clinician who wrote the process note, another
clinician, the coach, an admin without and an admin with break-glass, and a circle facilitator who is
not on the care team — walks every client-scoped page, search, the PDF, the calendar file, the audit
CSV and the htmx answers. A word never appears where the matrix says that reader may not read its
kind, and does appear where it may. Each (role, page) and (role, word) pair is its own test.

The record is built once for the module (through HTTP, which is slow); the tests only read it, and
the writes that are tried are the ones that must be refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from io import BytesIO

import pytest
from flask import url_for
from pypdf import PdfReader
from sqlalchemy import select

from integration.auth.models import User
from integration.checkins.models import ClientCheckIn
from integration.clients.models import BreakGlass, CareTeamMember, Client, Goal, HistoryItem
from integration.clock import local_today, utcnow
from integration.extensions import db
from integration.measures.models import Measure, MeasureAlert, MeasureResponse, MeasureSchedule
from integration.notes.models import DosingSession, Insight, Note
from integration.permissions import NOTE_CONTENT, READ_LEVELS, level
from integration.plans.models import Plan, PlanExport, PlanItem
from integration.safetyplans.models import SafetyPlanVersion
from integration.search import query as search_query
from tests.conftest import start_afresh
from tests.factories import (PASSWORD, AttendanceFactory, ClientFactory, EnrollmentFactory, GroupSeriesFactory,
                             GroupSessionFactory, PracticeFactory, UserFactory)
from tests.routes import _APP

# word -> the kind of content it is planted in (permissions.CONTENT)
WORDS = {
    "saffronveil": "sessions",            # a dosing session's intention
    "plumtrellis": "notes.clinical",      # the debrief's safety check: their answer
    "bramblecove": "notes.clinical",      # the client's individual circle note
    "brackenfold": "insights",            # a clinician's insight statement
    "fernhollow": "insights",             # the client's words of an insight NOT marked shareable
    "gladewren": "insights.shared",       # the client's words of an insight marked shareable
    "quillmarsh": "history.sensitive",    # a sensitive history item's detail
    "larkspindle": "history",             # a plain history item's detail
    "cobaltfinch": "goals.sensitive",     # a sensitive goal's title
    "riverstride": "goals",               # a plain goal's title
    "meadowthrum": "notes.coaching",      # a coaching note
    "lanternmoth": "notes.process",       # Cleo's private process note
    "thistlebrook": "measures",           # an item of a practice-defined measure, shown with its answers
    "emberquay": "measures",              # a clinician's note acknowledging an alert
    "quartzmere": "safety_plan",          # a step of the safety plan
    "cindergrove": "checkins.words",      # the client's own line in a check-in from their link
}
SEARCHABLE = {"plumtrellis", "bramblecove", "brackenfold", "fernhollow", "gladewren", "meadowthrum", "lanternmoth"}
CLIENT_NAME = ("Wrenna", "Halloway")

# role -> (who they are on the record: a permissions.READERS key, or None for no reader at all)
ROLES = {
    "clinician-author": "clinician",   # Cleo: wrote the debrief, the insights and the process note
    "other-clinician": "clinician",    # Olive: on the care team, not the process note's author
    "coach": "coach",                  # Cora
    "admin": "admin",                  # Ada: not on the care team, no break-glass
    "admin-break-glass": "break_glass",  # Bea: opened the record by break-glass
    "facilitator": None,               # Fay: runs the circle the client attends, not on the care team
}
AUTHOR_OF_PROCESS_NOTE = "clinician-author"


def allowed(role: str, word: str) -> bool:
    """What the matrix says: may this role read the word's kind of content (the planted items are
    not shared, so a "shared" level does not reach them; "own" reaches the author only)?"""
    found = level(WORDS[word], ROLES[role])
    return found in READ_LEVELS or (found == "own" and role == AUTHOR_OF_PROCESS_NOTE)


@dataclass
class World:
    app: object
    users: dict
    client: Client
    objects: dict  # name -> id, for URLs
    variants: dict = field(default_factory=dict)  # URL argument -> every object id worth trying
    signed_in: dict = field(default_factory=dict)  # role -> a test client signed in as them


def _post(http, url, data, **headers):
    response = http.post(url, data=data, headers=headers)
    assert response.status_code in (200, 302, 303), (url, response.status_code, response.get_data(as_text=True)[:500])
    return response


def _signed_in(app, user):
    http = app.test_client()
    http.post("/login", data={"email": user.email, "password": PASSWORD})
    return http


def _new_note(http, client_id, kind, **extra) -> int:
    response = _post(http, f"/clients/{client_id}/notes/new",
                     {"kind": kind, "occurred_on": local_today("America/New_York").isoformat(), "session_id": 0, **extra})
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _write_and_sign(http, client_id, note_id, fields, sign=True) -> None:
    note = db.session.get(Note, note_id)
    _post(http, f"/clients/{client_id}/notes/{note_id}/autosave", {"version": note.version, **fields})
    db.session.expire_all()
    if sign:
        _post(http, f"/clients/{client_id}/notes/{note_id}/sign", {"version": db.session.get(Note, note_id).version})


def _build(app) -> World:
    practice = PracticeFactory(name="Minimum Necessary Clinic")
    people = {
        "clinician-author": UserFactory(practice=practice, role="therapist", profession="therapist", name="Cleo Ashdown"),
        "other-clinician": UserFactory(practice=practice, role="therapist", profession="psychiatrist", name="Olive Marsh"),
        "coach": UserFactory(practice=practice, role="coach", name="Cora Vell", credentials="Coach"),
        "admin": UserFactory(practice=practice, role="admin", name="Ada Quarry", credentials=""),
        "admin-break-glass": UserFactory(practice=practice, role="admin", name="Bea Lorne", credentials=""),
        "facilitator": UserFactory(practice=practice, role="coach", name="Fay Tolliver"),
    }
    cleo, olive, cora = people["clinician-author"], people["other-clinician"], people["coach"]
    client = ClientFactory.for_team(cleo, olive, cora, first_name=CLIENT_NAME[0], last_name=CLIENT_NAME[1])
    cid = client.id
    today = local_today(practice.timezone)
    ids: dict[str, int] = {}

    as_cleo = _signed_in(app, cleo)
    _post(as_cleo, f"/clients/{cid}/sessions/new", {
        "started_on": (today - timedelta(days=1)).isoformat(), "started_time": "10:00", "product": "racemic", "confirm_without_consent": "y",
        "route": "im", "dose_mg": "70", "intention": "To meet saffronveil with kindness.", "practitioners": cleo.id})
    ids["session_id"] = db.session.scalar(select(DosingSession.id).where(DosingSession.client_id == cid))
    ids["note_id"] = debrief = _new_note(as_cleo, cid, "debrief", session_id=ids["session_id"])
    _write_and_sign(as_cleo, cid, debrief, {
        "experience": "Floating over the lake.", "safety-mood": "Settled", "safety-asked": "yes",
        "safety-answer": "No thoughts of harm; plumtrellis.", "safety-follow_up": "no"})
    _post(as_cleo, f"/clients/{cid}/history/new", {
        "category": "adversity", "title": "A hard year", "detail": "What happened: quillmarsh.", "sensitive": "y"})
    _post(as_cleo, f"/clients/{cid}/history/new", {
        "category": "spirituality", "title": "Walks by the river", "detail": "Calm comes with larkspindle."})
    _post(as_cleo, f"/clients/{cid}/goals/new", {
        "title": "Stay away from cobaltfinch", "life_area": "habits", "status": "active", "sensitive": "y"})
    _post(as_cleo, f"/clients/{cid}/goals/new", {"title": "Walk riverstride each morning", "life_area": "health",
                                                 "status": "active"})
    for text, words, shared in (("Vigilance softens: brackenfold.", "I can rest by the gladewren.", "y"),
                                ("An old pattern returns.", "It is only fernhollow.", "")):
        data = {"insight-text": text, "insight-client_words": words, "insight-themes": "rest"}
        if shared:  # shared, and its words confirmed as the client's own: only then are they quoted
            data["insight-shared_with_coach"] = data["insight-words_confirmed"] = shared
        _post(as_cleo, f"/clients/{cid}/notes/{debrief}/insights", data)
    ids["process_note"] = process = _new_note(as_cleo, cid, "process")
    _write_and_sign(as_cleo, cid, process, {"text": "My hunch, for me alone: lanternmoth."}, sign=False)

    as_cora = _signed_in(app, cora)
    ids["coaching_note"] = coaching = _new_note(as_cora, cid, "coaching")
    _write_and_sign(as_cora, cid, coaching, {"focus": "Mornings and meadowthrum.", "practised": "Breathing",
                                             "next_step": "Walk daily"})

    # A circle run by someone outside the care team; Cleo writes the client's individual note.
    fay = people["facilitator"]
    series = GroupSeriesFactory.run_by(fay, name="Thursday circle")
    past = GroupSessionFactory(series=series, starts_at=utcnow() - timedelta(days=2), theme="Coming home")
    EnrollmentFactory(series=series, client=client)
    AttendanceFactory(group_session=past, client=client, status="present")
    _post(as_cleo, f"/clients/{cid}/groups/sessions/{past.id}/note", {})
    ids["circle_note"] = circle_note = db.session.scalar(select(Note.id).where(Note.client_id == cid,
                                                                                 Note.kind == "group"))
    _write_and_sign(as_cleo, cid, circle_note, {"brought": "The image of bramblecove.", "participation": "Present"})
    ids["series_id"], ids["group_session_id"] = series.id, past.id

    # The plan: Cleo links every insight and both goals; only what may be printed is.
    _post(as_cleo, f"/clients/{cid}/plans/new", {"dosing_session_id": ids["session_id"], "message": "Go gently."})
    ids["plan_id"] = plan_id = db.session.scalar(select(Plan.id).where(Plan.client_id == cid))
    insight_ids = list(db.session.scalars(select(Insight.id).where(Insight.client_id == cid).order_by(Insight.id)))
    goal_ids = list(db.session.scalars(select(Goal.id).where(Goal.client_id == cid).order_by(Goal.id)))
    _post(as_cleo, f"/clients/{cid}/plans/{plan_id}/items/new", {
        "title": "Evening pages", "category": "journaling", "instructions": "Write a little.",
        "schedule_kind": "as_needed", "goals": goal_ids, "insights": insight_ids})
    ids["item_id"] = db.session.scalar(select(PlanItem.id).where(PlanItem.plan_id == plan_id))
    _post(as_cora, f"/clients/{cid}/plans/{plan_id}/finalize", {})
    ids["export_id"] = db.session.scalar(select(PlanExport.id).where(PlanExport.plan_id == plan_id))
    shared = _post(as_cora, f"/clients/{cid}/plans/{plan_id}/exports/{ids['export_id']}/share", {}).get_data(as_text=True)
    ids["link_id"] = db.session.scalar(select(PlanExport).where(PlanExport.id == ids["export_id"])).share_links[0].id

    # The client checks in from their link with the code on the plan's cover, and asks to be reached.
    token = re.search(r'/p/([A-Za-z0-9_\-]+)"', shared).group(1)
    code = "".join(re.search(r'<strong class="code">(\d{3}) (\d{3})</strong>', shared).groups())
    phone = app.test_client()
    phone.post(f"/p/{token}/code", data={"code": code})
    _post(phone, f"/p/{token}/check-in", {"mood": "6", "sleep": "well", "stayed_with": "The cindergrove at dusk.",
                                          "reach_out": "y", "reach_when": "today"})
    ids["entry_id"] = db.session.scalar(select(ClientCheckIn.id).where(ClientCheckIn.client_id == cid))

    # Cleo writes the client's safety plan with them.
    _post(as_cleo, f"/clients/{cid}/safety-plan/edit", {"warning_signs": "When quartzmere comes back.",
                                                        "reasons": "My sister."})
    ids["version_number"] = db.session.scalar(select(SafetyPlanVersion.number).where(SafetyPlanVersion.client_id == cid))

    # Measures: a practice-defined measure (its item text planted) and a PHQ-9 with item 9 above 0,
    # whose alert Cleo acknowledges with a planted note.
    as_ada = _signed_in(app, people["admin"])
    _post(as_ada, "/measures/practice", {"name": "Evening check", "items": "Felt thistlebrook at dusk",
                                         "scale": "No = 0\nYes = 1"})
    custom = db.session.scalar(select(Measure.id))
    _post(as_cleo, f"/clients/{cid}/measures/new?measure=m{custom}", {
        "taken_on": today.isoformat(), "dosing_session_id": "0", "item_1": "1"})
    _post(as_cleo, f"/clients/{cid}/measures/new?measure=phq9", {
        "taken_on": today.isoformat(), "dosing_session_id": ids["session_id"],
        **{f"item_{n}": "1" for n in range(1, 10)}})
    ids["response_id"] = db.session.scalar(select(MeasureResponse.id).where(MeasureResponse.measure_key == "phq9"))
    ids["alert_id"] = alert = db.session.scalar(select(MeasureAlert.id).where(MeasureAlert.client_id == cid))
    _post(as_cleo, f"/clients/{cid}/measures/alerts/{alert}/acknowledge", {f"ack{alert}-note": "Called; emberquay."})
    _post(as_cleo, f"/clients/{cid}/measures/schedules", {"measure_key": "phq9", "cadence": "weekly"})
    ids["schedule_id"] = db.session.scalar(select(MeasureSchedule.id).where(MeasureSchedule.client_id == cid))
    ids["custom_response"] = db.session.scalar(select(MeasureResponse.id).where(MeasureResponse.measure_key != "phq9"))

    as_bea = _signed_in(app, people["admin-break-glass"])
    _post(as_bea, f"/clients/{cid}/break-glass", {"reason": "Client phoned in crisis; care team unreachable."})

    db.session.expire_all()
    insights = {i.shared_with_coach: i.id for i in db.session.scalars(select(Insight).where(Insight.client_id == cid))}
    goals = {g.sensitive: g.id for g in db.session.scalars(select(Goal).where(Goal.client_id == cid))}
    history = {h.sensitive: h.id for h in db.session.scalars(select(HistoryItem).where(HistoryItem.client_id == cid))}
    ids["member_id"] = db.session.scalar(select(CareTeamMember.id).where(CareTeamMember.client_id == cid))
    # The plain variant first: the debrief, the plain goal and history item, the shared insight.
    variants = {
        "note_id": [debrief, process, coaching, circle_note],
        "goal_id": [goals[False], goals[True]],
        "history_id": [history[False], history[True]],
        "insight_id": [insights[True], insights[False]],
        "response_id": [ids["response_id"], ids["custom_response"]],
    }
    return World(app=app, users={role: user.id for role, user in people.items()}, client=client, objects=ids,
                 variants=variants)


@pytest.fixture(scope="module")
def world(session_app):
    """The record, built once for the module in the session's emptied database (the next test
    that takes `app` empties it again)."""
    start_afresh(session_app)
    with session_app.app_context():
        yield _build(session_app)
        db.session.remove()


@pytest.fixture
def as_role(world):
    """A test client signed in as the role (signed in once for the module, through the login form)."""
    def sign_in(role: str):
        if role not in world.signed_in:
            world.signed_in[role] = _signed_in(world.app, db.session.get(User, world.users[role]))
        return world.signed_in[role]
    return sign_in


# --- the pages: every client-scoped GET route, from the url_map -----------------------------------

def _client_rules(app, method: str):
    return sorted((rule for rule in app.url_map.iter_rules() if "client_id" in rule.arguments and method in rule.methods),
                  key=lambda rule: rule.endpoint)


# The url_map at collection time, so that each route is its own test id.
_APP_FOR_IDS = _APP
GET_ENDPOINTS = [rule.endpoint for rule in _client_rules(_APP_FOR_IDS, "GET")]
POST_ENDPOINTS = [rule.endpoint for rule in _client_rules(_APP_FOR_IDS, "POST")]
# The views marked @reads/@writes (the others show the record's details, open to every reader).
MARKED_GET_ENDPOINTS = [e for e in GET_ENDPOINTS if hasattr(_APP_FOR_IDS.view_functions[e], "content")]


def _urls(world: World, endpoint: str, first_note: int | None = None) -> list[str]:
    """Every URL of the endpoint worth trying: one per variant of its object arguments (the plain
    variant first; `first_note` puts that note first)."""
    rule = next(r for r in world.app.url_map.iter_rules() if r.endpoint == endpoint)
    combos = [{"client_id": world.client.id}]
    for name in sorted(rule.arguments - {"client_id"}):
        choices = world.variants.get(name) or [world.objects.get(name)]
        if name == "note_id" and first_note:
            choices = [first_note] + [n for n in choices if n != first_note]
        if choices == [None]:
            pytest.skip(f"<{name}>: no object of that kind on the record")
        combos = [{**combo, name: value} for combo in combos for value in choices]
    with world.app.test_request_context():
        return [url_for(endpoint, **combo) for combo in combos]


def _leaks(text: str, role: str) -> list[str]:
    lowered = text.lower()
    return [word for word in WORDS if word in lowered and not allowed(role, word)]


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_shows_a_role_what_it_may_not_read(world, as_role, role, endpoint):
    http = as_role(role)
    for url in _urls(world, endpoint):
        response = http.get(url, follow_redirects=True)  # a finalized plan's edit page sends to its builder
        assert response.status_code in (200, 404, 409), (url, response.status_code)  # 409: a finalized plan, read-only
        body = response.data.decode("utf-8", "replace") if response.mimetype != "application/pdf" else \
            _pdf_text(response.data)
        assert _leaks(body, role) == [], url
        if ROLES[role] is None:
            assert response.status_code == 404, f"{url}: outside the care team is 404"


def _kinds_of(world, endpoint: str):
    return getattr(world.app.view_functions[endpoint], "content", None)


@pytest.mark.parametrize("endpoint", MARKED_GET_ENDPOINTS)
@pytest.mark.parametrize("role", list(ROLES))
def test_each_page_opens_exactly_for_the_readers_the_matrix_names(world, as_role, role, endpoint):
    """A view marked @reads(kinds) opens (200) for a reader with any level on one of them, else 404."""
    action, kinds = _kinds_of(world, endpoint)
    levels = ("write", "read", "shared", "own") if action == "read" else ("write", "own")
    expected = 200 if any(level(kind, ROLES[role]) in levels for kind in kinds) else 404
    # The plain variant: the debrief (the coaching note for a coach), the plain goal, the shared insight.
    first = _urls(world, endpoint, world.objects["coaching_note"] if ROLES[role] == "coach" else None)[0]
    response = as_role(role).get(first, follow_redirects=True)  # a finalized plan's forms send to its builder
    # 409: the page opened, and says the plan is finalized (read-only)
    answered = 404 if response.status_code == 404 else 200 if response.status_code in (200, 409) else response.status_code
    assert answered == expected, (first, response.status_code)


# --- where each word lives: it appears there exactly when the matrix allows ------------------------

def _home_of(world: World, word: str) -> str:
    c, o = world.client.id, world.objects
    return {
        "saffronveil": f"/clients/{c}/sessions/{o['session_id']}",
        "plumtrellis": f"/clients/{c}/notes/{o['note_id']}",
        "bramblecove": f"/clients/{c}/notes/{o['circle_note']}",
        "brackenfold": f"/clients/{c}/insights",
        "fernhollow": f"/clients/{c}/insights",
        "gladewren": f"/clients/{c}/insights",
        "quillmarsh": f"/clients/{c}/history/{world.variants['history_id'][1]}",
        "larkspindle": f"/clients/{c}/history/{world.variants['history_id'][0]}",
        "cobaltfinch": f"/clients/{c}/goals/{world.variants['goal_id'][1]}",
        "riverstride": f"/clients/{c}/goals/{world.variants['goal_id'][0]}",
        "meadowthrum": f"/clients/{c}/notes/{o['coaching_note']}",
        "lanternmoth": f"/clients/{c}/notes/{o['process_note']}",
        "thistlebrook": f"/clients/{c}/measures/responses/{o['custom_response']}",
        "emberquay": f"/clients/{c}/measures",
        "quartzmere": f"/clients/{c}/safety-plan",
        "cindergrove": f"/clients/{c}/check-ins",
    }[word]


@pytest.mark.parametrize("word", list(WORDS))
@pytest.mark.parametrize("role", list(ROLES))
def test_each_word_appears_on_its_page_exactly_where_allowed(world, as_role, role, word):
    response = as_role(role).get(_home_of(world, word))
    shown = response.status_code == 200 and word in response.get_data(as_text=True).lower()
    assert shown == allowed(role, word), f"{word} ({WORDS[word]}) for {role}: status {response.status_code}"


def _without_query(page: str, word: str) -> str:
    """The page without the places that echo the query back (the search box, "Nothing matches …")."""
    return page.replace(f'value="{word}"', "").replace(f"“{word}”", "")


@pytest.mark.parametrize("scope", ["narrow", "wide"])
@pytest.mark.parametrize("word", list(WORDS))
@pytest.mark.parametrize("role", list(ROLES))
def test_search_finds_only_what_the_role_may_read(world, as_role, role, word, scope, monkeypatch):
    # SQLite walks the index one way for a reader of few clients and another for many: both read as
    # the record does ("wide" makes every reader one of many).
    if scope == "wide":
        monkeypatch.setattr(search_query, "NARROW_SCOPE", -1)
    http = as_role(role)
    across = _without_query(http.get("/search", query_string={"q": word}).get_data(as_text=True), word)
    found = word in across.lower()
    assert found == (allowed(role, word) and word in SEARCHABLE), f"search across clients for {word}"
    assert _leaks(across, role) == []
    within = http.get(f"/clients/{world.client.id}/search", query_string={"q": word})
    assert within.status_code in (200, 404)
    page = _without_query(within.get_data(as_text=True), word)
    assert (word in page.lower()) == (within.status_code == 200 and found)
    assert _leaks(page, role) == []


# --- what leaves the practice: the PDF, the calendar, the shared link; the admin's CSV --------------

def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


@pytest.mark.parametrize("role", list(ROLES))
def test_the_pdf_and_calendar_hold_only_the_shared_words_and_plain_goals(world, as_role, role):
    c, o = world.client.id, world.objects
    http = as_role(role)
    pdf = http.get(f"/clients/{c}/plans/{o['plan_id']}/exports/{o['export_id']}/download")
    calendar = http.get(f"/clients/{c}/plans/{o['plan_id']}/calendar.ics")
    readers = level("plans", ROLES[role])
    assert pdf.status_code == calendar.status_code == (200 if readers else 404)
    if not readers:
        return
    text = "".join(_pdf_text(pdf.data).split()).lower()
    printed = {word for word in WORDS if word in text}
    assert printed == {"gladewren", "riverstride"}, "the client's PDF: shared words and plain goals only"
    assert [word for word in WORDS if word in calendar.get_data(as_text=True).lower()] == []


@pytest.mark.parametrize("role", ["admin", "admin-break-glass"])
def test_the_audit_log_and_its_csv_hold_no_clinical_words(world, as_role, role):
    http = as_role(role)
    for url in ("/audit/", "/audit/export.csv"):
        response = http.get(url)
        assert response.status_code == 200, url
        assert [word for word in WORDS if word in response.get_data(as_text=True).lower()] == [], url


# --- writes: whoever lacks the right gets the same 404 as for a page that does not exist ------------

def _id_after(url: str, part: str) -> int | None:
    """The id in the URL right after `part` ("/notes/12/sign" -> 12), if there is one."""
    if part not in url:
        return None
    piece = url.split(part, 1)[1].split("/")[0]
    return int(piece) if piece.isdigit() else None


def _write_allowed(world, role: str, endpoint: str, url: str) -> bool | None:
    """Whether the matrix lets this role make this change; None when the route has no content marker."""
    marked = _kinds_of(world, endpoint)
    if marked is None:
        return None
    reader = ROLES[role]
    action, kinds = marked
    levels = ("write", "own") if action == "write" else ("write", "read", "shared", "own")
    if not any(level(kind, reader) in levels for kind in kinds):
        return False
    if action == "read":
        return True
    note_id, item_id = _id_after(url, "/notes/"), _id_after(url, "/goals/") or _id_after(url, "/history/")
    if note_id and endpoint.startswith("notes."):
        note = db.session.get(Note, note_id)
        own = note.author_id == world.users[role]
        return own or level(NOTE_CONTENT[note.kind], reader) == "write"
    if item_id:
        model = Goal if "/goals/" in url else HistoryItem
        item = db.session.get(model, item_id)
        plain, sensitive = ("goals", "goals.sensitive") if model is Goal else ("history", "history.sensitive")
        return level(sensitive if item.sensitive else plain, reader) == "write"
    return True


@pytest.mark.parametrize("role", list(ROLES))
def test_changes_a_role_may_not_make_answer_404_and_change_nothing(world, as_role, role):
    """Every POST route, each of its URLs the matrix refuses to this role: 404 and no note changed.
    (The URLs the matrix allows are not tried here: their own tests make those changes.)"""
    http = as_role(role)
    refused = []
    for endpoint in POST_ENDPOINTS:
        for url in _urls(world, endpoint):
            permitted = True if ROLES[role] is None else _write_allowed(world, role, endpoint, url)
            if ROLES[role] is not None and permitted is not False:
                continue
            before = {n.id: n.version for n in db.session.scalars(select(Note).where(Note.client_id == world.client.id))}
            response = http.post(url, data={"version": 1, "text": "lanternmoth", "focus": "x"},
                                 headers={"HX-Request": "true"})
            db.session.expire_all()
            after = {n.id: n.version for n in db.session.scalars(select(Note).where(Note.client_id == world.client.id))}
            assert (response.status_code, after) == (404, before), url
            refused.append(url)
    assert refused, "every role is refused some change on this record"


def test_the_coach_cannot_open_autosave_or_sign_a_clinicians_note(world, as_role):
    c, debrief = world.client.id, world.objects["note_id"]
    http = as_role("coach")
    version = db.session.get(Note, debrief).version
    assert http.get(f"/clients/{c}/notes/{debrief}").status_code == 404
    assert http.post(f"/clients/{c}/notes/{debrief}/autosave", data={"version": version, "experience": "x"}).status_code == 404
    assert http.post(f"/clients/{c}/notes/{debrief}/sign", data={"version": version}).status_code == 404
    assert http.post(f"/clients/{c}/notes/{debrief}/addenda", data={"reason": "r", "text": "t"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Note, debrief).version == version


def test_the_facilitator_outside_the_care_team_sees_name_and_attendance_only(world, as_role):
    o = world.objects
    page = as_role("facilitator").get(f"/groups/{o['series_id']}/sessions/{o['group_session_id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Halloway" in text and 'value="present" checked' in text
    assert _leaks(text, "facilitator") == [] and "Open note" not in text and "Write note" not in text
    assert as_role("facilitator").get(f"/clients/{world.client.id}").status_code == 404


def test_the_record_tells_its_care_team_about_the_break_glass(world, as_role):
    for role in ("clinician-author", "coach"):
        page = as_role(role).get(f"/clients/{world.client.id}").get_data(as_text=True)
        assert "Emergency access to this record" in page and "Bea Lorne" in page
        assert "Client phoned in crisis" in page
    assert "Emergency access to this record" not in as_role("admin").get(f"/clients/{world.client.id}").get_data(
        as_text=True)


def test_the_admins_client_list_names_clients_and_care_teams_without_clinical_counts(world, as_role):
    page = as_role("admin").get("/clients/").get_data(as_text=True)
    assert "Halloway, Wrenna" in page and "Cleo Ashdown" in page
    assert _leaks(page, "admin") == []
    grant = db.session.scalar(select(BreakGlass).where(BreakGlass.client_id == world.client.id))
    assert grant.expires_at - grant.opened_at == timedelta(hours=1)


# --- no dead buttons: what a page offers, the matrix lets its reader do -----------------------------

_LINK = re.compile(r'<a\b[^>]*\bhref="([^"#?]+)')
_POST_FORM = re.compile(r'<form\b[^>]*\baction="([^"#?]+)"[^>]*\bmethod="post"|'
                        r'<form\b[^>]*\bmethod="post"[^>]*\baction="([^"#?]+)"', re.IGNORECASE)


def _offered(page: str, prefix: str) -> tuple[set[str], set[str]]:
    """The record's links and the record's POST form actions on a page (under `prefix`)."""
    links = {unescape(href) for href in _LINK.findall(page) if href.startswith(prefix)}
    actions = {unescape(a or b) for a, b in _POST_FORM.findall(page) if (a or b).startswith(prefix)}
    return links, actions


def _matrix_allows_post(world, role: str, url: str) -> bool:
    adapter = world.app.url_map.bind("localhost")
    endpoint, _ = adapter.match(url, method="POST")
    marked = _kinds_of(world, endpoint)
    if ROLES[role] is None or marked is None:
        return True  # not a content route: the capability rules and test_access decide
    action, kinds = marked
    levels = ("write", "own") if action == "write" else ("write", "read", "shared", "own")
    return any(level(kind, ROLES[role]) in levels for kind in kinds)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_link_and_button_a_page_offers_works_for_its_reader(world, as_role, role):
    """A reader is never offered a link that answers 404 or a form the matrix refuses them
    (e.g. "New plan" on a break-glass reading, which is read-only)."""
    http = as_role(role)
    prefix = f"/clients/{world.client.id}/"
    links, actions = set(), set()
    for endpoint in GET_ENDPOINTS:
        if endpoint.endswith(("download_export", "calendar")):
            continue  # files, not pages
        for url in _urls(world, endpoint)[:1]:
            response = http.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                found_links, found_actions = _offered(response.get_data(as_text=True), prefix)
                links |= found_links
                actions |= found_actions
    dead = [url for url in sorted(links) if http.get(url).status_code == 404]
    refused = [url for url in sorted(actions) if not _matrix_allows_post(world, role, url)]
    assert (dead, refused) == ([], []), role


def test_the_coach_sees_the_score_trend_but_no_item_answer_or_alert(world, as_role):
    """The coach's measures page: totals over time; never an item, an answer's words or an alert."""
    page = as_role("coach").get(f"/clients/{world.client.id}/measures").get_data(as_text=True)
    assert 'data-total="9"' in page, "the PHQ-9 total is on the coach's chart"
    assert "Several days" not in page and "/measures/responses/" not in page and 'id="alerts"' not in page
    assert "Several days" in as_role("other-clinician").get(
        f"/clients/{world.client.id}/measures/responses/{world.objects['response_id']}").get_data(as_text=True)
