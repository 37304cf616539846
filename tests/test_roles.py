"""Roles by minimum necessary, rule by rule: co-signatures, break-glass, care-team changes, coaching
notes, sharing with the coach, the team page's roles and its one-time notice, the demo practice.

(What each role may read of a record, page by page and word by word, is tests/test_roles_privacy.py.)
"""
from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.auth.models import Practice, User
from integration.clients.models import BreakGlass, CareTeamMember
from integration.clock import utcnow
from integration.extensions import db
from integration.notes import lifecycle
from integration.notes.models import Note
from tests.factories import ClientFactory, GoalFactory, NoteFactory, UserFactory, practice_today


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def supervisor(practice):
    return UserFactory(practice=practice, role="therapist", profession="therapist", name="Ines Calloway")


@pytest.fixture
def associate(practice, supervisor):
    return UserFactory(practice=practice, role="therapist", profession="therapist", name="Sam Reyes",
                       credentials="AMFT", supervisor_id=supervisor.id)


@pytest.fixture
def shared_client(supervisor, associate):
    return ClientFactory.for_team(supervisor, associate, first_name="Maribel", last_name="Ostrander")


# --- supervision: a pre-licensed clinician's signed notes wait for the supervisor's co-signature ---

def test_a_pre_licensed_clinicians_signed_note_waits_for_the_supervisor(client, auth, associate, supervisor,
                                                                        shared_client):
    note = NoteFactory.signed(client=shared_client, author=associate)
    assert note.cosigner_id == supervisor.id and note.awaits_cosignature
    auth.login(associate)
    page = client.get(f"/clients/{shared_client.id}/notes/{note.id}").get_data(as_text=True)
    assert "Waiting for a co-signature" in page and "Co-sign as supervisor" not in page
    overview = client.get(f"/clients/{shared_client.id}").get_data(as_text=True)
    assert "waits for a co-signature" in overview


def test_only_the_supervisor_co_signs_once_audited_and_the_note_shows_both(client, auth, practice, associate,
                                                                           supervisor, shared_client):
    note = NoteFactory.signed(client=shared_client, author=associate)
    colleague = UserFactory(practice=practice, role="therapist", profession="nurse")
    db.session.add(CareTeamMember(client_id=shared_client.id, user_id=colleague.id))
    db.session.commit()
    url = f"/clients/{shared_client.id}/notes/{note.id}/cosign"
    for someone_else in (associate, colleague):
        auth.login(someone_else)
        assert client.post(url).status_code == 403
        auth.logout()
    auth.login(supervisor)
    assert "Co-sign as supervisor" in client.get(f"/clients/{shared_client.id}/notes/{note.id}").get_data(as_text=True)
    assert client.post(url).status_code == 303
    assert client.post(url).status_code == 409  # once
    db.session.refresh(note)
    assert note.cosigned_at is not None and lifecycle.hash_matches(note)
    [event] = _events("cosign")
    assert (event.user_id, event.client_id, event.object_id) == (supervisor.id, shared_client.id, note.id)
    page = client.get(f"/clients/{shared_client.id}/notes/{note.id}").get_data(as_text=True)
    assert f"Signed by {associate.display_name}" in page and f"Co-signed by {supervisor.display_name}" in page


def test_the_supervisor_lists_what_waits_and_counts_what_they_cannot_open(client, auth, practice, associate,
                                                                          supervisor, shared_client):
    NoteFactory.signed(client=shared_client, author=associate, occurred_on=date(2026, 11, 2))
    elsewhere = ClientFactory.for_team(associate, first_name="Priya", last_name="Venkataram")
    NoteFactory.signed(client=elsewhere, author=associate)
    auth.login(supervisor)
    assert "Co-signatures waiting" in client.get("/clients/").get_data(as_text=True)
    page = client.get("/cosignatures").get_data(as_text=True)
    assert "Ostrander" in page and "Venkataram" not in page
    assert "1 more note waits for your co-signature" in page and "Ask your practice admin" in page


def test_process_notes_and_fully_licensed_authors_never_wait(shared_client, supervisor, associate):
    process = NoteFactory(client=shared_client, author=associate, kind="process", content={"text": "mine"},
                          search_text="mine")
    lifecycle.sign(process, associate, process.version)
    licensed = NoteFactory.signed(client=shared_client, author=supervisor)
    assert process.cosigner_id is None and licensed.cosigner_id is None


