"""Every list is bounded (issue 14): the audit log, a client's notes, sessions and insights, and the client
list open a page at a time by keyset — "Older →" from the last row's key, no OFFSET, no count — in the
same number of queries whatever the size of the record; a hostile cursor shows the first page. The
audit export streams a range of days (the last 30 unless chosen), checked at the field, and is audited."""
import csv
import html
import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert

from integration.audit.models import AuditEvent
from integration.clock import utcnow
from integration.extensions import db
from integration.keyset import Keyset
from tests.factories import ClientFactory, DosingSessionFactory, InsightFactory, NoteFactory, practice_today
from tests.queries import counting_queries


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', page)
    return html.unescape(found.group(1)) if found else None


def audit_rows(admin, count: int, *, start: datetime | None = None, step=timedelta(minutes=1), client_id=None):
    """`count` audit rows of the admin's practice, one a `step` apart back from `start`, detail "row-NNNN"."""
    start = start or utcnow() - timedelta(hours=1)
    db.session.execute(insert(AuditEvent), [
        {"at": start - step * n, "practice_id": admin.practice_id, "user_id": admin.id, "action": "change",
         "object_type": "", "object_id": None, "client_id": client_id, "remote_addr": "", "detail": f"row-{n:04d}"}
        for n in range(count)])
    db.session.commit()


def markers(page: str) -> list[str]:
    return re.findall(r"row-\d{4}", page)


# --- the audit log -----------------------------------------------------------------------------------

def test_the_audit_log_walks_older_and_newer_by_keyset(client, auth, admin):
    audit_rows(admin, 120)
    auth.login(admin)
    seen, url, pages = [], "/audit/?action=change", []
    while url:
        page = client.get(url).get_data(as_text=True)
        pages.append(page)
        seen += markers(page)
        url = link(page, "next")
    assert [len(markers(page)) for page in pages] == [50, 50, 20]
    assert seen == [f"row-{n:04d}" for n in range(120)]  # newest first, each row once
    assert 'rel="prev"' not in pages[0] and 'rel="prev"' in pages[2]
    back = client.get(link(pages[2], "prev")).get_data(as_text=True)
    assert markers(back) == markers(pages[1])
    assert "action=change" in link(pages[1], "next")  # the filters ride along
    assert "Page 1 of" not in pages[0]  # nothing counts the whole log


def test_rows_of_the_same_moment_are_neither_skipped_nor_repeated(client, auth, admin):
    audit_rows(admin, 75, step=timedelta(0))  # all at one time: the id breaks the tie
    auth.login(admin)
    first = client.get("/audit/?action=change").get_data(as_text=True)
    second = client.get(link(first, "next")).get_data(as_text=True)
    assert sorted(markers(first) + markers(second)) == [f"row-{n:04d}" for n in range(75)]


def test_an_audit_page_costs_the_same_queries_at_any_size_and_never_counts(app, client, auth, admin):
    auth.login(admin)
    audit_rows(admin, 10)
    with counting_queries() as small:
        client.get("/audit/")
    audit_rows(admin, 600, start=utcnow() - timedelta(days=2))
    with counting_queries() as large:
        page = client.get("/audit/").get_data(as_text=True)
    with counting_queries() as deep:
        client.get(link(link_page := page, "next"))
    assert len(large) == len(small) == len(deep)
    statements = " ".join(large + deep).lower()
    assert "count(" not in statements and "limit" in statements  # (SQLite renders LIMIT ? OFFSET 0 for any limit)
    assert len(markers(link_page)) <= 50


@pytest.mark.parametrize("cursor", ["garbage", "%00", "W10", "WyJ4IiwxXQ", "x" * 5000, "eyJhIjoxfQ",
                                    "WyIyMDI2LTEzLTQ1VDAwOjAwOjAwIiwxXQ", "WzEsIjIiXQ", "WyIyMDI2LTAxLTAxIiwxZTk5OV0"])
