"""Time zones: the practice's (setup, settings), a member's own (account page), and every time shown in
the viewer's zone, named where it matters; plan dates stay in the practice's zone."""
from datetime import date, datetime

from integration.auth.models import Practice, User
from integration.clock import tz_of, zone_choices
from integration.extensions import db
from tests.factories import (ClientFactory, DosingSessionFactory, GroupSeriesFactory, GroupSessionFactory,
                             UserFactory)

# 15:00 UTC on a winter day: 10:00 AM in New York, 7:00 AM in Los Angeles.
STARTED = datetime(2025, 3, 3, 15, 0)


def test_zone_choices_put_the_common_ones_first_and_offer_every_region():
    values = [value for value, _ in zone_choices()]
    assert values[0] == "America/New_York" and values.index("America/Los_Angeles") < 10
    assert "Asia/Kolkata" in values and "Europe/Lisbon" in values and len(values) > 300
    assert zone_choices("Same as the practice")[0] == ("", "Same as the practice")


def test_setup_sets_the_practice_time_zone(client, app):
    answer = client.post("/setup", data={"practice_name": "Harbour Light", "timezone": "America/Los_Angeles",
                                         "name": "Ada", "credentials": "", "email": "ada@harbour.example",
                                         "password": "amber kettle violin harbour", "confirm": "amber kettle violin harbour"})
    assert answer.status_code == 302
    assert Practice.by_name("Harbour Light").timezone == "America/Los_Angeles"


def test_setup_refuses_a_zone_that_is_not_offered(client, app):
    answer = client.post("/setup", data={"practice_name": "Harbour Light", "timezone": "Mars/Olympus_Mons",
                                         "name": "Ada", "credentials": "", "email": "ada@harbour.example",
                                         "password": "amber kettle violin harbour", "confirm": "amber kettle violin harbour"})
    assert answer.status_code == 200 and Practice.by_name("Harbour Light") is None


def test_the_admin_changes_the_practice_time_zone_in_settings(client, auth, admin, therapist):
    auth.login(admin)
    assert "America/New York" in client.get("/settings/practice").get_data(as_text=True)
    answer = client.post("/settings/practice", data={"timezone": "Europe/Berlin"})
    assert answer.status_code == 302
    db.session.refresh(admin.practice)
    assert admin.practice.timezone == "Europe/Berlin"
    assert client.post("/settings/practice", data={"timezone": "Nowhere/Else"}).status_code == 422
    auth.logout()
    auth.login(therapist)
    assert client.get("/settings/practice").status_code == 404, "admins only"


def test_a_member_chooses_their_own_zone_and_can_go_back_to_the_practices(client, auth, therapist):
    auth.login(therapist)
    page = client.get("/account/security").get_data(as_text=True)
    assert "Same as the practice" in page
    client.post("/account/time-zone", data={"timezone": "America/Los_Angeles"})
    assert db.session.get(User, therapist.id).timezone == "America/Los_Angeles"
    assert tz_of(db.session.get(User, therapist.id)) == "America/Los_Angeles"
    client.post("/account/time-zone", data={"timezone": "Not/A_Zone"})
    assert db.session.get(User, therapist.id).timezone == "America/Los_Angeles", "refused"
    client.post("/account/time-zone", data={"timezone": ""})
    assert tz_of(db.session.get(User, therapist.id)) == therapist.practice.timezone


def test_two_members_in_different_zones_see_the_same_session_each_in_their_own(client, auth, practice):
    east = UserFactory(practice=practice, name="East Coast")  # the practice's zone, New York
    west = UserFactory(practice=practice, name="West Coast", timezone="America/Los_Angeles")
    person = ClientFactory.for_team(east, west)
    session = DosingSessionFactory(client=person, number=1, started_at=STARTED)
    url = f"/clients/{person.id}/sessions/{session.id}"

    auth.login(east)
    seen_east = client.get(url).get_data(as_text=True)
    auth.logout()
    auth.login(west)
    seen_west = client.get(url).get_data(as_text=True)
    assert "Mar 3, 2025 10:00 AM EST" in seen_east
    assert "Mar 3, 2025 7:00 AM PST" in seen_west
    listing = client.get(f"/clients/{person.id}/sessions").get_data(as_text=True)
    assert "7:00 AM PST" in listing


def test_a_time_typed_is_read_in_the_typists_zone(client, auth, practice):
    west = UserFactory(practice=practice, timezone="America/Los_Angeles")
    person = ClientFactory.for_team(west)
    auth.login(west)
    client.post(f"/clients/{person.id}/sessions/new", data={
        "started_on": "2025-03-03", "started_time": "07:00", "medicine": "ketamine", "route": "im",
        "dose_mg": "70", "practitioners": [west.id]})
    from integration.notes.models import DosingSession
    [stored] = db.session.query(DosingSession).all()
    assert stored.started_at == STARTED, "7:00 in Los Angeles is 15:00 UTC"


def test_circle_sessions_name_the_zone(client, auth, practice):
    west = UserFactory(practice=practice, timezone="America/Los_Angeles")
    series = GroupSeriesFactory.run_by(west)
    meeting = GroupSessionFactory(series=series, starts_at=STARTED)
    auth.login(west)
    page = client.get(f"/groups/{series.id}/sessions/{meeting.id}").get_data(as_text=True)
    assert "7:00 AM PST" in page


def test_plan_dates_stay_in_the_practices_zone(app, practice):
    from integration.plans.assemble import start_date_for
    far_west = UserFactory(practice=practice, timezone="Pacific/Honolulu")
    person = ClientFactory.for_team(far_west)
    # 03:00 UTC on Mar 4 is the evening of Mar 3 in Honolulu but Mar 3, 10 PM in New York: a late session.
    session = DosingSessionFactory(client=person, number=1, started_at=datetime(2025, 3, 4, 3, 0))
    assert start_date_for(session, practice) == date(2025, 3, 3)
    practice.timezone = "Europe/Berlin"
    assert start_date_for(session, practice) == date(2025, 3, 4), "the practice's zone decides the day"
