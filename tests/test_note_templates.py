"""Note templates (issue 16.7): an admin writes prompts and starting text for a kind of note; a clinician
starts a note from one; the note keeps the version it began with; coaches see only coaching templates."""
import pytest
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.extensions import db
from integration.notes import templates
from integration.notes.models import Note, NoteTemplate
from tests.factories import ClientFactory, DosingSessionFactory, PracticeFactory, UserFactory, practice_today

FIRST = {"name": "First debrief", "prompt_experience": "Their first words after the session.",
         "start_next_steps": "Check-in call within 48 hours."}


@pytest.fixture
def as_admin(client, auth, admin):
    assert auth.login(admin).status_code == 302
    return client


def _template(practice, user, kind="debrief", name="First debrief", **given):
    given = given or {"experience": {"prompt": "Their first words after the session."},
                      "next_steps": {"start": "Check-in call within 48 hours."}}
    template = templates.create(practice.id, kind, name, given, user)
    db.session.commit()
    return template


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.object_type == "notetemplate")).all()


def test_an_admin_creates_edits_and_archives_a_template(as_admin, admin):
    assert as_admin.get("/settings/note-templates").status_code == 200
    page = as_admin.get("/settings/note-templates/new?kind=debrief").get_data(as_text=True)
    assert "The experience, in the client" in page and "Starting text" in page
    assert 'name="prompt_safety"' not in page and 'name="prompt_emotions"' not in page  # their own fields
    response = as_admin.post("/settings/note-templates/new?kind=debrief", data=FIRST)
    assert response.status_code == 302
    template = db.session.scalar(select(NoteTemplate))
    assert template.kind == "debrief" and template.current.number == 1
    assert template.current.sections == {"experience": {"prompt": "Their first words after the session.", "start": ""},
                                         "next_steps": {"prompt": "", "start": "Check-in call within 48 hours."}}
    assert len(_events("create")) == 1

    changed = {**FIRST, "name": "First debrief (short)", "prompt_body": "Where in the body?"}
    assert as_admin.post(f"/settings/note-templates/{template.id}", data=changed).status_code == 302
    db.session.refresh(template)
    assert [v.number for v in template.versions] == [1, 2] and template.name == "First debrief (short)"
    assert template.versions[0].name == "First debrief"  # the first version is kept as it was
    as_admin.post(f"/settings/note-templates/{template.id}", data=changed)  # nothing changed: no version 3
    db.session.refresh(template)
    assert len(template.versions) == 2 and len(_events("change")) == 1

    assert as_admin.post(f"/settings/note-templates/{template.id}/archive", data={"archived": "1"}).status_code == 302
    db.session.refresh(template)
    assert template.archived_at is not None and len(_events("archive")) == 1
    assert as_admin.post(f"/settings/note-templates/{template.id}/archive", data={"archived": "0"}).status_code == 302
    db.session.refresh(template)
    assert template.archived_at is None and len(_events("restore")) == 1
    log = as_admin.get("/audit/").get_data(as_text=True)
    assert "the note template “First debrief (short)” (post-session debrief)" in log


