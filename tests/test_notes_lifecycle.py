"""The note lifecycle as plain functions: versioned saves, conflicts, signing, addenda."""
import pytest
from sqlalchemy import select, text

from integration.extensions import db
from integration.notes import lifecycle, sections
from integration.notes.models import NoteRevision
from tests.factories import ClientFactory, NoteFactory, UserFactory, debrief_content


def fields(**overrides) -> dict:
    """The editor's form fields of a filled-in debrief, with these changed."""
    return sections.fields_from_content("debrief", debrief_content(**overrides))


@pytest.fixture
def note(therapist):
    person = ClientFactory.for_team(therapist)
    return NoteFactory(client=person, author=therapist, kind="debrief")


def test_a_save_on_the_current_version_is_kept_and_bumps_the_version(note, therapist):
    changed = lifecycle.save_draft(note, fields(body="Buzzing hands"), 1, therapist)
    assert changed and note.version == 2
    assert note.content["body"] == "Buzzing hands"
    assert "buzzing hands" in note.search_text
    assert note.updated_by_id == therapist.id


def test_saving_the_same_text_again_changes_nothing(note, therapist):
    assert lifecycle.save_draft(note, sections.fields_from_content("debrief", note.content), 1, therapist) is False
    assert note.version == 1


def test_search_text_follows_every_section(note, therapist):
    lifecycle.save_draft(note, fields(**{"safety-plan": "Call Thursday", "emotion-awe": "5"}), 1, therapist)
    assert "call thursday" in note.search_text
    assert "awe, wonder" in note.search_text
    assert note.search_text == note.search_text.lower()


def test_a_stale_save_is_refused_and_both_texts_are_kept(note, therapist, practice):
    colleague = UserFactory(practice=practice)
    lifecycle.save_draft(note, fields(experience="Mine: the lake"), 1, therapist)
    db.session.commit()
    with pytest.raises(lifecycle.StaleVersion) as refused:
        lifecycle.save_draft(note, fields(experience="Theirs: the forest"), 1, colleague)
    db.session.commit()
    assert note.content["experience"] == "Mine: the lake"
    assert note.version == 2
    kept = db.session.scalars(select(NoteRevision).where(NoteRevision.note_id == note.id)).all()
    assert [(r.reason, r.based_on_version, r.content["experience"], r.saved_by_id) for r in kept] == [
        ("conflict", 1, "Theirs: the forest", colleague.id)]
    assert refused.value.revision.id == kept[0].id


def test_text_over_the_limit_is_refused_and_the_draft_stays(note, therapist):
    before = dict(note.content)
    too_long = "a" * (sections.MAX_SECTION_CHARS + 1)
    with pytest.raises(lifecycle.Invalid) as refused:
        lifecycle.save_draft(note, fields(body=too_long), 1, therapist)
    assert "100,001 characters" in refused.value.errors["body"]
    assert note.content == before and note.version == 1


def test_text_at_the_limit_is_fine(note, therapist):
    assert lifecycle.save_draft(note, fields(body="a" * sections.MAX_SECTION_CHARS), 1, therapist)


def test_the_hash_is_stable_and_canonical():
    a = {"experience": "Ünïcode ✓", "emotions": {"picked": {"joy": 2, "awe": 5}, "text": ""}}
    b = {"emotions": {"text": "", "picked": {"awe": 5, "joy": 2}}, "experience": "Ünïcode ✓"}
    assert lifecycle.content_hash(a) == lifecycle.content_hash(b)
    assert len(lifecycle.content_hash(a)) == 64
    assert lifecycle.content_hash(a) != lifecycle.content_hash({**a, "experience": "Unicode ✓"})
    # Fixed for all time: the same content must give the same hash in every release.
    assert lifecycle.canonical_json({"b": "é", "a": 1}) == '{"a":1,"b":"é"}'
    assert lifecycle.content_hash({"b": "é", "a": 1}) == \
        "09ad9fd2fb648cb2f62141215828ea00a62c299db05d20aa9ade2f527a301cc6"


def test_signing_locks_the_note_with_its_hash(note, therapist):
    lifecycle.sign(note, therapist, 1)
    db.session.commit()
    assert note.status == "signed" and note.signed_by_id == therapist.id and note.signed_at
    assert note.content_hash == lifecycle.content_hash(note.content)
    assert lifecycle.hash_matches(note)
    (revision,) = note.revisions
    assert revision.reason == "signed" and revision.content == note.content
    with pytest.raises(lifecycle.NoteLocked):
        lifecycle.save_draft(note, fields(body="later"), note.version, therapist)
    with pytest.raises(lifecycle.NoteLocked):
        lifecycle.sign(note, therapist, note.version)
    assert "later" not in str(note.content)