def test_a_hostile_cursor_shows_the_first_page(client, auth, admin, cursor):
    audit_rows(admin, 60)
    auth.login(admin)
    first = markers(client.get("/audit/?action=change").get_data(as_text=True))
    for key in ("after", "before"):
        response = client.get(f"/audit/?action=change&{key}={cursor}")
        assert response.status_code == 200
        assert markers(response.get_data(as_text=True)) == first


def test_a_cursor_round_trips_its_kinds():
    keyset = Keyset((None, None, None), ("datetime", "date", "int"))
    key = (datetime(2026, 11, 30, 10, 5, 1, 250), datetime(2026, 11, 30).date(), 7)
    assert keyset.decode(keyset.encode(key)) == key
    assert keyset.decode(keyset.encode(key)[:-2]) is None
    assert Keyset((None,), ("int",)).decode(Keyset((None,), ("str",)).encode(["1"])) is None
    assert Keyset((None,), ("int",)).decode(Keyset((None,), ("int",)).encode([True])) is None


def test_the_client_filter_searches_names_and_offers_no_list_of_clients(client, auth, admin, therapist):
    rowan = ClientFactory.for_team(therapist, first_name="Rowan", last_name="Tessly")
    for n in range(30):
        ClientFactory.for_team(therapist, first_name=f"Other{n}", last_name="Person")
    audit_rows(admin, 3, client_id=rowan.id)
    auth.login(admin)
    page = client.get("/audit/?client=tess").get_data(as_text=True)
    assert len(markers(page)) == 3 and "Other1" not in page and "<option" not in page.split('id="client"')[1][:200]


# --- the export --------------------------------------------------------------------------------------

def export_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_export_streams_the_last_30_days_unless_asked(client, auth, admin):
    audit_rows(admin, 1, start=utcnow() - timedelta(days=10))  # row-0000: inside the last 30 days
    db.session.execute(insert(AuditEvent), [{"at": utcnow() - timedelta(days=45), "practice_id": admin.practice_id,
                                             "action": "change", "detail": "old-row", "object_type": "",
                                             "remote_addr": ""}])
    db.session.commit()
    auth.login(admin)
    response = client.get("/audit/export.csv?action=change")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    today = practice_today()
    assert f"audit-log-{(today - timedelta(days=29)).isoformat()}-to-{today.isoformat()}.csv" in \
        response.headers["Content-Disposition"]
    assert [row["detail"] for row in export_rows(response)] == ["row-0000"]
    since = (today - timedelta(days=60)).isoformat()
    wider = export_rows(client.get(f"/audit/export.csv?action=change&since={since}&until={today.isoformat()}"))
    assert [row["detail"] for row in wider] == ["row-0000", "old-row"]
    [newest_export] = db.session.query(AuditEvent).filter_by(action="export").order_by(AuditEvent.id.desc()).limit(1)
    assert newest_export.detail.startswith(f"audit log CSV {since} to {today.isoformat()}")


def test_the_export_holds_more_rows_than_one_chunk(client, auth, admin, monkeypatch):
    from integration.audit import views
    monkeypatch.setattr(views, "EXPORT_CHUNK", 7)
    audit_rows(admin, 30)
    auth.login(admin)
    rows = export_rows(client.get("/audit/export.csv?action=change"))
    assert [row["detail"] for row in rows] == [f"row-{n:04d}" for n in range(30)]
    assert {row["user"] for row in rows} == {admin.email}


