"""Undo for mistakes: a draft started by mistake is discarded (and restored), an insight added by
mistake is removed from a draft or retracted from a signed note, and each offers a short Undo."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.clock import utcnow
from integration.extensions import db
from integration.notes import lifecycle
from integration.notes.models import Insight, Note
from tests.factories import (ClientFactory, DosingSessionFactory, InsightFactory, NoteFactory, PlanFactory,
                             PlanItemFactory, UserFactory)


@pytest.fixture
def person(therapist):
    return ClientFactory.for_team(therapist, first_name="Rowan", last_name="Tessly")


@pytest.fixture
def debrief(person, therapist):
    """The empty debrief "Start the debrief" made at once, by mistake."""
    session = DosingSessionFactory(client=person, number=1)
    note = lifecycle.start(Note(client_id=person.id, kind="debrief", occurred_on=session.started_at.date(),
                                dosing_session_id=session.id), therapist)
    db.session.commit()
    return note


def notes_url(note, action=""):
    return f"/clients/{note.client_id}/notes" + (f"/{note.id}/{action}" if action else "")


def actions(note) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "note", AuditEvent.object_id == note.id).order_by(AuditEvent.id)))


# --- discarding a draft --------------------------------------------------------------------------

def test_the_author_discards_a_draft_and_the_next_page_offers_undo(signed_in, debrief, person):
    answer = signed_in.post(notes_url(debrief, "discard"), data={"version": debrief.version})
    assert answer.status_code == 303 and answer.location.endswith(f"/clients/{person.id}/sessions")
    db.session.refresh(debrief)
    assert debrief.status == "discarded" and debrief.discarded_at is not None
    assert [r.reason for r in debrief.revisions] == ["discarded"], "the draft is kept as a revision"
    assert "discard" in actions(debrief)

    page = signed_in.get(answer.location).get_data(as_text=True)
    assert "is discarded" in page
    assert f'action="/clients/{person.id}/notes/{debrief.id}/restore"' in page, "an Undo form that restores it"
    assert 'name="csrf_token"' in page
    assert "Discarded drafts (1)" in page
    again = signed_in.get(answer.location).get_data(as_text=True)
    assert "is discarded" not in again, "the Undo is offered once, right after"


def test_a_discarded_draft_is_out_of_the_record(signed_in, debrief, person):
    signed_in.post(notes_url(debrief, "discard"), data={"version": debrief.version})
    assert signed_in.get(notes_url(debrief) + f"/{debrief.id}").status_code == 404
    overview = signed_in.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "Unsigned" not in overview and f"/notes/{debrief.id}" not in overview, "not in needs attention"
    assert "Start the debrief" in signed_in.get(f"/clients/{person.id}/sessions").get_data(as_text=True), \
        "the session is without a debrief again"


def test_undo_restores_the_draft_as_it_was(signed_in, debrief, therapist):
    lifecycle.save_draft(debrief, {"next_steps": "Words typed before the slip"}, debrief.version, therapist)
    db.session.commit()
    signed_in.post(notes_url(debrief, "discard"), data={"version": debrief.version})
    answer = signed_in.post(notes_url(debrief, "restore"))
    assert answer.status_code == 303 and answer.location.endswith(f"/notes/{debrief.id}")
    db.session.refresh(debrief)
    assert debrief.status == "draft" and debrief.discarded_at is None
    assert debrief.content["next_steps"] == "Words typed before the slip"
    assert actions(debrief)[-2:] == ["discard", "restore"]
    assert signed_in.get(answer.location).status_code == 200


def test_only_the_author_discards(client, auth, person, debrief, practice):
    colleague = UserFactory(practice=practice, name="Colleague")
    from integration.clients.models import CareTeamMember
    db.session.add(CareTeamMember(client_id=person.id, user_id=colleague.id))
    db.session.commit()
    auth.login(colleague)
    answer = client.post(notes_url(debrief, "discard"), data={"version": debrief.version})
    assert answer.status_code == 403
    db.session.refresh(debrief)
    assert debrief.status == "draft"


def test_a_discard_based_on_an_older_version_is_refused(signed_in, debrief, therapist):
    seen = debrief.version
    lifecycle.save_draft(debrief, {"next_steps": "Saved in another tab"}, seen, therapist)
    db.session.commit()
    answer = signed_in.post(notes_url(debrief, "discard"), data={"version": seen})
    assert answer.status_code == 409 and "changed since" in answer.get_data(as_text=True)
    db.session.refresh(debrief)
    assert debrief.status == "draft"


def test_a_signed_note_cannot_be_discarded(signed_in, person, therapist):
    note = NoteFactory.signed(client=person, author=therapist)
    answer = signed_in.post(notes_url(note, "discard"), data={"version": note.version})
    assert answer.status_code == 409
    assert db.session.get(Note, note.id).status == "signed"


def test_the_discarded_list_is_the_authors_own_for_thirty_days(signed_in, client, auth, debrief, person,
                                                                therapist, practice):
    signed_in.post(notes_url(debrief, "discard"), data={"version": debrief.version})
    listing = signed_in.get(f"/clients/{person.id}/notes/discarded").get_data(as_text=True)
    assert "Post-session debrief" in listing and f"/notes/{debrief.id}/restore" in listing

    debrief.discarded_at = utcnow() - timedelta(days=31)
    db.session.commit()
    listing = signed_in.get(f"/clients/{person.id}/notes/discarded").get_data(as_text=True)
    assert f"/notes/{debrief.id}/restore" not in listing, "after 30 days it is no longer offered"
    assert signed_in.post(notes_url(debrief, "restore")).status_code == 404
    assert db.session.get(Note, debrief.id).status == "discarded", "kept in the database (no purge)"


def test_someone_else_cannot_restore_or_list_a_discarded_draft(client, auth, debrief, person, practice, therapist):
    lifecycle.discard(debrief, therapist, debrief.version)
    db.session.commit()
    colleague = UserFactory(practice=practice, name="Colleague")
    from integration.clients.models import CareTeamMember
    db.session.add(CareTeamMember(client_id=person.id, user_id=colleague.id))
    db.session.commit()
    auth.login(colleague)
    assert client.post(notes_url(debrief, "restore")).status_code == 404
    assert f"/notes/{debrief.id}" not in client.get(f"/clients/{person.id}/notes/discarded").get_data(as_text=True)


def test_a_discarded_draft_is_out_of_search_and_its_insights_out_of_plans(signed_in, person, therapist):
    note = NoteFactory(client=person, author=therapist, text="marigoldish morning")
    insight = InsightFactory(note=note, text="marigoldish insight", client_words="marigoldish words",
                             shared_with_coach=True)
    plan = PlanFactory(client=person)
    before = signed_in.get("/search?q=marigoldish").get_data(as_text=True)
    assert 'Notes <span class="muted">(1)' in before and 'Insights <span class="muted">(1)' in before
    assert "marigoldish" in signed_in.get(
        f"/clients/{person.id}/plans/{plan.id}/items/new").get_data(as_text=True), "found before the discard"
    lifecycle.discard(note, therapist, note.version)
    db.session.commit()
    found = signed_in.get("/search?q=marigoldish").get_data(as_text=True)
    assert "Nothing matches" in found
    form = signed_in.get(f"/clients/{person.id}/plans/{plan.id}/items/new").get_data(as_text=True)
    assert "marigoldish" not in form


def test_saving_a_discarded_draft_is_refused_and_the_text_kept(debrief, therapist, app):
    seen = debrief.version
    lifecycle.discard(debrief, therapist, seen)
    db.session.commit()
    with pytest.raises(lifecycle.NoteDiscarded):
        lifecycle.save_draft(debrief, {"next_steps": "late"}, seen, therapist)
    with pytest.raises(lifecycle.NoteDiscarded):
        lifecycle.sign(debrief, therapist, debrief.version)


def test_a_circle_note_discarded_lets_write_note_start_afresh(signed_in, person, therapist):
    from tests.factories import AttendanceFactory, GroupSeriesFactory, GroupSessionFactory
    series = GroupSeriesFactory.run_by(therapist)
    attendance = AttendanceFactory(client=person, group_session=GroupSessionFactory(series=series))
    note = NoteFactory.for_attendance(attendance, therapist, signed=False)
    signed_in.post(notes_url(note, "discard"), data={"version": note.version})
    answer = signed_in.post(f"/clients/{person.id}/groups/sessions/{attendance.group_session_id}/note")
    assert answer.status_code == 303 and not answer.location.endswith(f"/notes/{note.id}")
    assert db.session.get(Note, note.id).status == "discarded"


# --- removing and retracting insights -----------------------------------------------------------

def insight_url(insight, action):
    return f"/clients/{insight.client_id}/insights/{insight.id}/{action}"


def test_an_insight_added_twice_is_removed_from_a_draft_and_the_undo_brings_it_back(signed_in, person, therapist):
    note = NoteFactory(client=person, author=therapist, kind="debrief")
    kept = InsightFactory(note=note, text="Felt held by the music")
    twice = InsightFactory(note=note, text="Felt held by the music")
    answer = signed_in.post(insight_url(twice, "remove"))
    assert answer.status_code == 302
    page = signed_in.get(answer.location).get_data(as_text=True)
    assert page.count("Felt held by the music") == 1
    assert f'action="{insight_url(twice, "undo")}"' in page, "an Undo right after"
    assert db.session.get(Insight, twice.id).removed_at is not None

    signed_in.post(insight_url(twice, "undo"))
    assert signed_in.get(answer.location).get_data(as_text=True).count("Felt held by the music") == 2
    assert kept.id != twice.id


def test_a_signed_notes_insight_is_retracted_with_a_reason_not_removed(signed_in, person, therapist):
    note = NoteFactory.signed(client=person, author=therapist)
    insight = InsightFactory(note=note, text="Said twice by mistake", client_words="my words here",
                             shared_with_coach=True)
    assert signed_in.post(insight_url(insight, "remove")).status_code == 302
    assert db.session.get(Insight, insight.id).removed_at is None, "a signed note's insight is not removed"

    signed_in.post(insight_url(insight, "retract"), data={"reason": ""})
    assert db.session.get(Insight, insight.id).retracted_at is None, "the reason is required"

    signed_in.post(insight_url(insight, "retract"), data={"reason": "Recorded twice"})
    db.session.refresh(insight)
    assert insight.retracted_at is not None and insight.retraction_reason == "Recorded twice"
    page = signed_in.get(f"/clients/{person.id}/notes/{note.id}").get_data(as_text=True)
    assert "<del>" in page and "Recorded twice" in page, "shown struck through, with the reason"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retract"))
    assert "Recorded twice" not in event.detail and "Said twice" not in event.detail


def test_a_retracted_insight_leaves_the_plan_builder_and_the_clients_plan(signed_in, person, therapist):
    from integration.plans.assemble import client_facing_insights
    note = NoteFactory.signed(client=person, author=therapist)
    insight = InsightFactory(note=note, client_words="I can rest", shared_with_coach=True,
                             words_confirmed_by_id=therapist.id, words_confirmed_at=utcnow())
    plan = PlanFactory(client=person)
    item = PlanItemFactory(plan=plan, insights=[insight])
    assert client_facing_insights(item) == [insight]
    signed_in.post(insight_url(insight, "retract"), data={"reason": "Recorded twice"})
    db.session.refresh(item)
    assert client_facing_insights(item) == []
    form = signed_in.get(f"/clients/{person.id}/plans/{plan.id}/items/new").get_data(as_text=True)
    assert "I can rest" not in form


def test_the_undo_of_a_retraction_is_short(signed_in, person, therapist):
    note = NoteFactory.signed(client=person, author=therapist)
    insight = InsightFactory(note=note)
    signed_in.post(insight_url(insight, "retract"), data={"reason": "Recorded twice"})
    insight.retracted_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    signed_in.post(insight_url(insight, "undo"))
    assert db.session.get(Insight, insight.id).retracted_at is not None
