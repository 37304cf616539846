"""Group circle pages: series, roster and waitlist, sessions, attendance, the group note, and the
client-scoped pages (a client's circle history, writing their individual note)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.clock import local_today, utcnow
from integration.extensions import db
from integration.groups.models import (Attendance, Enrollment, GroupNote, GroupNoteRevision, GroupSeries,
                                       GroupSession)
from integration.notes import lifecycle
from integration.notes.models import Note
from tests.factories import (AttendanceFactory, ClientFactory, EnrollmentFactory, GroupSeriesFactory,
                             GroupSessionFactory, NoteFactory, PlanFactory, PracticeFactory, UserFactory)


@pytest.fixture
def series(therapist):
    return GroupSeriesFactory.run_by(therapist, name="Tuesday evening circle", capacity=2)


@pytest.fixture
def meeting(series):
    return GroupSessionFactory(series=series, theme="The body remembers")


@pytest.fixture
def wren(therapist):
    return ClientFactory.for_team(therapist, first_name="Wren", last_name="Halloway")


def flashes(response) -> str:
    return response.get_data(as_text=True)


def session_url(meeting, action=""):
    return f"/groups/{meeting.series_id}/sessions/{meeting.id}" + (f"/{action}" if action else "")


# --- series ----------------------------------------------------------------------------------------

def test_a_practitioner_starts_a_circle_and_facilitates_it(signed_in, therapist):
    response = signed_in.post("/groups/new", data={"name": "Thursday morning circle", "capacity": "6",
                                                   "weekday": "3", "meets_at": "09:30",
                                                   "facilitators": [str(therapist.id)]})
    series = db.session.scalar(select(GroupSeries))
    assert response.status_code == 302 and response.location.endswith(f"/groups/{series.id}")
    assert series.facilitators == [therapist] and series.capacity == 6 and series.weekday == 3
    assert "Thursday morning circle" in signed_in.get("/groups/").get_data(as_text=True)


def test_the_series_form_rerenders_with_typed_text(signed_in):
    response = signed_in.post("/groups/new", data={"name": "", "capacity": "0", "place": "Room with the tall window",
                                                   "weekday": "-1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the circle a name." in page and "Between 1 and 100." in page
    assert "Choose at least one facilitator." in page
    assert "Room with the tall window" in page
    assert db.session.scalar(select(GroupSeries)) is None


def test_the_circle_list_shows_only_circles_one_runs(signed_in, series, practice):
    colleague = UserFactory(practice=practice)
    GroupSeriesFactory.run_by(colleague, name="Colleague's Friday circle")
    page = signed_in.get("/groups/").get_data(as_text=True)
    assert "Tuesday evening circle" in page and "Friday circle" not in page


# --- roster ----------------------------------------------------------------------------------------

def test_enrolling_beyond_capacity_goes_to_the_waitlist_with_a_message(signed_in, series, therapist):
    people = [ClientFactory.for_team(therapist, first_name=name, last_name="Rook") for name in ("Ada", "Bo", "Cy")]
    for person in people[:2]:
        page = signed_in.post(f"/groups/{series.id}/roster", data={"client_id": person.id},
                              follow_redirects=True).get_data(as_text=True)
        assert f"{person.full_name} is in the circle." in page
    page = signed_in.post(f"/groups/{series.id}/roster", data={"client_id": people[2].id},
                          follow_redirects=True).get_data(as_text=True)
    assert "The circle is full (2 of 2 places), so Cy Rook is on the waitlist, number 1." in page
    statuses = dict(db.session.execute(select(Enrollment.client_id, Enrollment.status)).all())
    assert statuses == {people[0].id: "enrolled", people[1].id: "enrolled", people[2].id: "waitlisted"}


def test_enrolling_someone_already_on_the_roster_says_so(signed_in, series, wren):
    EnrollmentFactory(series=series, client=wren)
    page = signed_in.post(f"/groups/{series.id}/roster", data={"client_id": wren.id},
                          follow_redirects=True).get_data(as_text=True)
    assert "Wren Halloway is already enrolled." in page
    assert db.session.query(Enrollment).count() == 1


def test_a_facilitator_cannot_enrol_a_client_they_cannot_reach(signed_in, series, practice):
    stranger = ClientFactory.for_team(UserFactory(practice=practice), first_name="Not", last_name="Mine")
    response = signed_in.post(f"/groups/{series.id}/roster", data={"client_id": stranger.id})
    assert response.status_code == 404
    assert db.session.query(Enrollment).count() == 0
    page = signed_in.get(f"/groups/{series.id}").get_data(as_text=True)
    assert "Mine" not in page  # not even offered in the list


def test_removing_a_client_keeps_attendance_and_notes_and_promotes_the_waitlist(
        signed_in, series, meeting, wren, therapist):
    enrolment = EnrollmentFactory(series=series, client=wren)
    EnrollmentFactory(series=series, client=ClientFactory.for_team(therapist, first_name="Second"))
    waiting = EnrollmentFactory(series=series, client=ClientFactory.for_team(therapist, first_name="Waiting",
                                                                                last_name="Lark"),
                                status="waitlisted")
    attendance = AttendanceFactory(group_session=meeting, client=wren, status="present")
    note = NoteFactory.for_attendance(attendance, therapist, brought="Wren spoke about the orchard.")
    page = signed_in.post(f"/groups/{series.id}/roster/{enrolment.id}/withdraw",
                          follow_redirects=True).get_data(as_text=True)
    assert "Wren Halloway has left the circle. Their attendance and notes are kept." in page
    assert "Waiting Lark moved up from the waitlist and is now in the circle." in page
    assert db.session.get(Enrollment, enrolment.id).status == "withdrawn"
    assert db.session.get(Enrollment, waiting.id).status == "enrolled"
    assert db.session.get(Attendance, attendance.id).status == "present"
    assert db.session.get(Note, note.id).is_signed
    history = signed_in.get(f"/clients/{wren.id}/groups").get_data(as_text=True)
    assert "Tuesday evening circle" in history and "The body remembers" in history and "Signed note" in history
    roster = signed_in.get(session_url(meeting)).get_data(as_text=True)
    assert "has left the circle" in roster


# --- sessions --------------------------------------------------------------------------------------

def test_a_far_date_asks_for_confirmation_then_saves(signed_in, series, therapist):
    far = (local_today("UTC") - timedelta(days=400)).isoformat()
    data = {"starts_on": far, "starts_time": "18:30", "theme": "Old story", "facilitators": [str(therapist.id)]}
    response = signed_in.post(f"/groups/{series.id}/sessions/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please check this date." in page and "Yes, this date is right" in page
    assert 'value="Old story"' in page  # what was typed is still there
    assert db.session.query(GroupSession).count() == 0
    response = signed_in.post(f"/groups/{series.id}/sessions/new", data={**data, "confirm_date": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(GroupSession.theme)) == "Old story"


def test_a_near_date_saves_without_asking(signed_in, series, therapist):
    soon = (local_today("UTC") + timedelta(days=6)).isoformat()
    response = signed_in.post(f"/groups/{series.id}/sessions/new", data={
        "starts_on": soon, "starts_time": "18:30", "theme": "Arriving", "facilitators": [str(therapist.id)]})
    assert response.status_code == 302
    session = db.session.scalar(select(GroupSession))
    assert session.facilitators == [therapist] and session.starts_at.date().isoformat() == soon


def test_the_session_form_rerenders_with_typed_text(signed_in, series):
    response = signed_in.post(f"/groups/{series.id}/sessions/new", data={"starts_on": "", "starts_time": "18:30",
                                                                          "theme": "Thresholds and doorways"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the date of the session." in page and "Thresholds and doorways" in page


# --- attendance ------------------------------------------------------------------------------------

def test_attendance_for_the_whole_roster_in_one_submit(signed_in, series, meeting, wren, therapist):
    other = ClientFactory.for_team(therapist, first_name="Juno", last_name="Pike")
    for person in (wren, other):
        EnrollmentFactory(series=series, client=person)
    page = signed_in.post(session_url(meeting, "attendance"), data={f"status-{wren.id}": "present",
                                                                     f"status-{other.id}": "late"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Attendance saved: 1 present, 1 late." in page
    marks = dict(db.session.execute(select(Attendance.client_id, Attendance.status)).all())
    assert marks == {wren.id: "present", other.id: "late"}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.client_id == wren.id,
                                                      AuditEvent.object_type == "attendance")) is not None


def test_everyone_present_marks_only_the_unmarked(signed_in, series, meeting, wren, therapist):
    other = ClientFactory.for_team(therapist, first_name="Juno")
    for person in (wren, other):
        EnrollmentFactory(series=series, client=person)
    signed_in.post(session_url(meeting, "attendance"), data={f"status-{wren.id}": "excused", "everyone": "present"})
    marks = dict(db.session.execute(select(Attendance.client_id, Attendance.status)).all())
    assert marks == {wren.id: "excused", other.id: "present"}


def test_attendance_for_a_client_not_enrolled_is_refused_with_a_message(signed_in, series, meeting, wren, therapist):
    waiting = ClientFactory.for_team(therapist, first_name="Waiting", last_name="Lark")
    EnrollmentFactory(series=series, client=wren)
    EnrollmentFactory(series=series, client=waiting, status="waitlisted")
    outsider = ClientFactory.for_team(therapist, first_name="Never", last_name="Enrolled")
    page = signed_in.post(session_url(meeting, "attendance"), data={
        f"status-{wren.id}": "present", f"status-{waiting.id}": "present", f"status-{outsider.id}": "present"},
        follow_redirects=True).get_data(as_text=True)
    assert "Waiting Lark: not enrolled in this circle, so no attendance was recorded for them." in page
    assert "Never Enrolled" not in page  # someone never on the roster is not named
    assert [a.client_id for a in db.session.scalars(select(Attendance))] == [wren.id]


def test_write_note_starts_the_clients_group_note_once(signed_in, series, meeting, wren):
    EnrollmentFactory(series=series, client=wren)
    AttendanceFactory(group_session=meeting, client=wren, status="late")
    page = signed_in.get(session_url(meeting)).get_data(as_text=True)
    assert f'/clients/{wren.id}/groups/sessions/{meeting.id}/note' in page
    first = signed_in.post(f"/clients/{wren.id}/groups/sessions/{meeting.id}/note")
    second = signed_in.post(f"/clients/{wren.id}/groups/sessions/{meeting.id}/note")
    note = db.session.scalar(select(Note))
    assert first.location.endswith(f"/clients/{wren.id}/notes/{note.id}") and second.location == first.location
    assert note.kind == "group" and note.group_session_id == meeting.id
    assert db.session.scalar(select(Attendance.note_id)) == note.id
    editor = signed_in.get(first.location).get_data(as_text=True)
    for label in ("Participation", "What they brought", "Insights and reflections", "Next steps"):
        assert label in editor
    assert "Tuesday evening circle" in editor and "The body remembers" in editor


def test_no_individual_note_for_someone_absent(signed_in, series, meeting, wren):
    AttendanceFactory(group_session=meeting, client=wren, status="absent")
    page = signed_in.post(f"/clients/{wren.id}/groups/sessions/{meeting.id}/note",
                          follow_redirects=True).get_data(as_text=True)
    assert "was marked absent at this session, so there is no individual note to write" in page
    assert db.session.query(Note).count() == 0


def test_write_note_needs_the_client_and_their_attendance(signed_in, series, meeting, wren, practice):
    assert signed_in.post(f"/clients/{wren.id}/groups/sessions/{meeting.id}/note").status_code == 404
    stranger = ClientFactory.for_team(UserFactory(practice=practice), first_name="Stranger")
    AttendanceFactory(group_session=meeting, client=stranger)
    assert signed_in.post(f"/clients/{stranger.id}/groups/sessions/{meeting.id}/note").status_code == 404


# --- the group note --------------------------------------------------------------------------------

JSON = {"Accept": "application/json"}


def start_group_note(signed_in, meeting) -> GroupNote:
    response = signed_in.post(session_url(meeting, "note/start"))
    assert response.status_code == 303 and response.location.endswith(session_url(meeting, "note"))
    return db.session.scalar(select(GroupNote).where(GroupNote.group_session_id == meeting.id))


def test_the_group_note_lives_the_same_life_as_every_note(signed_in, meeting, therapist):
    note = start_group_note(signed_in, meeting)
    assert start_group_note(signed_in, meeting).id == note.id  # a second press opens the same note
    assert note.author_id == therapist.id and note.version == 1 and note.status == "draft"
    page = signed_in.get(session_url(meeting, "note")).get_data(as_text=True)
    assert 'id="note-editor"' in page and "Themes and process" in page

    saved = signed_in.post(session_url(meeting, "note/autosave"), headers=JSON,
                           data={"version": "1", "text": "Themes of return, rest and repair."})
    assert saved.status_code == 200 and saved.json["version"] == 2

    stale = signed_in.post(session_url(meeting, "note/autosave"), headers=JSON,
                           data={"version": "1", "text": "My own older text"})
    assert stale.status_code == 409 and stale.json["error"] == "conflict"
    kept = db.session.scalar(select(GroupNoteRevision).where(GroupNoteRevision.reason == "conflict"))
    assert kept.content == {"text": "My own older text"}  # nothing typed is lost
    both = signed_in.get(stale.json["conflict_url"]).get_data(as_text=True)
    assert "My own older text" in both and "Themes of return, rest and repair." in both

    signed = signed_in.post(session_url(meeting, "note/sign"), data={"version": "2"})
    assert signed.status_code == 303
    db.session.refresh(note)
    assert note.is_signed and note.signed_by_id == therapist.id and lifecycle.hash_matches(note)
    assert [r.reason for r in note.revisions] == ["conflict", "signed"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sign",
                                                      AuditEvent.object_type == "groupnote")) is not None

    locked = signed_in.post(session_url(meeting, "note/autosave"), headers=JSON,
                            data={"version": "3", "text": "Changed after signing"})
    assert locked.status_code == 409
    db.session.refresh(note)
    assert note.content == {"text": "Themes of return, rest and repair."}

    added = signed_in.post(session_url(meeting, "note/addenda"),
                           data={"reason": "Correction", "text": "The circle ran ten minutes over."})
    assert added.status_code == 303
    page = signed_in.get(session_url(meeting, "note")).get_data(as_text=True)
    assert "The circle ran ten minutes over." in page and "Correction" in page


def test_only_the_author_signs_the_group_note(signed_in, client, auth, practice, series, meeting):
    note = start_group_note(signed_in, meeting)
    signed_in.post(session_url(meeting, "note/autosave"), data={"version": "1", "text": "Quiet, warm circle."})
    co_lead = UserFactory(practice=practice, name="Cass Colead")
    series.facilitators.append(co_lead)
    db.session.commit()
    auth.logout()
    auth.login(co_lead)
    refused = client.post(session_url(meeting, "note/sign"), data={"version": "2"})
    assert refused.status_code == 403 and "Only the note" in refused.get_data(as_text=True)
    db.session.refresh(note)
    assert note.status == "draft"


def test_an_empty_group_note_cannot_be_signed(signed_in, meeting):
    start_group_note(signed_in, meeting)
    page = signed_in.post(session_url(meeting, "note/sign"), data={"version": "1"})
    assert page.status_code == 422 and "nothing to sign" in page.get_data(as_text=True)


def test_there_is_no_group_note_page_before_it_is_started(signed_in, meeting):
    assert signed_in.get(session_url(meeting, "note")).status_code == 404
    assert "Write the group note" in signed_in.get(session_url(meeting)).get_data(as_text=True)


# --- access ----------------------------------------------------------------------------------------

def group_urls(series, meeting, enrolment) -> list[tuple[str, str]]:
    base = f"/groups/{series.id}"
    return [("GET", base), ("GET", f"{base}/edit"), ("POST", f"{base}/edit"), ("POST", f"{base}/archive"),
            ("POST", f"{base}/roster"), ("POST", f"{base}/roster/{enrolment.id}/withdraw"),
            ("GET", f"{base}/sessions/new"), ("GET", session_url(meeting)), ("GET", session_url(meeting, "edit")),
            ("POST", session_url(meeting, "attendance")), ("POST", session_url(meeting, "note/start")),
            ("GET", session_url(meeting, "note")), ("POST", session_url(meeting, "note/autosave")),
            ("POST", session_url(meeting, "note/sign")), ("POST", session_url(meeting, "note/addenda"))]


@pytest.mark.parametrize("who", ["colleague", "coach", "other_admin", "other_therapist"])
def test_only_facilitators_and_admins_open_a_circle(client, auth, practice, series, meeting, wren, who):
    enrolment = EnrollmentFactory(series=series, client=wren)
    people = {
        "colleague": lambda: UserFactory(practice=practice, role="therapist"),
        "coach": lambda: UserFactory(practice=practice, role="coach"),
        "other_admin": lambda: UserFactory(practice=PracticeFactory(), role="admin"),
        "other_therapist": lambda: UserFactory(practice=PracticeFactory(), role="therapist"),
    }
    auth.login(people[who]())
    for method, url in group_urls(series, meeting, enrolment):
        assert client.open(url, method=method, data={}).status_code == 404, (method, url)
    assert "Tuesday evening circle" not in client.get("/groups/").get_data(as_text=True)


def test_the_practices_admin_and_every_facilitator_open_it(client, auth, practice, admin, series, meeting):
    co_facilitator = UserFactory(practice=practice, role="coach")
    series.facilitators.append(co_facilitator)
    db.session.commit()
    for person in (admin, co_facilitator):
        auth.login(person)
        assert client.get(f"/groups/{series.id}").status_code == 200
        assert client.get(session_url(meeting)).status_code == 200
        auth.logout()


def test_bad_ids_are_404(signed_in, series, meeting):
    other = GroupSeriesFactory.run_by(series.facilitators[0])
    elsewhere = GroupSessionFactory(series=other)
    assert signed_in.get("/groups/999999").status_code == 404
    assert signed_in.get(f"/groups/{series.id}/sessions/999999").status_code == 404
    assert signed_in.get(f"/groups/{series.id}/sessions/{elsewhere.id}").status_code == 404  # another series'
    assert signed_in.post(f"/groups/{series.id}/roster/999999/withdraw").status_code == 404
    assert signed_in.post(f"/groups/{series.id}/roster", data={"client_id": "999999"}).status_code == 404


def test_a_group_page_view_is_audited(signed_in, series, therapist):
    signed_in.get(f"/groups/{series.id}")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "groupseries"))
    assert event.action == "view" and event.user_id == therapist.id and event.object_id == series.id


def test_the_client_tab_lists_own_attendance_only(signed_in, series, meeting, wren, therapist):
    other = ClientFactory.for_team(therapist, first_name="Juno", last_name="Pike")
    AttendanceFactory(group_session=meeting, client=wren, status="present")
    AttendanceFactory(group_session=meeting, client=other, status="late")
    page = signed_in.get(f"/clients/{wren.id}/groups").get_data(as_text=True)
    assert "The body remembers" in page and "Present" in page
    assert "Juno" not in page and "Pike" not in page and "Late" not in page


def test_overview_timeline_shows_the_group_session(signed_in, series, meeting, wren):
    AttendanceFactory(group_session=meeting, client=wren, status="present")
    page = signed_in.get(f"/clients/{wren.id}").get_data(as_text=True)
    assert "Group circle" in page and "Tuesday evening circle" in page and "The body remembers" in page


def test_the_session_page_runs_in_a_fixed_number_of_queries(signed_in, series, meeting, therapist):
    from sqlalchemy import event

    def count_for(n):
        for i in range(n):
            person = ClientFactory.for_team(therapist, first_name=f"Q{n}{i}")
            EnrollmentFactory(series=series, client=person)
            attendance = AttendanceFactory(group_session=meeting, client=person, status="present")
            if i % 2:
                NoteFactory.for_attendance(attendance, therapist, brought="Something")
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert signed_in.get(session_url(meeting)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    few = count_for(2)
    many = count_for(10)
    assert many == few, f"{few} queries for 2 attendees, {many} for 12"


def test_sessions_of_another_practice_never_appear(signed_in, series):
    other_admin = UserFactory(practice=PracticeFactory(), role="admin")
    elsewhere = GroupSeriesFactory.run_by(other_admin, name="Elsewhere circle")
    GroupSessionFactory(series=elsewhere, starts_at=utcnow() + timedelta(days=2), theme="Not ours")
    assert "Not ours" not in signed_in.get("/groups/").get_data(as_text=True)


# --- plans -----------------------------------------------------------------------------------------

def test_a_plan_item_points_at_a_circle_of_the_practice_only(signed_in, series, wren, therapist):
    from integration.plans.models import PlanItem

    plan = PlanFactory(client=wren, created_by_id=therapist.id)
    other_admin = UserFactory(practice=PracticeFactory(), role="admin")
    elsewhere = GroupSeriesFactory.run_by(other_admin, name="Elsewhere circle")
    url = f"/clients/{wren.id}/plans/{plan.id}/items/new"
    form = signed_in.get(url).get_data(as_text=True)
    assert "Tuesday evening circle" in form and "Elsewhere circle" not in form
    data = {"title": "Join the Tuesday circle", "category": "group", "schedule_kind": "weekly", "weekly_day": "1",
            "time_of_day": "evening"}
    refused = signed_in.post(url, data={**data, "group_series_id": str(elsewhere.id)})
    assert refused.status_code == 422 and db.session.query(PlanItem).count() == 0
    assert signed_in.post(url, data={**data, "group_series_id": str(series.id)}).status_code == 302
    item = db.session.scalar(select(PlanItem))
    assert item.group_series_id == series.id
    builder = signed_in.get(f"/clients/{wren.id}/plans/{plan.id}").get_data(as_text=True)
    assert "Circle: Tuesday evening circle" in builder