def test_a_changed_signed_text_no_longer_matches_its_hash(note, therapist):
    lifecycle.sign(note, therapist, 1)
    note.content = {**note.content, "body": "edited behind the app's back"}
    assert not lifecycle.hash_matches(note)


def test_signing_an_outdated_view_is_refused(note, therapist):
    lifecycle.save_draft(note, fields(body="new"), 1, therapist)
    with pytest.raises(lifecycle.StaleVersion):
        lifecycle.sign(note, therapist, 1)
    assert note.status == "draft"


def test_an_empty_note_cannot_be_signed(therapist):
    person = ClientFactory.for_team(therapist)
    empty = NoteFactory(client=person, author=therapist, kind="debrief",
                        content=sections.content_from_fields("debrief", {})[0])
    with pytest.raises(lifecycle.Invalid):
        lifecycle.sign(empty, therapist, 1)


def test_addenda_only_on_signed_notes_with_reason_and_text(note, therapist):
    with pytest.raises(lifecycle.Invalid) as refused:
        lifecycle.add_addendum(note, therapist, "correction", "text")
    assert "still a draft" in refused.value.errors["note"]
    lifecycle.sign(note, therapist, 1)
    with pytest.raises(lifecycle.Invalid) as refused:
        lifecycle.add_addendum(note, therapist, "  ", "")
    assert set(refused.value.errors) == {"reason", "text"}
    with pytest.raises(lifecycle.Invalid):
        lifecycle.add_addendum(note, therapist, "x" * 301, "text")
    signed_hash = note.content_hash
    addendum = lifecycle.add_addendum(note, therapist, "Client called", "She slept well for the first time.")
    db.session.commit()
    assert addendum.author_id == therapist.id and addendum.created_at
    assert note.addenda == [addendum]
    assert note.content_hash == signed_hash and lifecycle.hash_matches(note)


def test_only_the_author_signs(note, therapist, practice):
    from tests.factories import UserFactory

    colleague = UserFactory(practice=practice)
    with pytest.raises(lifecycle.NotAuthor, match=therapist.name):
        lifecycle.sign(note, colleague, 1)
    assert note.status == "draft"


def test_signing_moves_the_version_on_so_a_save_that_read_the_draft_cannot_land(note, therapist):
    lifecycle.sign(note, therapist, 1)
    db.session.commit()
    assert note.version == 2
    with pytest.raises(lifecycle.NoteLocked):
        lifecycle.save_draft(note, fields(body="typed before the signature"), 1, therapist)


def _meanwhile(sql: str, **values) -> None:
    """Another request's change, committed on its own connection between our read and our write."""
    with db.engine.begin() as connection:
        connection.execute(text(sql), values)


def test_a_save_that_loses_the_race_is_kept_as_a_conflict(note, therapist):
    assert note.version == 1  # read
    _meanwhile("UPDATE note SET version = 2 WHERE id = :id", id=note.id)  # another save landed
    with pytest.raises(lifecycle.StaleVersion) as lost:
        lifecycle.save_draft(note, fields(body="Mine, typed at the same moment"), 1, therapist)
    db.session.commit()
    assert lost.value.revision.reason == "conflict"
    assert lost.value.revision.content["body"] == "Mine, typed at the same moment"
    assert db.session.get(type(note), note.id).version == 2


def test_a_signature_that_loses_the_race_is_refused_and_nothing_is_signed(note, therapist):
    assert note.version == 1
    _meanwhile("UPDATE note SET version = 2 WHERE id = :id", id=note.id)
    with pytest.raises(lifecycle.StaleVersion):
        lifecycle.sign(note, therapist, 1)
    db.session.commit()
    assert note.status == "draft" and note.content_hash is None
    assert db.session.scalars(select(NoteRevision).where(NoteRevision.reason == "signed")).all() == []


def test_a_save_racing_a_signature_finds_the_note_locked(note, therapist):
    assert note.version == 1
    _meanwhile("UPDATE note SET version = 2, status = 'signed' WHERE id = :id", id=note.id)
    with pytest.raises(lifecycle.NoteLocked):
        lifecycle.save_draft(note, fields(body="Too late"), 1, therapist)
