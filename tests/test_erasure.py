"""Erasure and retention: closing a record (read-only, links revoked), the practice's retention period,
and the two-admin purge that deletes every row of the client and leaves one audit tombstone."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from integration.audit.models import AuditEvent
from integration.clients.models import Client
from integration.erasure import purge
from integration.erasure.models import PurgeRequest
from integration.extensions import db
from integration.notes.models import Insight
from integration.plans.models import ShareLink
from integration.search.tokens import tokens
from tests.factories import ClientFactory, UserFactory
from tests.routes import full_record


@pytest.fixture
def admins(practice, admin):
    return admin, UserFactory(practice=practice, role="admin", name="Bea Second")


def _client_with_everything(therapist, **names):
    client = ClientFactory.for_team(therapist, **names)
    rec = full_record(client, therapist)
    rec["link"].token_hash = f"{client.id:064x}"  # full_record's links share one hash
    db.session.commit()
    return client, rec


def _closed_years_ago(client, years=8):
    client.status, client.closed_at = "closed", datetime.now() - timedelta(days=365 * years + 3)
    db.session.commit()


def test_closing_makes_the_record_read_only_and_revokes_its_links(client, auth, therapist):
    person, rec = _client_with_everything(therapist)
    auth.login(therapist)
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "Close this record" in page
    refused = client.post(f"/clients/{person.id}/close", data={})
    assert refused.status_code == 422 and "Tick the box" in refused.get_data(as_text=True)

    assert client.post(f"/clients/{person.id}/close", data={"understood": "y"}).status_code == 302
    db.session.expire_all()
    person = db.session.get(Client, person.id)
    assert person.status == "closed" and person.closed_by_id == therapist.id
    assert db.session.get(ShareLink, rec["link"].id).revoked_at is not None
    page = client.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "Closed on" in page and "It may be purged after" in page
    # Read-only for everyone: no note, no plan, no change to details, no goal.
    assert client.get(f"/clients/{person.id}/edit").status_code == 404
    assert client.post(f"/clients/{person.id}/plans/new", data={}).status_code == 404
    assert client.get(f"/clients/{person.id}/notes/new?kind=integration").status_code == 404
    assert client.get(f"/clients/{person.id}").status_code == 200  # still readable
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.client_id == person.id)).all()
    assert "close" in events


def test_coaches_do_not_close_and_clinicians_do_not_reopen(client, auth, therapist, coach):
    person = ClientFactory.for_team(therapist, coach)
    auth.login(coach)
    assert client.post(f"/clients/{person.id}/close", data={"understood": "y"}).status_code == 404
    auth.logout()
    auth.login(therapist)
    client.post(f"/clients/{person.id}/close", data={"understood": "y"})
    assert client.post(f"/clients/{person.id}/reopen").status_code == 404
    assert client.post(f"/clients/{person.id}/purge").status_code == 404  # only admins ask to purge


def test_an_admin_reopens_and_the_retention_clock_starts_again(client, auth, therapist, admin):
    person = ClientFactory.for_team(therapist)
    _closed_years_ago(person)
    auth.login(admin)
    assert client.post(f"/clients/{person.id}/reopen").status_code == 302
    db.session.expire_all()
    person = db.session.get(Client, person.id)
    assert (person.status, person.closed_at) == ("active", None)


def _walk_references(client_id: int) -> list[str]:
    """Independently of purge.py: every row in any table that still points at the client, directly
    (a column with a foreign key to client.id) or through a parent (any foreign key whose row is gone)."""
    found = []
    connection = db.session.connection()
    for table in db.metadata.sorted_tables:
        if table.name == "client":
            if db.session.scalar(select(func.count()).select_from(table).where(table.c.id == client_id)):
                found.append("client")
            continue
        for fk in table.foreign_keys:
            parent = fk.column.table
            if parent.name == "client":
                n = connection.scalar(select(func.count()).select_from(table).where(fk.parent == client_id))
            else:  # a child whose parent row is gone (SQLite may let one through with foreign keys off)
                n = connection.scalar(select(func.count()).select_from(table).where(
                    fk.parent.is_not(None), fk.parent.not_in(select(fk.column))))
            if n:
                found.append(f"{table.name}.{fk.parent.name}: {n}")
    return found


def test_two_admins_purge_everything_and_leave_a_tombstone(app, client, auth, therapist, admins):
    first, second = admins
    person, rec = _client_with_everything(therapist, first_name="Marisol", last_name="Quenby")
    other, _ = _client_with_everything(therapist)
    other_before = purge.dry_run(other.id)
    _closed_years_ago(person)
    person_id = person.id
    insight_ids = set(db.session.scalars(select(Insight.id).where(Insight.client_id == person_id)))

    auth.login(first)
    dry = client.get(f"/clients/{person_id}/purge").get_data(as_text=True)
    assert "nothing has been deleted" in dry and "delivered PDFs and calendars" in dry and "private links" in dry
    counts = purge.dry_run(person_id)
    for table in ("client", "note", "addendum", "insight", "goal", "goal_check_in", "history_item",
                  "plan", "plan_export", "share_link", "measure_response", "dosing_session", "insight_search",
                  "attendance", "enrollment"):
        assert counts.get(table), table
    assert client.post(f"/clients/{person_id}/purge").status_code == 302
    request = db.session.scalar(select(PurgeRequest))
    assert request.counts == counts
    # The requester cannot approve.
    client.post(f"/records/requests/{request.id}/approve")
    assert db.session.get(Client, person_id) is not None
    assert "Another admin must approve a purge you asked for." in client.get("/records").get_data(as_text=True)
    auth.logout()

    auth.login(second)
    page = client.get("/records").get_data(as_text=True)
    assert "Marisol Quenby" in page and "Approve and purge" in page
    assert client.post(f"/records/requests/{request.id}/approve").status_code == 302
    db.session.expire_all()
    assert _walk_references(person_id) == []
    assert purge.dry_run(other.id) == other_before  # the other client keeps everything
    # The search index forgot the insights' words (SQLite's FTS5 tables are not models).
    if db.engine.dialect.name == "sqlite":
        word = tokens("Felt held")[0]
        rowids = set(db.session.execute(text("SELECT rowid FROM insight_search_fts WHERE insight_search_fts "
                                             "MATCH :q"), {"q": f'"{word}"'}).scalars())
        assert rowids and not rowids & insight_ids

    done = db.session.get(PurgeRequest, request.id)
    assert (done.status, done.requested_by_id, done.decided_by_id) == ("purged", first.id, second.id)
    assert done.counts == counts
    [tombstone] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).all()
    assert (tombstone.user_id, tombstone.client_id, tombstone.object_id) == (second.id, person_id, request.id)
    assert f"requested by user {first.id}" in tombstone.detail and "notes 2" in tombstone.detail
    # The audit log keeps the record's older rows: ids and actions, never the name or clinical words.
    for event in db.session.scalars(select(AuditEvent)):
        for words in ("Marisol", "Quenby", "Felt held", "Grandmother", "Sleep through"):
            assert words not in event.detail, (event.action, event.detail)
    assert "Client #" in client.get("/records").get_data(as_text=True)


def test_a_request_waits_for_retention_lapses_and_may_be_cancelled(app, client, auth, therapist, admins):
    first, second = admins
    person = ClientFactory.for_team(therapist)
    _closed_years_ago(person, years=3)
    auth.login(first)
    client.post(f"/clients/{person.id}/purge")
    assert db.session.scalar(select(func.count()).select_from(PurgeRequest)) == 0  # 7 years not yet passed

    # The practice sets 2 years: now it may.
    assert client.post("/records/retention", data={"retention_years": "0"}).status_code == 302
    assert first.practice.retention_years == 7
    client.post("/records/retention", data={"retention_years": "2"})
    db.session.expire_all()
    client.post(f"/clients/{person.id}/purge")
    request = db.session.scalar(select(PurgeRequest))
    assert request.status == "requested"

    # A lapsed request is not approved.
    request.expires_at = datetime.now() - timedelta(minutes=1)
    db.session.commit()
    auth.logout()
    auth.login(second)
    client.post(f"/records/requests/{request.id}/approve")
    assert db.session.get(Client, person.id) is not None

    request.expires_at = datetime.now() + timedelta(days=1)
    db.session.commit()
    assert client.post(f"/records/requests/{request.id}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(PurgeRequest, request.id).status == "cancelled"
    client.post(f"/records/requests/{request.id}/approve")
    assert db.session.get(Client, person.id) is not None


def test_only_admins_reach_the_closed_records_page(client, auth, therapist, admin, practice):
    auth.login(therapist)
    assert client.get("/records").status_code == 404
    auth.logout()
    other_admin = UserFactory(role="admin")  # another practice's
    person = ClientFactory.for_team(therapist)
    _closed_years_ago(person)
    auth.login(admin)
    client.post(f"/clients/{person.id}/purge")
    request = db.session.scalar(select(PurgeRequest))
    auth.logout()
    auth.login(other_admin)
    assert client.post(f"/records/requests/{request.id}/approve").status_code == 404
    assert client.post(f"/records/requests/{request.id}/cancel").status_code == 404


def test_the_walk_covers_tables_added_later():
    """Every table with a foreign key towards client.id is in the purge (a new area's table joins by itself)."""
    covered = {table.name for table, _ in purge.client_tables()}
    for table in db.metadata.sorted_tables:
        if any(fk.column.table.name in covered for fk in table.foreign_keys if fk.column.table is not table):
            assert table.name in covered, table.name
    assert "audit_event" not in covered and "purge_request" not in covered


def test_every_table_the_purge_counts_has_plain_words():
    """The purge page counts rows by table: each table it finds is named in words a person reads."""
    missing = [table.name for table, _ in purge.client_tables() if table.name not in purge.KIND_WORDS]
    assert not missing, missing
