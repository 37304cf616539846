"""The audit log in words: each row a sentence ("Ines Calloway opened Rowan Tessly's note of Nov 28
(post-session debrief)"), never a clinical word, names beside ids in the CSV, and a page whose
number of queries does not grow with its rows."""
import csv
import io
from datetime import date

import pytest

from integration.audit.models import AuditEvent
from integration.clock import local_today
from integration.extensions import db
from tests.factories import ClientFactory, DosingSessionFactory, NoteFactory, UserFactory, note_content
from tests.test_clients_record import counting_queries
from tests.test_insights import insight_data

PLANTED = "quinceblossom"  # a word written only inside clinical content


@pytest.fixture
def ines(practice):
    return UserFactory(practice=practice, name="Ines Calloway")


@pytest.fixture
def rowan(ines):
    return ClientFactory.for_team(ines, first_name="Rowan", last_name="Tessly")


@pytest.fixture
def debrief(rowan, ines):
    session = DosingSessionFactory(client=rowan, number=2)
    this_year = local_today("America/New_York").year
    return NoteFactory(client=rowan, author=ines, kind="debrief", dosing_session_id=session.id,
                       occurred_on=date(this_year, 11, 28), content=note_content("debrief", experience=PLANTED))


def audit_page(client, query=""):
    return client.get(f"/audit/{query}").get_data(as_text=True)


def test_opening_a_note_reads_as_a_sentence(client, auth, admin, ines, rowan, debrief):
    auth.login(ines)
    client.get(f"/clients/{rowan.id}/notes/{debrief.id}")
    client.get(f"/clients/{rowan.id}/sessions/{debrief.dosing_session_id}")
    client.get(f"/clients/{rowan.id}")
    auth.logout()
    auth.login(admin)
    page = audit_page(client)
    assert "Ines Calloway opened Rowan Tessly’s note of Nov 28 (post-session debrief)" in page
    assert "Ines Calloway opened Rowan Tessly’s dosing session 2 of" in page
    assert "Ines Calloway opened Rowan Tessly’s overview" in page
    assert f"notes.show_note /clients/{rowan.id}" not in page, "no developer log"
    assert "Ines Calloway signed in" in page


def test_changes_read_as_sentences_with_kinds_and_dates_only(client, auth, admin, ines, rowan, debrief):
    auth.login(ines)
    client.post(f"/clients/{rowan.id}/notes/{debrief.id}/sign", data={"version": debrief.version})
    added = client.post(f"/clients/{rowan.id}/notes/{debrief.id}/insights",
                        data=insight_data(text=f"About {PLANTED}", client_words=f"My {PLANTED}"))
    assert added.status_code == 302
    auth.logout()
    auth.login(admin)
    page = audit_page(client)
    assert "Ines Calloway signed Rowan Tessly’s note of Nov 28 (post-session debrief)" in page
    assert "Ines Calloway created Rowan Tessly’s insight on the note of" in page
    assert PLANTED not in page
    csv_text = client.get("/audit/export.csv").get_data(as_text=True)
    assert PLANTED not in csv_text


def test_the_csv_puts_names_beside_ids_and_the_sentence(client, auth, admin, ines, rowan, debrief):
    auth.login(ines)
    client.get(f"/clients/{rowan.id}/notes/{debrief.id}")
    auth.logout()
    auth.login(admin)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/audit/export.csv?client_id={rowan.id}").get_data(
        as_text=True))))
    opened = [row for row in rows if row["action"] == "view"]
    assert opened and opened[0]["client_id"] == str(rowan.id) and opened[0]["client_name"] == "Rowan Tessly"
    assert opened[0]["user_name"] == "Ines Calloway" and opened[0]["user"] == ines.email
    assert opened[0]["what"].startswith("Ines Calloway opened Rowan Tessly’s note of Nov 28")


def test_a_name_that_looks_like_a_formula_is_defused_in_the_csv(client, auth, admin, practice):
    hostile = ClientFactory.for_team(admin, first_name="=cmd", last_name="Person")
    db.session.add(AuditEvent(action="change", practice_id=practice.id, user_id=admin.id, client_id=hostile.id,
                              object_type="client", object_id=hostile.id))
    db.session.commit()
    auth.login(admin)
    cells = [cell for row in csv.reader(io.StringIO(client.get("/audit/export.csv").get_data(as_text=True)))
             for cell in row]
    assert "'=cmd Person" in cells and not [c for c in cells if c and c[0] in "=+-@"]


