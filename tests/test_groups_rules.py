"""The rules of a circle as plain functions: capacity and the waitlist, attendance, dates."""
from datetime import date, timedelta

import pytest

from integration.groups import rules
from integration.groups.models import Attendance
from integration.extensions import db
from tests.factories import (AttendanceFactory, ClientFactory, EnrollmentFactory, GroupSeriesFactory,
                             GroupSessionFactory, PracticeFactory, UserFactory)


@pytest.fixture
def series(therapist):
    return GroupSeriesFactory.run_by(therapist, capacity=2)


@pytest.fixture
def people(therapist):
    return [ClientFactory.for_team(therapist, first_name=f"Person{n}") for n in range(4)]


def test_enrolment_fills_the_places_then_the_waitlist(series, people, therapist):
    statuses = [rules.enrol(series, person, therapist).status for person in people]
    assert statuses == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    assert rules.enrolled_count(series) == 2
    assert [e.client_id for e in rules.waitlist(series)] == [people[2].id, people[3].id]


def test_enrolling_twice_is_refused(series, people, therapist):
    rules.enrol(series, people[0], therapist)
    with pytest.raises(rules.AlreadyOnRoster):
        rules.enrol(series, people[0], therapist)


def test_withdrawing_promotes_the_first_on_the_waitlist(series, people, therapist):
    first, _, waiting, later = [rules.enrol(series, person, therapist) for person in people]
    moved = rules.withdraw(first, therapist)
    assert moved == [waiting]
    assert waiting.status == "enrolled" and later.status == "waitlisted"
    assert first.status == "withdrawn" and first.withdrawn_at is not None and first.withdrawn_by_id == therapist.id


def test_withdrawing_from_the_waitlist_promotes_nobody(series, people, therapist):
    enrolments = [rules.enrol(series, person, therapist) for person in people]
    assert rules.withdraw(enrolments[3], therapist) == []
    assert rules.enrolled_count(series) == 2


def test_more_places_let_the_waitlist_in(series, people, therapist):
    for person in people:
        rules.enrol(series, person, therapist)
    series.capacity = 3
    moved = rules.fill_from_waitlist(series)
    assert [e.client_id for e in moved] == [people[2].id]


def test_a_withdrawn_client_can_come_back_and_keeps_one_row(series, people, therapist):
    enrolment = rules.enrol(series, people[0], therapist)
    rules.withdraw(enrolment, therapist)
    again = rules.enrol(series, people[0], therapist)
    assert again.id == enrolment.id and again.status == "enrolled" and again.withdrawn_at is None


def test_attendance_only_for_enrolled_clients(series, people, therapist):
    session = GroupSessionFactory(series=series)
    EnrollmentFactory(series=series, client=people[0])
    EnrollmentFactory(series=series, client=people[1], status="waitlisted")
    EnrollmentFactory(series=series, client=people[2], status="withdrawn")
    result = rules.take_attendance(session, {people[0].id: "present", people[1].id: "present",
                                             people[2].id: "late", people[3].id: "present"}, therapist)
    assert [a.client_id for a in result.saved] == [people[0].id]
    assert sorted(result.refused) == sorted(p.id for p in people[1:])
    assert db.session.query(Attendance).count() == 1


def test_attendance_is_updated_not_duplicated(series, people, therapist):
    session = GroupSessionFactory(series=series)
    EnrollmentFactory(series=series, client=people[0])
    rules.take_attendance(session, {people[0].id: "late"}, therapist)
    result = rules.take_attendance(session, {people[0].id: "present"}, therapist)
    assert result.changed == 1
    rows = db.session.query(Attendance).all()
    assert [(r.client_id, r.status) for r in rows] == [(people[0].id, "present")]


def test_an_unknown_attendance_status_is_ignored(series, people, therapist):
    session = GroupSessionFactory(series=series)
    EnrollmentFactory(series=series, client=people[0])
    result = rules.take_attendance(session, {people[0].id: "asleep"}, therapist)
    assert result.saved == [] and result.refused == []


def test_withdrawal_keeps_past_attendance(series, people, therapist):
    session = GroupSessionFactory(series=series)
    enrolment = EnrollmentFactory(series=series, client=people[0])
    AttendanceFactory(group_session=session, client=people[0], status="present")
    rules.withdraw(enrolment, therapist)
    db.session.commit()
    assert db.session.query(Attendance).filter_by(client_id=people[0].id).one().status == "present"


@pytest.mark.parametrize("offset, asks", [(0, False), (-60, False), (-61, True), (365, False), (366, True),
                                          (30, False)])
def test_far_dates_ask_for_confirmation(offset, asks):
    today = date(2026, 5, 5)
    assert rules.date_needs_confirmation(today + timedelta(days=offset), today) is asks


def test_upcoming_sessions_are_the_next_few_of_this_practice_only(series, therapist):
    from integration.clock import utcnow

    now = utcnow()
    past = GroupSessionFactory(series=series, starts_at=now - timedelta(days=1))
    soon = [GroupSessionFactory(series=series, starts_at=now + timedelta(days=7 * n)) for n in range(1, 9)]
    GroupSessionFactory(series=series, starts_at=now + timedelta(days=200))
    other_admin = UserFactory(practice=PracticeFactory(), role="admin")
    elsewhere = GroupSeriesFactory.run_by(other_admin)
    GroupSessionFactory(series=elsewhere, starts_at=now + timedelta(days=3))
    found = rules.upcoming_sessions([series.id, elsewhere.id], therapist.practice_id, now)
    assert list(found) == [series.id]
    assert found[series.id] == soon[:rules.UPCOMING_LIMIT]
    assert past not in found[series.id]
