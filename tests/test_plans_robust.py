"""Plans robust to statistics (issue 14, point 5): the statistics SQLite gathers (`ANALYZE`, or the sample
`PRAGMA optimize` takes, integration/database.py) must not turn a fast page slow. Here the statistics
are written by hand, as a sample of a practice of 200,000 notes can make them: the mostly empty links of
a note look selective. A client's Notes tab and overview still walk the client's notes by day
(ix_note_client_day) and sort nothing. EXPLAIN QUERY PLAN is deterministic for given statistics, so the
plan itself is asserted; the 200,000-note timings are `make bench`'s (README, Performance)."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from integration import database
from integration.extensions import db
from tests.factories import ClientFactory, DosingSessionFactory, InsightFactory, NoteFactory

# (index, stat): 200,000 notes, ~40 per client; a sample that saw few NULL sessions, circles or
# co-signers takes those columns for nearly unique.
LURES = [("ix_note_client_day", "200000 40 1 1"), ("ix_note_reader", "200000 40 20 10"),
         ("ix_note_client_id", "200000 30"), ("ix_note_author_id", "200000 2000"),
         ("ix_note_dosing_session_id", "200000 2"), ("ix_note_group_session_id", "200000 2"),
         ("ix_note_cosigner_id", "200000 2")]


@pytest.fixture
def lured(app, monkeypatch):
    """sqlite_stat1 rows that make the wrong indexes look cheap, read by every new connection. (The
    `PRAGMA optimize` of a closing connection would measure the test's few rows instead: not here.)"""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's statistics; PostgreSQL's plans are measured by make bench")
    monkeypatch.setattr(database, "optimize", lambda dbapi_connection: None)
    db.engine.dispose()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")  # makes sqlite_stat1
        connection.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'note'")
        for index, stat in LURES:
            connection.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('note', ?, ?)", (index, stat))
    db.engine.dispose()
    yield
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE sqlite_stat1")
    db.engine.dispose()


@contextmanager
def note_plans():
    """Yields the plans (EXPLAIN QUERY PLAN, one string each) of the statements that list notes by day."""
    seen, plans = [], []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT note.id") and "ORDER BY note.occurred_on DESC" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield plans
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    with db.engine.connect() as connection:
        for statement, parameters in seen:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plans.append(" | ".join(row[3] for row in rows))


def a_client_with_notes(therapist):
    client = ClientFactory.for_team(therapist)
    session = DosingSessionFactory(client=client)
    for _ in range(3):
        NoteFactory(client=client, author=therapist)
    NoteFactory(client=client, author=therapist, kind="debrief", dosing_session_id=session.id)
    return client


def test_the_notes_tab_walks_the_clients_notes_by_day_whatever_the_statistics(lured, signed_in, therapist):
    client = a_client_with_notes(therapist)
    with note_plans() as plans:
        assert signed_in.get(f"/clients/{client.id}/sessions").status_code == 200
    [plan] = plans  # the notes not under a session
    assert "USING INDEX ix_note_client_day (client_id=?)" in plan
    assert "ix_note_dosing_session_id" not in plan and "TEMP B-TREE" not in plan


def test_the_overview_walks_the_clients_notes_by_day_whatever_the_statistics(lured, signed_in, therapist):
    client = a_client_with_notes(therapist)
    with note_plans() as plans:
        assert signed_in.get(f"/clients/{client.id}").status_code == 200
    [plan] = plans
    assert "USING INDEX ix_note_client_day (client_id=?)" in plan
    assert "TEMP B-TREE" not in plan  # the index gives the order: the page reads as many notes as it shows


def searched(http, q: str, index: str = "note_search_fts") -> tuple[str, list, list[str]]:
    """(the results page, the parameters of its one statement of this index (the notes' by default), that
    statement's plan, step by step)."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if f"{index} MATCH" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        page = http.get("/search", query_string={"q": q})
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert page.status_code == 200
    [(statement, parameters)] = seen
    with db.engine.connect() as connection:
        plan = [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    return page.get_data(as_text=True), parameters, plan


@pytest.fixture(params=["none", "lured"])
def fts5_statistics(request, app):
    """SQLite with no statistics, then with the lured ones; FTS5's plans only."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("FTS5's plan; PostgreSQL's search plans are measured by make bench")
    if request.param == "lured":
        request.getfixturevalue("lured")


def a_client_with_a_lighthouse(therapist):
    client = a_client_with_notes(therapist)
    NoteFactory(client=client, author=therapist, content={"focus": "The lighthouse at dawn."})
    return client


def test_a_caseloads_search_walks_the_index_among_its_clients_whatever_the_statistics(fts5_statistics, signed_in,
                                                                                       therapist):
    """A clinician's search names their clients inside the MATCH, and FTS5 is the outer loop: the notes of
    the caseload are walked newest first in the index and looked up by id, never listed first."""
    a_client_with_a_lighthouse(therapist)
    page, parameters, steps = searched(signed_in, "lighthouse")
    assert "<mark>lighthouse</mark>" in page
    assert any("client_id : (" in str(value) for value in parameters)  # the MATCH names the caseload
    plan = " | ".join(steps)
    assert "MATERIALIZE allowed" not in plan
    walk = plan.index("SCAN note_search_fts VIRTUAL TABLE")
    assert plan.index("SEARCH note USING INTEGER PRIMARY KEY (rowid=?)", walk) > walk


def test_a_caseloads_insights_are_walked_in_the_index_among_its_clients_too(fts5_statistics, signed_in, therapist):
    """Insights as notes (migration 0033): a caseload's insights were each listed with their note before
    any was tested for the words."""
    client = a_client_with_notes(therapist)
    InsightFactory(note=NoteFactory(client=client, author=therapist), text="A lighthouse kept watch",
                   client_words="")
    page, parameters, steps = searched(signed_in, "lighthouse", "insight_search_fts")
    assert "<mark>lighthouse</mark> kept watch" in page
    assert any("client_id : (" in str(value) for value in parameters)
    plan = " | ".join(steps)
    assert "MATERIALIZE allowed" not in plan
    walk = plan.index("SCAN insight_search_fts VIRTUAL TABLE")
    assert plan.index("SEARCH insight USING INTEGER PRIMARY KEY (rowid=?)", walk) > walk


def test_a_search_of_ones_own_notes_walks_the_index_only_between_them(fts5_statistics, client, auth, admin,
                                                                     therapist):
    """An admin reads only the notes they wrote: FTS5 walks the matches between their first and their
    last note (a rowid range in the index), not every match in the practice; none written, none walked."""
    theirs = a_client_with_a_lighthouse(therapist)
    NoteFactory(client=theirs, author=admin, content={"focus": "A lighthouse on the admin's own note."})
    auth.login(admin)
    page, _, plan = searched(client, "lighthouse")
    assert "admin&#39;s own note" in page and "at dawn" not in page
    [walk] = [step for step in plan if step.startswith("SCAN note_search_fts VIRTUAL TABLE")]
    assert walk.endswith("><"), plan  # FTS5 is given both ends of the range (rowid > and <)
    # Their notes are listed by author, whatever the statistics say of it: by client they were every
    # note of the practice's 5,005 clients read to find none (550 ms after a full ANALYZE).
    assert "SEARCH note USING INDEX ix_note_author_id (author_id=?)" in plan, plan