# --- break-glass: an admin opens one record, for an hour, with a reason the care team sees ------------

@pytest.fixture
def record(therapist, coach):
    person = ClientFactory.for_team(therapist, coach, first_name="Rowan", last_name="Tessly")
    debrief = NoteFactory.signed(client=person, author=therapist)
    process = NoteFactory(client=person, author=therapist, kind="process", content={"text": "only mine"},
                          search_text="only mine")
    return {"client": person, "debrief": debrief, "process": process}


def test_an_admin_sees_details_and_care_team_but_no_clinical_record(client, auth, admin, record):
    auth.login(admin)
    person = record["client"]
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "Emergency access (break-glass)" in page and "Timeline" not in page
    assert "Theo Therapist" in page  # the care team
    assert client.get(f"/clients/{person.id}/notes/{record['debrief'].id}").status_code == 404
    assert client.get(f"/clients/{person.id}/sessions").status_code == 404


def test_break_glass_needs_a_reason_opens_for_an_hour_audited_and_never_opens_process_notes(
        client, auth, admin, record):
    auth.login(admin)
    person = record["client"]
    refused = client.post(f"/clients/{person.id}/break-glass", data={"reason": "  "})
    assert refused.status_code == 422 and "Write the reason" in refused.get_data(as_text=True)
    assert db.session.scalar(select(BreakGlass)) is None
    assert client.post(f"/clients/{person.id}/break-glass", data={"reason": "Crisis call at night"}).status_code == 302
    [grant] = db.session.scalars(select(BreakGlass)).all()
    assert grant.expires_at - grant.opened_at == timedelta(hours=1) and grant.reason == "Crisis call at night"
    [event] = _events("break-glass")
    assert event.client_id == person.id and "Crisis call at night" in event.detail
    assert client.get(f"/clients/{person.id}/notes/{record['debrief'].id}").status_code == 200
    assert client.get(f"/clients/{person.id}/notes/{record['process'].id}").status_code == 404
    assert client.post(f"/clients/{person.id}/notes/{record['debrief'].id}/addenda",
                       data={"reason": "r", "text": "t"}).status_code == 404  # it reads; it never writes
    grant.opened_at, grant.expires_at = utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1)
    db.session.commit()
    assert client.get(f"/clients/{person.id}/notes/{record['debrief'].id}").status_code == 404  # time is up


def test_the_care_team_sees_who_broke_the_glass_and_why(client, auth, admin, coach, record):
    person = record["client"]
    auth.login(admin)
    client.post(f"/clients/{person.id}/break-glass", data={"reason": "Pharmacy called about a reaction"})
    auth.logout()
    auth.login(coach)
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "Emergency access to this record" in page and "Ada Admin" in page
    assert "Pharmacy called about a reaction" in page


@pytest.mark.parametrize("role", ["therapist", "coach"])
def test_only_an_admin_breaks_the_glass(client, auth, practice, record, role):
    member = UserFactory(practice=practice, role=role)
    db.session.add(CareTeamMember(client_id=record["client"].id, user_id=member.id))
    db.session.commit()
    auth.login(member)
    assert client.post(f"/clients/{record['client'].id}/break-glass", data={"reason": "x"}).status_code == 404


def test_an_admin_who_is_a_clinician_on_the_care_team_reads_as_a_clinician(client, auth, practice, record):
    clinician_admin = UserFactory(practice=practice, role="admin", profession="psychiatrist")
    db.session.add(CareTeamMember(client_id=record["client"].id, user_id=clinician_admin.id))
    db.session.commit()
    auth.login(clinician_admin)
    person = record["client"]
    assert client.get(f"/clients/{person.id}/notes/{record['debrief'].id}").status_code == 200
    assert "Emergency access (break-glass)" not in client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert client.get(f"/clients/{person.id}/notes/{record['process'].id}").status_code == 404


# --- care teams: admins change them; clinicians on the team too, when the practice allows it ----------

