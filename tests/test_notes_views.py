"""Note pages: the editor, autosave with versions and conflicts, signing, addenda, access."""
import re

import pytest
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.extensions import db
from integration.notes import lifecycle, sections
from integration.notes.models import Addendum, Note, NoteRevision
from tests.factories import ClientFactory, DosingSessionFactory, NoteFactory, UserFactory, debrief_content, practice_today
from tests.routes import CLIENT_SCOPED, answers_other_than_404, methods, rule_id

JSON = {"Accept": "application/json"}


def editor_post(version: int, content: dict) -> dict:
    """What the note editor sends: the form's fields and the version they were based on, asking for JSON."""
    return {"data": {"version": version, **sections.fields_from_content("debrief", content)}, "headers": JSON}
SESSION_AND_NOTE_ENDPOINTS = {
    "notes.index", "dosing.new_session", "dosing.show_session", "dosing.edit_session", "notes.new_note",
    "notes.show_note", "notes.autosave", "notes.sign", "notes.add_addendum"}


@pytest.fixture
def person(therapist):
    return ClientFactory.for_team(therapist, first_name="Wren", last_name="Halloway")


@pytest.fixture
def note(person, therapist):
    session = DosingSessionFactory(client=person, number=1)
    return NoteFactory(client=person, author=therapist, kind="debrief", dosing_session_id=session.id)


def url(note, action=""):
    return f"/clients/{note.client_id}/notes/{note.id}" + (f"/{action}" if action else "")


def test_the_editor_shows_the_draft_with_its_version(signed_in, note):
    page = signed_in.get(url(note)).get_data(as_text=True)
    assert 'id="note-editor"' in page
    assert 'data-version="1"' in page
    assert "It felt like floating over the lake" in page
    assert re.search(r'name="emotion-grief" value="4" checked>', page)  # grief intensity kept
    assert re.search(r'name="emotion-joy" value="" checked>', page)  # an emotion not picked: "not present"


def test_autosave_bumps_the_version(signed_in, note):
    response = signed_in.post(url(note, "autosave"), **editor_post(1, debrief_content(body="Tingling in the feet")))
    assert response.status_code == 200
    assert response.json["version"] == 2 and response.json["saved_at"]
    db.session.refresh(note)
    assert note.content["body"] == "Tingling in the feet" and "tingling in the feet" in note.search_text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "change",
                                                      AuditEvent.object_id == note.id)) is not None


def test_autosave_from_the_form_keeps_every_section(signed_in, note):
    response = signed_in.post(url(note, "autosave"), data={
        "version": "1", "experience": "Like a warm tide", "emotion-joy": "2", "safety-asked": "yes",
        "safety-answer": "Denied any thoughts of self-harm", "next_steps": "Walk daily"})
    assert response.status_code == 303
    db.session.refresh(note)
    assert note.version == 2
    assert note.content["experience"] == "Like a warm tide"
    assert note.content["emotions"]["picked"] == {"joy": 2}
    assert note.content["safety"]["asked"] == "yes"
    assert note.content["body"] == ""  # a field left empty is saved empty, as the editor showed it


def test_two_browsers_never_lose_either_text(signed_in, note):
    first = signed_in.post(url(note, "autosave"), **editor_post(1, debrief_content(
        experience="Browser A: a wide open field")))
    assert first.status_code == 200
    stale = signed_in.post(url(note, "autosave"), **editor_post(1, debrief_content(
        experience="Browser B: a narrow hallway")))
    assert stale.status_code == 409
    assert stale.json["error"] == "conflict" and stale.json["version"] == 2
    db.session.refresh(note)
    assert note.content["experience"] == "Browser A: a wide open field"
    revision = db.session.scalar(select(NoteRevision).where(NoteRevision.note_id == note.id))
    assert revision.reason == "conflict" and revision.content["experience"] == "Browser B: a narrow hallway"

    conflict = signed_in.get(stale.json["conflict_url"]).get_data(as_text=True)
    assert "Two versions of this note" in conflict
    assert "Browser A: a wide open field" in conflict  # what was saved meanwhile
    assert "Browser B: a narrow hallway" in conflict  # the refused text, in the editor
    assert 'data-mode="conflict"' in conflict and 'name="version" value="2"' in conflict
    # Each choice names its part of the note in words, for someone hearing the buttons read out.
    label = "The experience, in the client&#39;s words"
    assert f'Use this<span class="visually-hidden"> for {label}</span>' in conflict
    assert f'Add it below mine<span class="visually-hidden"> in {label}</span>' in conflict

    resolved = signed_in.post(url(note, "autosave"), **editor_post(2, debrief_content(
        experience="Browser A: a wide open field. Browser B: a narrow hallway")))
    assert resolved.status_code == 200
    db.session.refresh(note)
    assert note.version == 3 and "narrow hallway" in note.content["experience"]