def test_the_export_range_is_checked_at_the_field(client, auth, admin):
    auth.login(admin)
    today = practice_today()
    backwards = client.get(f"/audit/export.csv?since={today.isoformat()}&until={(today - timedelta(days=3)).isoformat()}")
    assert backwards.status_code == 422
    page = backwards.get_data(as_text=True)
    assert "Choose a first day on or before the last day." in page and f'value="{today.isoformat()}"' in page
    assert "see the dates below" in page and 'action="/audit/export.csv#export"' in page
    future = client.get(f"/audit/export.csv?until={(today + timedelta(days=2)).isoformat()}")
    assert future.status_code == 422 and "This date is in the future." in future.get_data(as_text=True)
    later = (today + timedelta(days=5)).isoformat()
    one = client.get(f"/audit/export.csv?since={later}&until={today.isoformat()}").get_data(as_text=True)
    assert "This date is in the future." in one and "Choose a first day" not in one  # one message at a time
    typed = client.get("/audit/export.csv?since=31/02/2026")
    assert typed.status_code == 422 and 'value="31/02/2026"' in typed.get_data(as_text=True)
    assert not db.session.query(AuditEvent).filter_by(action="export").count()


def test_the_page_offers_the_export_for_the_last_30_days(client, auth, admin):
    auth.login(admin)
    page = client.get("/audit/").get_data(as_text=True)
    today = practice_today()
    assert f'name="since" type="date" value="{(today - timedelta(days=29)).isoformat()}"' in page
    assert f'name="until" type="date" value="{today.isoformat()}"' in page


# --- a client's record -------------------------------------------------------------------------------

def test_the_notes_tab_shows_a_page_of_notes_in_the_same_queries(client, auth, therapist):
    person = ClientFactory.for_team(therapist)
    today = practice_today()
    for n in range(5):
        NoteFactory(client=person, author=therapist, occurred_on=today - timedelta(days=n), text=f"note-{n:04d}")
    DosingSessionFactory(client=person, started_at=datetime(2025, 3, 3, 15, 0))
    auth.login(therapist)
    url = f"/clients/{person.id}/sessions"
    with counting_queries() as small:
        client.get(url)
    for n in range(5, 70):
        NoteFactory(client=person, author=therapist, occurred_on=today - timedelta(days=n))
    for n in range(25):
        DosingSessionFactory(client=person, started_at=datetime(2024, 1, 1) + timedelta(days=n))
    with counting_queries() as large:
        first = client.get(url).get_data(as_text=True)
    assert len(large) == len(small)
    assert first.count("Session ") >= 20 and 'rel="next"' in first
    older_notes = link(first.split('aria-label="Pages of notes"')[1], "next")
    assert older_notes and "notes_after=" in older_notes
    second = client.get(older_notes).get_data(as_text=True)
    assert second.count(f"/clients/{person.id}/notes/") < first.count(f"/clients/{person.id}/notes/")


def test_the_insights_page_walks_by_keyset(client, auth, therapist):
    person = ClientFactory.for_team(therapist)
    note = NoteFactory(client=person, author=therapist)
    for n in range(55):
        InsightFactory(note=note, text=f"insight-{n:04d}")
    auth.login(therapist)
    first = client.get(f"/clients/{person.id}/insights").get_data(as_text=True)
    second = client.get(link(first, "next")).get_data(as_text=True)
    found = re.findall(r"insight-\d{4}", first), re.findall(r"insight-\d{4}", second)
    assert (len(set(found[0])), len(set(found[1]))) == (50, 5)
    assert sorted(set(found[0]) | set(found[1])) == [f"insight-{n:04d}" for n in range(55)]
    assert client.get(f"/clients/{person.id}/insights?after=nonsense").status_code == 200


def test_the_client_list_walks_by_name_and_survives_a_hostile_cursor(app, client, auth, therapist):
    app.config["CLIENTS_PER_PAGE"] = 5
    for n in range(8):
        ClientFactory.for_team(therapist, first_name=f"Éva{n}", last_name="Østergaard" if n % 2 else "adams")
    auth.login(therapist)
    first = client.get("/clients/").get_data(as_text=True)
    second = client.get(link(first, "next")).get_data(as_text=True)
    names = re.findall(r"(?:adams|Østergaard), Éva\d", first + second)
    assert len(names) == len(set(names)) == 8
    assert client.get("/clients/?after=%FF%FE").status_code == 200
    assert client.get("/clients/?before=WyJhIiwiYiIsImMiXQ").status_code == 200
