from tests.factories import ClientFactory


def test_therapist_signs_in_and_sees_own_client(client, auth, therapist):
    ClientFactory.for_team(therapist, first_name="Wren", last_name="Halloway")
    response = auth.login(therapist)
    assert response.status_code == 302
    page = client.get("/clients/")
    assert b"Halloway, Wren" in page.data
