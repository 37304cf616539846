"""Conflict copies are capped: a tab left on an old version cannot grow the database without end,
and an autosave that is too long says by how much instead of "reload"."""

import pytest
from sqlalchemy import func, select

from integration.extensions import db
from integration.notes import lifecycle, sections
from integration.notes.models import Note, NoteRevision
from tests.factories import ClientFactory, practice_today

BIG = "x" * 28_500  # a long section (the review saw 285 KB copies; a tenth keeps the test quick)


@pytest.fixture
def note(therapist):
    person = ClientFactory.for_team(therapist)
    note = lifecycle.start(Note(client_id=person.id, kind="integration", occurred_on=practice_today()), therapist)
    lifecycle.save_draft(note, {"focus": "First words"}, 1, therapist)  # now at version 2
    db.session.commit()
    return note


def conflict_copies(note) -> int:
    return db.session.scalar(select(func.count()).select_from(NoteRevision).where(
        NoteRevision.note_id == note.id, NoteRevision.reason == "conflict"))


def stale_save(note, user, text: str):
    lifecycle.save_draft(note, {"focus": text}, 1, user)


def test_stale_saves_keep_copies_up_to_the_cap_then_refuse(note, therapist):
    for n in range(lifecycle.MAX_OPEN_CONFLICTS):
        with pytest.raises(lifecycle.StaleVersion):
            stale_save(note, therapist, f"{BIG} {n}")
        db.session.commit()
    with pytest.raises(lifecycle.TooManyConflicts) as full:
        stale_save(note, therapist, f"{BIG} one more")
    db.session.rollback()
    assert conflict_copies(note) == lifecycle.MAX_OPEN_CONFLICTS
    assert full.value.latest.content["focus"].endswith(f" {lifecycle.MAX_OPEN_CONFLICTS - 1}")
    assert "not stored" in full.value.message and "Compare the versions" in full.value.message


def test_the_same_stale_text_again_is_kept_once(note, therapist):
    for _ in range(5):
        with pytest.raises(lifecycle.StaleVersion) as stale:
            stale_save(note, therapist, BIG)
        db.session.commit()
    assert conflict_copies(note) == 1
    assert stale.value.revision.content["focus"] == BIG


def test_saving_the_draft_settles_the_copies_so_new_ones_are_kept_again(note, therapist):
    for n in range(lifecycle.MAX_OPEN_CONFLICTS):
        with pytest.raises(lifecycle.StaleVersion):
            stale_save(note, therapist, f"words {n}")
        db.session.commit()
    lifecycle.save_draft(note, {"focus": "The version I chose"}, note.version, therapist)
    db.session.commit()
    with pytest.raises(lifecycle.StaleVersion):
        stale_save(note, therapist, "a later stale tab")
    db.session.commit()
    assert conflict_copies(note) == lifecycle.MAX_OPEN_CONFLICTS + 1


def test_the_editor_is_told_to_compare_and_keeps_its_copy(client, auth, note, therapist):
    auth.login(therapist)
    url = f"/clients/{note.client_id}/notes/{note.id}/autosave"
    json = {"Accept": "application/json"}
    for n in range(lifecycle.MAX_OPEN_CONFLICTS):
        assert client.post(url, data={"version": 1, "focus": f"words {n}"}, headers=json).status_code == 409
    response = client.post(url, data={"version": 1, "focus": "one more"}, headers=json)
    answer = response.get_json()
    assert response.status_code == 409 and answer["error"] == "conflicts-full"
    assert answer["conflict_url"].startswith(f"/clients/{note.client_id}/notes/{note.id}?conflict=")
    assert "Compare the versions" in answer["message"]
    assert conflict_copies(note) == lifecycle.MAX_OPEN_CONFLICTS

    page = client.post(url, data={"version": 1, "focus": "no script"})
    assert page.status_code == 409 and "Compare the versions" in page.get_data(as_text=True)


def test_a_section_over_the_limit_says_by_how_much(client, auth, note, therapist):
    auth.login(therapist)
    too_long = "a" * (sections.MAX_SECTION_CHARS + 1_234)
    response = client.post(f"/clients/{note.client_id}/notes/{note.id}/autosave",
                           data={"version": note.version, "focus": too_long}, headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert "1,234 characters over the limit" in response.get_json()["message"]
    assert "reload" not in response.get_json()["message"].lower()


def test_the_editor_knows_the_request_limit_to_count_what_is_over(client, auth, note, therapist, app):
    auth.login(therapist)
    page = client.get(f"/clients/{note.client_id}/notes/{note.id}").get_data(as_text=True)
    assert f'data-max-request-bytes="{app.config["MAX_CONTENT_LENGTH"]}"' in page