def test_the_conflict_view_offers_nothing_to_take_from_an_empty_part(signed_in, note):
    signed_in.post(url(note, "autosave"), **editor_post(1, debrief_content(
        experience="Saved first", next_steps="")))
    stale = signed_in.post(url(note, "autosave"), **editor_post(1, debrief_content(
        experience="Saved second", next_steps="Call on Thursday")))
    page = signed_in.get(stale.json["conflict_url"]).get_data(as_text=True)
    assert 'data-conflict-use="experience"' in page and 'data-conflict-append="experience"' in page
    assert "Nothing written here." in page  # their next steps were empty
    assert 'data-conflict-use="next_steps"' not in page and 'data-conflict-append="next_steps"' not in page
    assert "Call on Thursday" in page  # mine stays in the editor


def test_the_conflict_view_offers_the_emotion_saved_meanwhile(signed_in, note):
    signed_in.post(url(note, "autosave"), **editor_post(1, debrief_content(**{"emotion-awe": "5"})))
    stale = signed_in.post(url(note, "autosave"), **editor_post(1, debrief_content(**{"emotion-awe": ""})))
    page = signed_in.get(stale.json["conflict_url"]).get_data(as_text=True)
    assert 'data-conflict-use="emotion-awe" data-value="5"' in page  # theirs: 5, one click to take it
    assert 'name="emotion-awe" value="" checked>' in page  # mine, not present, stays picked in the editor


def test_a_stale_form_post_leads_to_the_conflict_view(signed_in, note):
    signed_in.post(url(note, "autosave"), data={"version": "1", "experience": "first"})
    response = signed_in.post(url(note, "autosave"), data={"version": "1", "experience": "second"})
    assert response.status_code == 303 and "conflict=" in response.headers["Location"]


def test_over_long_text_is_refused_and_the_draft_kept(signed_in, note):
    too_long = "x" * 100_001
    response = signed_in.post(url(note, "autosave"), **editor_post(1, debrief_content(body=too_long)))
    assert response.status_code == 422
    assert "100,001 characters" in response.json["errors"]["body"]
    db.session.refresh(note)
    assert note.version == 1 and note.content["body"] == "Warmth in the chest."

    page = signed_in.post(url(note, "autosave"), data={"version": "1", "body": too_long, "experience": "kept"})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "100,001 characters" in text
    assert too_long in text and "kept" in text  # what was typed stays on the page


def test_signed_out_autosave_answers_401_json(client, note):
    response = client.post(url(note, "autosave"), **editor_post(1, {}))
    assert response.status_code == 401 and response.json["error"] == "signed-out"


def test_signing_shows_the_note_read_only_with_signer(signed_in, note, therapist):
    response = signed_in.post(url(note, "sign"), data={"version": "1"})
    assert response.status_code == 303
    db.session.refresh(note)
    assert note.is_signed and note.content_hash == lifecycle.content_hash(note.content)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sign",
                                                      AuditEvent.object_id == note.id)) is not None
    page = signed_in.get(url(note)).get_data(as_text=True)
    assert "note-editor" not in page and 'id="sign-form"' not in page
    assert 'name="experience"' not in page and 'name="emotion-grief"' not in page  # no section is editable
    assert 'id="addendum-form"' in page
    assert "It felt like floating over the lake" in page
    assert f"Signed by {therapist.display_name}" in page
    assert "Matches the signed text" in page


def test_a_signed_debrief_leads_on_to_a_plan_for_its_session(signed_in, note):
    draft = signed_in.get(url(note)).get_data(as_text=True)
    assert "make an integration plan" not in draft  # a draft is not finished yet
    signed_in.post(url(note, "sign"), data={"version": "1"})
    page = signed_in.get(url(note)).get_data(as_text=True)
    plan_link = f'href="/clients/{note.client_id}/plans/new?session_id={note.dosing_session_id}"'
    assert plan_link in page and "make an integration plan for Wren</a>" in page


def test_only_the_author_signs(client, auth, note, practice, person):
    colleague = UserFactory(practice=practice)
    db.session.add(person.care_team[0].__class__(client_id=person.id, user_id=colleague.id))
    db.session.commit()
    auth.login(colleague)
    response = client.post(url(note, "sign"), data={"version": "1"})
    assert response.status_code == 403
    db.session.refresh(note)
    assert not note.is_signed