def test_clinicians_are_told_to_ask_their_admin_unless_the_practice_lets_them_add(client, auth, practice, admin,
                                                                                  therapist, coach, record):
    person, colleague = record["client"], UserFactory(practice=practice, role="therapist", name="Olive Marsh")
    auth.login(therapist)
    assert "ask your practice admin" in client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert client.post(f"/clients/{person.id}/care-team", data={"user_id": colleague.id}).status_code == 404
    auth.logout()

    auth.login(admin)
    assert client.post("/clients/care-team-setting", data={"clinicians_add_to_care_team": "y"}).status_code == 302
    assert db.session.get(Practice, practice.id).clinicians_add_to_care_team
    auth.logout()

    auth.login(therapist)
    assert "Olive Marsh" in client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert client.post(f"/clients/{person.id}/care-team", data={"user_id": colleague.id}).status_code == 302
    assert colleague.id in {m.user_id for m in db.session.get(type(person), person.id).care_team}
    assert any(f"added user {colleague.id}" in e.detail and e.user_id == therapist.id for e in _events("change"))
    auth.logout()

    auth.login(coach)  # the setting is for clinicians
    assert client.post(f"/clients/{person.id}/care-team", data={"user_id": admin.id}).status_code == 404


# --- coaching notes, and what a clinician shares with the coach ----------------------------------------

def test_a_coach_writes_and_signs_coaching_notes_and_nothing_else(client, auth, coach, therapist, record):
    person = record["client"]
    auth.login(coach)
    form = client.get(f"/clients/{person.id}/notes/new").get_data(as_text=True)
    assert 'value="coaching"' in form and 'value="debrief"' not in form and 'value="process"' not in form
    refused = client.post(f"/clients/{person.id}/notes/new", data={"kind": "integration", "session_id": 0,
                                                                   "occurred_on": practice_today().isoformat()})
    assert refused.status_code == 422
    started = client.post(f"/clients/{person.id}/notes/new", data={"kind": "coaching", "session_id": 0,
                                                                   "occurred_on": practice_today().isoformat()})
    note = db.session.scalar(select(Note).where(Note.kind == "coaching"))
    assert started.status_code == 302 and note.author_id == coach.id
    assert client.post(f"/clients/{person.id}/notes/{note.id}/autosave",
                       data={"version": 1, "focus": "Mornings", "practised": "Breath", "next_step": "Walk"}
                       ).status_code == 303
    assert client.post(f"/clients/{person.id}/notes/{note.id}/sign", data={"version": 2}).status_code == 303
    auth.logout()
    auth.login(therapist)  # clinicians read coaching notes; coaches write them
    assert "Mornings" in client.get(f"/clients/{person.id}/notes/{note.id}").get_data(as_text=True)


def test_a_sensitive_goal_reaches_the_coach_only_when_a_clinician_shares_it(client, auth, therapist, coach, record):
    person = record["client"]
    goal = GoalFactory(client=person, title="Stay sober through the holidays", sensitive=True)
    auth.login(coach)
    assert client.get(f"/clients/{person.id}/goals/{goal.id}").status_code == 404
    assert "Stay sober" not in client.get(f"/clients/{person.id}/goals").get_data(as_text=True)
    assert "sensitive" not in client.get(f"/clients/{person.id}/goals/new").get_data(as_text=True).lower()
    auth.logout()
    auth.login(therapist)
    assert client.post(f"/clients/{person.id}/goals/{goal.id}/edit", data={
        "title": goal.title, "life_area": "habits", "status": "active", "sensitive": "y", "shared_with_coach": "y",
    }).status_code == 302
    auth.logout()
    auth.login(coach)
    page = client.get(f"/clients/{person.id}/goals/{goal.id}")
    assert page.status_code == 200 and "Save check-in" not in page.get_data(as_text=True)  # shared to read
    assert client.post(f"/clients/{person.id}/goals/{goal.id}/edit", data={"title": "x"}).status_code == 404


# --- the team page: roles in words, clinicians' fields, the one-time notice --------------------------