def test_sizes_are_checked_and_the_typed_text_kept(as_admin):
    response = as_admin.post("/settings/note-templates/new?kind=debrief",
                             data={"name": "", "prompt_body": "x" * 501, "start_imagery": "kept words"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the template a name." in page and "kept words" in page
    assert "at most 500" in page.lower() or "longer than 500" in page.lower()
    assert db.session.scalar(select(NoteTemplate)) is None
    assert as_admin.get("/settings/note-templates/new?kind=process").status_code == 404
    assert as_admin.get("/settings/note-templates/new?kind=group").status_code == 404


@pytest.mark.parametrize("role", ["therapist", "coach"])
def test_only_admins_manage_templates(client, auth, practice, admin, role):
    template = _template(practice, admin)
    user = UserFactory(practice=practice, role=role)
    auth.login(user)
    for url in ("/settings/note-templates", "/settings/note-templates/new?kind=debrief",
                f"/settings/note-templates/{template.id}"):
        assert client.get(url).status_code == 404
    assert client.post(f"/settings/note-templates/{template.id}/archive", data={"archived": "1"}).status_code == 404


def test_another_practice_template_is_404(as_admin):
    other = PracticeFactory()
    template = _template(other, UserFactory(practice=other, role="admin"))
    assert as_admin.get(f"/settings/note-templates/{template.id}").status_code == 404
    assert as_admin.post(f"/settings/note-templates/{template.id}/archive", data={"archived": "1"}).status_code == 404


def test_a_clinicians_new_note_shows_the_prompts_and_starting_text(signed_in, practice, admin, therapist):
    template = _template(practice, admin)
    person = ClientFactory.for_team(therapist)
    session = DosingSessionFactory(client=person, number=1)
    page = signed_in.get(f"/clients/{person.id}/notes/new?kind=debrief").get_data(as_text=True)
    assert "First debrief" in page and 'name="template_id"' in page
    response = signed_in.post(f"/clients/{person.id}/notes/new", data={
        "kind": "debrief", "session_id": session.id, "occurred_on": practice_today().isoformat(),
        "template_id": template.id})
    assert response.status_code == 302
    note = db.session.scalar(select(Note))
    assert note.template_version_id == template.current.id
    assert note.content["next_steps"] == "Check-in call within 48 hours." and note.content["experience"] == ""
    page = signed_in.get(response.location).get_data(as_text=True)
    assert "Their first words after the session." in page  # the template's prompt, not the kind's hint
    assert "Where in the body, what it felt like" in page  # a section the template leaves keeps its own
    assert "Check-in call within 48 hours." in page and "from the template “First debrief” (version 1)" in page

    # A later version or archiving never changes the note already started.
    templates.save(template, "First debrief", {"experience": {"prompt": "Something else entirely."}}, admin)
    templates.set_archived(template, True)
    db.session.commit()
    page = signed_in.get(response.location).get_data(as_text=True)
    assert "Their first words after the session." in page and "Something else entirely." not in page
    # ...and an archived template is no longer offered.
    page = signed_in.get(f"/clients/{person.id}/notes/new?kind=debrief").get_data(as_text=True)
    assert '<select id="template_id"' not in page and "First debrief" not in page


def test_the_last_template_of_a_kind_is_picked_again(signed_in, practice, admin, therapist):
    template = _template(practice, admin)
    person = ClientFactory.for_team(therapist)
    session = DosingSessionFactory(client=person, number=1)
    page = signed_in.get(f"/clients/{person.id}/notes/new?kind=debrief").get_data(as_text=True)
    assert '<option selected value="0">None</option>' in page
    signed_in.post(f"/clients/{person.id}/notes/new", data={
        "kind": "debrief", "session_id": session.id, "occurred_on": practice_today().isoformat(),
        "template_id": template.id})
    page = signed_in.get(f"/clients/{person.id}/notes/new?kind=debrief").get_data(as_text=True)
    assert f'<option selected value="{template.id}">First debrief</option>' in page


def test_a_template_of_another_kind_is_refused_at_the_field(signed_in, practice, admin, therapist):
    template = _template(practice, admin, kind="integration", name="Week one")
    person = ClientFactory.for_team(therapist)
    session = DosingSessionFactory(client=person, number=1)
    response = signed_in.post(f"/clients/{person.id}/notes/new", data={
        "kind": "debrief", "session_id": session.id, "occurred_on": practice_today().isoformat(),
        "template_id": template.id})
    assert response.status_code == 422
    assert "This template is for another kind of note." in response.get_data(as_text=True)
    assert db.session.scalar(select(Note)) is None


def test_a_coach_sees_and_uses_only_coaching_templates(client, auth, practice, admin, coach):
    clinical = _template(practice, admin)
    coaching = _template(practice, admin, kind="coaching", name="Coaching check-in",
                         focus={"prompt": "The one thing today."})
    person = ClientFactory.for_team(coach)
    auth.login(coach)
    page = client.get(f"/clients/{person.id}/notes/new").get_data(as_text=True)
    assert "Coaching check-in" in page and "First debrief" not in page
    response = client.post(f"/clients/{person.id}/notes/new", data={
        "kind": "coaching", "session_id": 0, "occurred_on": practice_today().isoformat(), "template_id": clinical.id})
    assert response.status_code == 422 and db.session.scalar(select(Note)) is None
    response = client.post(f"/clients/{person.id}/notes/new", data={
        "kind": "coaching", "session_id": 0, "occurred_on": practice_today().isoformat(), "template_id": coaching.id})
    assert response.status_code == 302
    assert "The one thing today." in client.get(response.location).get_data(as_text=True)


def test_the_demo_practice_has_templates(runner, app):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    kinds = {t.kind for t in db.session.scalars(select(NoteTemplate))}
    assert kinds == {"debrief", "integration", "coaching"}
    count = len(db.session.scalars(select(NoteTemplate)).all())
    runner.invoke(args=["demo-data"])
    assert len(db.session.scalars(select(NoteTemplate)).all()) == count


def test_an_admin_without_clinical_access_starts_no_note_from_a_template(client, auth, practice, admin):
    template = _template(practice, admin)
    person = ClientFactory.for_team(UserFactory(practice=practice, role="therapist"))
    auth.login(admin)
    assert client.get(f"/clients/{person.id}/notes/new").status_code == 404
    assert client.post(f"/clients/{person.id}/notes/new", data={
        "kind": "debrief", "session_id": 0, "occurred_on": practice_today().isoformat(),
        "template_id": template.id}).status_code == 404
    assert db.session.scalar(select(Note)) is None