def test_signing_an_outdated_page_is_refused(signed_in, note):
    signed_in.post(url(note, "autosave"), data={"version": "1", "experience": "changed"})
    response = signed_in.post(url(note, "sign"), data={"version": "1"})
    assert response.status_code == 409
    assert not db.session.get(Note, note.id).is_signed


def test_addenda_are_dated_attributed_and_need_a_reason(signed_in, note, therapist):
    assert signed_in.post(url(note, "addenda"), data={"reason": "r", "text": "t"}).status_code == 409
    signed_in.post(url(note, "sign"), data={"version": "1"})
    missing = signed_in.post(url(note, "addenda"), data={"reason": "", "text": "Slept well"})
    assert missing.status_code == 422
    assert b"Say why you are adding" in missing.data and b"Slept well" in missing.data
    added = signed_in.post(url(note, "addenda"), data={"reason": "Client called", "text": "Slept well"})
    assert added.status_code == 303
    page = signed_in.get(url(note)).get_data(as_text=True)
    assert "Client called" in page and "Slept well" in page and therapist.display_name in page
    assert db.session.scalar(select(Addendum).where(Addendum.note_id == note.id)).author_id == therapist.id


def test_several_notes_on_one_day(signed_in, person, note):
    for _ in range(2):
        response = signed_in.post(f"/clients/{person.id}/notes/new", data={
            "kind": "integration", "session_id": "0", "occurred_on": practice_today().isoformat()})
        assert response.status_code == 302
    assert len(db.session.scalars(select(Note).where(Note.client_id == person.id,
                                                     Note.occurred_on == practice_today())).all()) == 2


# --- a signed note cannot change, through any route and any method ----------------------------

def _note_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("notes.") and "note_id" in rule.arguments]


def _snapshot(note_id):
    db.session.expire_all()
    note = db.session.get(Note, note_id)
    return (note.content, note.search_text, note.status, note.version, note.content_hash, note.signed_at,
            note.signed_by_id, note.occurred_on, note.kind, note.dosing_session_id, note.author_id)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_no_route_changes_a_signed_note(app, signed_in, note, method):
    lifecycle.sign(note, note.author, 1)
    db.session.commit()
    before = _snapshot(note.id)
    rules = _note_rules(app)
    assert {"notes.show_note", "notes.autosave", "notes.sign", "notes.add_addendum"} <= {r.endpoint for r in rules}
    payloads = [
        editor_post(1, debrief_content(experience="rewritten")),
        {"data": {"version": "1", "experience": "rewritten", "reason": "r", "text": "t"}},
    ]
    for rule in rules:
        path = rule.build({"client_id": note.client_id, "note_id": note.id}, append_unknown=False)[1]
        for payload in payloads:
            response = signed_in.open(path, method=method, **payload)
            mine = rule.endpoint in ("notes.show_note", "notes.autosave", "notes.sign")
            if mine and method != "GET":
                assert response.status_code in (403, 405, 409), (rule.endpoint, method, response.status_code)
            if rule.endpoint == "notes.autosave" and method == "POST":
                assert response.status_code == 409
                assert "signed" in response.get_data(as_text=True)
            assert _snapshot(note.id) == before, (rule.endpoint, method)


# --- access -----------------------------------------------------------------------------------

SESSION_AND_NOTE_ROUTES = [rule for rule in CLIENT_SCOPED if rule.endpoint in SESSION_AND_NOTE_ENDPOINTS]


def test_the_session_and_note_routes_are_all_found():
    assert {rule.endpoint for rule in SESSION_AND_NOTE_ROUTES} == SESSION_AND_NOTE_ENDPOINTS
    assert sum(len(methods(rule)) for rule in SESSION_AND_NOTE_ROUTES) == 12


@pytest.mark.parametrize("rule", SESSION_AND_NOTE_ROUTES, ids=rule_id)
def test_outsiders_get_404_and_change_nothing(client, auth, note, practice, rule):
    auth.login(UserFactory(practice=practice, role="therapist"))
    ids = {"client_id": note.client_id, "note_id": note.id, "session_id": note.dosing_session_id}
    path = rule.build({k: ids[k] for k in rule.arguments}, append_unknown=False)[1]
    assert answers_other_than_404(client, rule, path, data={"version": "1", "experience": "x"}) == []
    assert _snapshot(note.id)[0]["experience"] != "x"