def test_filters_by_person_client_name_action_and_days(client, auth, admin, ines, rowan, debrief, practice):
    other = ClientFactory.for_team(ines, first_name="Pim", last_name="Reed")
    auth.login(ines)
    client.get(f"/clients/{rowan.id}")
    client.get(f"/clients/{other.id}")
    auth.logout()
    auth.login(admin)
    page = audit_page(client, f"?user_id={ines.id}&client=tessl&action=view")
    assert "Rowan Tessly’s overview" in page and "Pim Reed" not in page
    today = local_today("America/New_York").isoformat()
    assert "Rowan Tessly’s overview" in audit_page(client, f"?date_from={today}&date_to={today}")
    assert "Nothing matches" in audit_page(client, "?date_from=2000-01-01&date_to=2000-01-02")


def test_unknown_pages_and_objects_fall_back_to_plain_words(app, admin, rowan):
    from integration.audit.words import describe_objects, sentences
    with app.test_request_context():
        odd = AuditEvent(action="view", user_id=admin.id, client_id=rowan.id, detail="plans.something /nowhere")
        gone = AuditEvent(action="change", user_id=admin.id, client_id=rowan.id, object_type="goal", object_id=999)
        [first, second] = sentences([odd, gone], people={admin.id: "Ada Admin"}, clients={rowan.id: "Rowan Tessly"},
                                    objects=describe_objects([odd, gone], admin.practice_id))
    assert first.sentence == "Ada Admin opened a page of Rowan Tessly’s plans"
    assert second.sentence == "Ada Admin changed Rowan Tessly’s goal"


def test_a_sessions_pages_read_the_same_under_their_old_and_new_endpoints(app, admin, ines, rowan):
    """A dosing session's own pages moved from notes/ to dosing/: rows written before keep "notes.…"."""
    from integration.audit.words import describe_objects, sentences
    session = DosingSessionFactory(client=rowan, number=3)
    record = f"/clients/{rowan.id}/sessions"
    paths = {"new_session": f"{record}/new", "show_session": f"{record}/{session.id}",
             "edit_session": f"{record}/{session.id}/edit"}
    events = [AuditEvent(action="view", user_id=ines.id, client_id=rowan.id, detail=f"{area}.{page} {path}")
              for page, path in paths.items() for area in ("notes", "dosing")]
    with app.test_request_context():
        rows = sentences(events, people={ines.id: "Ines Calloway"}, clients={rowan.id: "Rowan Tessly"},
                         objects=describe_objects(events, admin.practice_id))
    said = [row.sentence for row in rows]
    assert said[0::2] == said[1::2]  # old name, new name: the same sentence
    assert said[0] == "Ines Calloway opened the form for a new dosing session on Rowan Tessly’s record"
    assert said[2].startswith("Ines Calloway opened Rowan Tessly’s dosing session 3 of")
    assert said[4] == "Ines Calloway opened a page of Rowan Tessly’s sessions and notes"


def _busy(ines, rowan, times: int) -> None:
    """`times` rounds of every kind of row: views of a note, a session and the overview, a signature,
    a team change and a sign-in."""
    for _ in range(times):
        note = NoteFactory(client=rowan, author=ines, kind="debrief")
        session = DosingSessionFactory(client=rowan)
        for path in (f"/clients/{rowan.id}/notes/{note.id}", f"/clients/{rowan.id}/sessions/{session.id}",
                     f"/clients/{rowan.id}"):
            db.session.add(AuditEvent(action="view", user_id=ines.id, practice_id=ines.practice_id,
                                      client_id=rowan.id, detail=f"x {path}"))
        db.session.add_all([
            AuditEvent(action="sign", user_id=ines.id, practice_id=ines.practice_id, client_id=rowan.id,
                       object_type="note", object_id=note.id),
            AuditEvent(action="deactivate", user_id=ines.id, practice_id=ines.practice_id, object_type="user",
                       object_id=ines.id),
            AuditEvent(action="sign-in", user_id=ines.id, practice_id=ines.practice_id)])
    db.session.commit()


def test_the_audit_page_issues_the_same_number_of_queries_however_many_rows(client, auth, admin, ines, rowan):
    auth.login(admin)
    counts = {}
    for rounds in (1, 8):
        _busy(ines, rowan, rounds)
        with counting_queries() as statements:
            answer = client.get("/audit/")
        assert answer.status_code == 200
        counts[rounds] = len(statements)
    assert counts[1] == counts[8], counts