def test_the_team_page_labels_clinicians_and_saves_profession_licence_and_supervisor(client, auth, admin,
                                                                                     practice, supervisor):
    auth.login(admin)
    assert client.post("/team/new", data={
        "name": "Noor Haddad", "email": "noor@practice.example", "role": "therapist", "profession": "nurse",
        "licence": "RN 889201 (CA)", "supervisor_id": supervisor.id, "credentials": "RN",
        "password": "violet harbor quiet engine", "confirm": "violet harbor quiet engine"}).status_code == 302
    noor = User.by_email("noor@practice.example")
    assert (noor.profession, noor.licence, noor.supervisor_id, noor.is_clinician) == (
        "nurse", "RN 889201 (CA)", supervisor.id, True)
    page = client.get("/team").get_data(as_text=True)
    assert "Clinician · pre-licensed" in page and "Nurse · RN 889201 (CA)" in page
    assert client.post(f"/team/{noor.id}/edit", data={
        "name": noor.name, "email": noor.email, "role": "coach", "profession": "nurse", "licence": "RN",
        "supervisor_id": supervisor.id, "credentials": ""}).status_code == 302
    db.session.refresh(noor)
    assert (noor.role, noor.profession, noor.supervisor_id, noor.is_clinician) == ("coach", "", None, False)


def test_a_practice_from_before_the_change_sees_the_notice_once(client, auth, admin, practice):
    practice.roles_notice_dismissed_at = None  # as the migration leaves existing practices
    db.session.commit()
    auth.login(admin)
    assert "each role sees what it needs" in client.get("/team").get_data(as_text=True)
    assert client.post("/team/roles-notice").status_code == 302
    assert "each role sees what it needs" not in client.get("/team").get_data(as_text=True)
    assert any("minimum necessary" in e.detail for e in _events("change"))


def test_a_new_practice_never_sees_the_notice(client, auth, admin):
    auth.login(admin)
    assert "each role sees what it needs" not in client.get("/team").get_data(as_text=True)


# --- the demo practice --------------------------------------------------------------------------------

def test_the_demo_coach_works_in_coaching_scope_and_the_demo_shows_each_rule(app, client, auth):
    from integration import demo
    from integration.clients.models import Client
    from integration.notes.models import Insight

    demo.load_demo()
    users = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
    rowan = db.session.scalar(select(Client).where(Client.first_name == "Rowan"))
    debrief = db.session.scalar(select(Note).where(Note.client_id == rowan.id, Note.kind == "debrief"))
    process = db.session.scalar(select(Note).where(Note.kind == "process"))
    assert process is not None and process.client_id == rowan.id and process.author_id == users["ines"].id
    waiting = db.session.scalar(select(Note).where(Note.cosigner_id.is_not(None)))
    assert waiting.author_id == users["sam"].id and waiting.cosigner_id == users["ines"].id

    client.post("/login", data={"email": "june@demo.integration.test", "password": "Willow-Stone-Kettle-19"})
    assert client.get(f"/clients/{rowan.id}/notes/{debrief.id}").status_code == 404
    overview = client.get(f"/clients/{rowan.id}").get_data(as_text=True)
    assert "Coaching note" in overview and "debrief" not in overview.lower()
    shared = db.session.scalars(select(Insight).where(Insight.client_id == rowan.id,
                                                      Insight.shared_with_coach.is_(True))).all()
    words = client.get(f"/clients/{rowan.id}/insights").get_data(as_text=True)
    assert shared and all(escape(i.client_words) in words and escape(i.text) not in words for i in shared)
    client.post("/logout")

    client.post("/login", data={"email": "admin@demo.integration.test", "password": "Lantern-Harbor-Morning-71"})
    assert client.get(f"/clients/{rowan.id}/notes/{debrief.id}").status_code == 404
    assert client.get(f"/clients/{rowan.id}/notes/{process.id}").status_code == 404


def test_a_page_the_matrix_refuses_leaves_no_view_row(client, auth, practice, therapist, coach):
    """The coach on the care team is refused the debrief (404), and the audit log does not say she opened it."""
    person = ClientFactory.for_team(therapist, coach)
    debrief = NoteFactory.signed(client=person, author=therapist, kind="debrief")
    auth.login(coach)
    assert client.get(f"/clients/{person.id}/notes/{debrief.id}").status_code == 404
    assert client.get(f"/clients/{person.id}").status_code == 200
    assert [e.detail.split()[0] for e in _events("view")] == ["clients.show"]
