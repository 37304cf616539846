"""The audit log: every view and change is recorded; admins filter and export; nothing edits it."""
import csv
import io

import pytest

from integration.audit.models import AppendOnlyError, AuditEvent
from integration.extensions import db
from tests.factories import PASSWORD, ClientFactory, UserFactory


def events(**filters):
    return db.session.query(AuditEvent).filter_by(**filters).order_by(AuditEvent.id).all()


def test_viewing_a_client_record_is_logged_with_who_and_where(client, auth, therapist):
    person = ClientFactory.for_team(therapist)
    address = {"REMOTE_ADDR": "10.1.2.3"}
    client.post("/login", data={"email": therapist.email, "password": PASSWORD}, environ_base=address)
    client.get(f"/clients/{person.id}", environ_base=address)
    [view] = events(action="view", client_id=person.id)
    assert view.user_id == therapist.id and view.remote_addr == "10.1.2.3"
    assert "clients.show" in view.detail


def test_creating_and_changing_a_client_is_logged(client, auth, therapist):
    auth.login(therapist)
    client.post("/clients/new", data={"first_name": "Ivo", "last_name": "Marsh", "status": "active"})
    [created] = events(action="create", object_type="client")
    client.post(f"/clients/{created.client_id}/edit",
                data={"first_name": "Ivo", "last_name": "Marshall", "status": "active"})
    assert len(events(action="change", client_id=created.client_id)) == 1


def test_failed_sign_in_is_logged_without_revealing_more(client, therapist):
    client.post("/login", data={"email": therapist.email, "password": "wrong password here"})
    [failed] = events(action="sign-in-failed")
    assert failed.detail == therapist.email


def test_audit_rows_cannot_be_changed_or_deleted(app, therapist):
    event = AuditEvent(action="view", user_id=therapist.id, practice_id=therapist.practice_id)
    db.session.add(event)
    db.session.commit()
    event.action = "nothing happened"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()


def test_no_route_edits_or_deletes_audit_rows(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule


@pytest.fixture
def busy_log(client, auth, admin, therapist):
    person = ClientFactory.for_team(therapist, first_name="Ola", last_name="Brook")
    other = ClientFactory.for_team(therapist, first_name="Pim", last_name="Reed")
    auth.login(therapist)
    client.get(f"/clients/{person.id}")
    client.get(f"/clients/{other.id}")
    auth.logout()
    auth.login(admin)
    return person, other


def test_admin_filters_by_client_and_action(client, busy_log, therapist):
    person, _ = busy_log
    page = client.get(f"/audit/?client_id={person.id}&action=view").get_data(as_text=True)
    assert f"{therapist.name} opened Ola Brook’s overview" in page  # a sentence, not an endpoint and a path
    assert page.count('class="audit-sentence"') == 1
    assert f"/audit/?client_id={person.id}" in page


def test_admin_filters_by_user_and_dates(client, busy_log, therapist, admin):
    page = client.get(f"/audit/?user_id={admin.id}&action=view").get_data(as_text=True)
    assert "Nothing matches" in page
    page = client.get("/audit/?date_from=2000-01-01&date_to=2000-01-02").get_data(as_text=True)
    assert "Nothing matches" in page


def test_csv_export_holds_the_filtered_rows_and_is_itself_logged(client, busy_log, therapist):
    person, other = busy_log
    response = client.get(f"/audit/export.csv?client_id={other.id}")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and all(row["client_id"] == str(other.id) for row in rows)
    assert rows[0]["user"] == therapist.email
    assert len(events(action="export")) == 1


def test_csv_export_defuses_spreadsheet_formulas(client, auth, admin):
    db.session.add(AuditEvent(action="change", practice_id=admin.practice_id, detail='=HYPERLINK("x")'))
    db.session.commit()
    auth.login(admin)
    text = client.get("/audit/export.csv?action=change").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_admins_see_only_their_practices_events(client, auth, busy_log):
    stranger = UserFactory(role="admin")
    auth.logout()
    auth.login(stranger)
    assert "Ola" not in client.get("/audit/").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(client.get("/audit/export.csv").get_data(as_text=True))))
    assert {row["user"] for row in rows} <= {stranger.email}
