"""Clients: creating and editing, search and pagination, care teams."""
import html
import re

from integration.clients.models import CareTeamMember, Client
from integration.extensions import db
from tests.factories import ClientFactory, UserFactory


def test_new_client_joins_the_creators_care_team(client, auth, therapist):
    auth.login(therapist)
    response = client.post("/clients/new", data={
        "first_name": "Sunniva", "last_name": "Grell", "preferred_name": "Sunny", "pronouns": "she/her",
        "date_of_birth": "1990-04-02", "email": "sunny@example.org", "status": "active"})
    person = db.session.query(Client).one()
    assert response.headers["Location"].endswith(f"/clients/{person.id}")
    assert [m.user_id for m in person.care_team] == [therapist.id]
    assert person.called == "Sunny"


def test_bad_client_form_keeps_typed_text_with_messages_at_fields(client, auth, therapist):
    auth.login(therapist)
    response = client.post("/clients/new", data={
        "first_name": "Sunniva", "last_name": "", "email": "not-an-email", "date_of_birth": "2999-01-01",
        "emergency_contact": "Brother Kai, 555-0188", "status": "active"})
    page = response.get_data(as_text=True)
    assert 'value="Sunniva"' in page and "Brother Kai, 555-0188" in page
    assert "This field is required." in page
    assert "Enter a valid email address." in page
    assert "This date is in the future." in page
    assert 'aria-invalid="true"' in page
    assert db.session.query(Client).count() == 0


def link(page: str, rel: str) -> str:
    """The href of a pager's link (rel="next" or "prev")."""
    return html.unescape(re.search(rf'<a href="([^"]+)" rel="{rel}"', page).group(1))


def test_search_by_any_name_and_paginate(app, client, auth, therapist):
    app.config["CLIENTS_PER_PAGE"] = 5
    for n in range(12):
        ClientFactory.for_team(therapist, first_name=f"Ana{n:02d}", last_name="Lindqvist")
    ClientFactory.for_team(therapist, first_name="Bo", last_name="Strand", preferred_name="Bobo")
    auth.login(therapist)
    first = client.get("/clients/?q=lindq").get_data(as_text=True)
    assert first.count("Lindqvist, Ana") == 5 and 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get(link(first, "next")).get_data(as_text=True)
    third = client.get(link(second, "next")).get_data(as_text=True)
    assert third.count("Lindqvist, Ana") == 2 and "Ana11" in third and 'rel="next"' not in third
    assert "Strand, Bo" in client.get("/clients/?q=BOBO").get_data(as_text=True)
    assert "No client matches" in client.get("/clients/?q=zzz").get_data(as_text=True)


def test_archived_clients_are_listed_apart(client, auth, therapist):
    ClientFactory.for_team(therapist, first_name="Old", last_name="Archived", status="archived")
    ClientFactory.for_team(therapist, first_name="New", last_name="Active")
    auth.login(therapist)
    active = client.get("/clients/").get_data(as_text=True)
    assert "Active, New" in active and "Archived, Old" not in active
    assert "Archived, Old" in client.get("/clients/?status=archived").get_data(as_text=True)


def test_admin_manages_the_care_team(client, auth, admin, therapist, coach):
    person = ClientFactory.for_team(therapist)
    auth.login(admin)
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert coach.name in page  # offered in the add form
    client.post(f"/clients/{person.id}/care-team", data={"user_id": coach.id})
    assert {m.user_id for m in db.session.query(CareTeamMember)} == {therapist.id, coach.id}
    member = db.session.query(CareTeamMember).filter_by(user_id=therapist.id).one()
    client.post(f"/clients/{person.id}/care-team/{member.id}/remove")
    assert {m.user_id for m in db.session.query(CareTeamMember)} == {coach.id}


def test_care_team_change_takes_effect_for_the_practitioner(client, auth, admin, therapist, coach):
    person = ClientFactory.for_team(therapist)
    auth.login(coach)
    assert client.get(f"/clients/{person.id}").status_code == 404
    auth.logout()
    auth.login(admin)
    client.post(f"/clients/{person.id}/care-team", data={"user_id": coach.id})
    auth.logout()
    auth.login(coach)
    assert client.get(f"/clients/{person.id}").status_code == 200


def test_practitioners_cannot_change_care_teams(client, auth, therapist, coach):
    person = ClientFactory.for_team(therapist)
    auth.login(therapist)
    assert client.post(f"/clients/{person.id}/care-team", data={"user_id": coach.id}).status_code == 404
    assert db.session.query(CareTeamMember).count() == 1


def test_cannot_add_someone_from_another_practice(client, auth, admin, therapist):
    person = ClientFactory.for_team(therapist)
    stranger = UserFactory(role="therapist")  # another practice
    auth.login(admin)
    client.post(f"/clients/{person.id}/care-team", data={"user_id": stranger.id})
    assert db.session.query(CareTeamMember).filter_by(user_id=stranger.id).count() == 0


def test_the_client_list_shows_names_and_decrypts_no_contact_details(client, auth, therapist, decrypted):
    ClientFactory.for_team(therapist, first_name="Juniper", last_name="Vale", email="juniper@example.test",
                           phone="555-0199", emergency_contact="Rowan Vale, 555-0198")
    auth.login(therapist)
    decrypted.clear()
    page = client.get("/clients/").get_data(as_text=True)
    assert "Juniper" in page and "Vale" in page
    assert not [value for value in decrypted if "example.test" in value or "555-01" in value]
