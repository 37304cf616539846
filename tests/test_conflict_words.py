"""The two-tab conflict message knows whose save won: yours in another tab or window, or a colleague's."""
from integration.clients.models import CareTeamMember
from integration.extensions import db
from tests.factories import ClientFactory, NoteFactory, UserFactory

JSON = {"Accept": "application/json"}


def _crossing_saves(client, note, first: str, second: str):
    path = f"/clients/{note.client_id}/notes/{note.id}/autosave"
    seen = note.version
    client.post(path, data={"version": seen, "experience": first}, headers=JSON)
    return client.post(path, data={"version": seen, "experience": second}, headers=JSON)


def test_both_saves_yours_says_another_tab_or_window(signed_in, therapist):
    person = ClientFactory.for_team(therapist)
    note = NoteFactory(client=person, author=therapist, kind="debrief")
    answer = _crossing_saves(signed_in, note, "From the first tab", "From the second tab")
    assert answer.status_code == 409
    assert answer.json["message"].startswith("You saved this note in another tab or window")
    page = signed_in.get(answer.json["conflict_url"]).get_data(as_text=True)
    assert "You saved this note in another tab or window" in page and "Someone" not in page


def test_a_colleagues_save_names_them(client, auth, therapist, practice):
    colleague = UserFactory(practice=practice, name="Marisol Reyes")
    person = ClientFactory.for_team(therapist)
    db.session.add(CareTeamMember(client_id=person.id, user_id=colleague.id))
    db.session.commit()
    note = NoteFactory(client=person, author=therapist, kind="debrief")
    seen = note.version
    path = f"/clients/{person.id}/notes/{note.id}/autosave"
    auth.login(colleague)
    client.post(path, data={"version": seen, "experience": "The colleague's words"}, headers=JSON)
    auth.logout()
    auth.login(therapist)
    answer = client.post(path, data={"version": seen, "experience": "The author's words"}, headers=JSON)
    assert answer.status_code == 409
    assert answer.json["message"].startswith("Marisol Reyes, LMFT saved this note while you were writing")
    page = client.get(answer.json["conflict_url"]).get_data(as_text=True)
    assert "Marisol Reyes, LMFT saved this note while you were writing" in page
