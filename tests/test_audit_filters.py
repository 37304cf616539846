"""The audit page finds a client by name (no list of every client) and links each name to its rows."""
from tests.factories import ClientFactory


def test_the_client_filter_takes_a_name_not_a_list_of_everyone(client, auth, admin, therapist):
    ola = ClientFactory.for_team(therapist, first_name="Ola", last_name="Brookwater")
    pim = ClientFactory.for_team(therapist, first_name="Pim", last_name="Reed")
    auth.login(therapist)
    client.get(f"/clients/{ola.id}")
    client.get(f"/clients/{pim.id}")
    auth.logout()
    auth.login(admin)
    page = client.get("/audit/").get_data(as_text=True)
    assert "<select" not in page.split('name="client"')[0].rsplit("<div>", 1)[-1]  # a text box, not a list
    found = client.get("/audit/?client=brookw&action=view").get_data(as_text=True)
    assert "Ola Brookwater" in found and "Pim Reed" not in found
    assert f"/audit/?client_id={ola.id}" in found  # each name leads to that client's rows
    nobody = client.get("/audit/?client=nobody-by-that-name").get_data(as_text=True)
    assert "Nothing matches" in nobody
