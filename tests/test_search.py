"""Search over notes and insights: within one client and across the user's own clients."""
import re
from datetime import date, timedelta

import pytest
from markupsafe import Markup
from flask_login import login_user
from sqlalchemy import event, insert, select, text

from integration.audit.models import AuditEvent
from integration.extensions import db
from integration.notes.models import Note
from integration.permissions import reading_scopes
from integration.search import index
from integration.search import query as search_logic
from integration.search.query import PER_PAGE, highlight, note_text, parse_query
from integration.search.tokens import marked, spans, tokens
from tests.conftest import POSTGRES_URL
from tests.factories import ClientFactory, InsightFactory, NoteFactory, PracticeFactory, UserFactory


@pytest.fixture
def wren(therapist):
    return ClientFactory.for_team(therapist, first_name="Wren", last_name="Halloway")


def test_parse_query_lowercases_stems_and_drops_repeats():
    assert parse_query('  Ocean "CALM" oceans  ') == [("ocean",), ("calm",)]
    assert parse_query("") == [] and parse_query("% _ ...") == []
    assert len(parse_query(" ".join(f"w{i}" for i in range(20)))) == 8


def test_parse_query_keeps_quoted_words_together_in_order():
    assert parse_query('grief "warm light" “Her Grandmother’s voice”') == [
        ("grief",), ("warm", "light"), ("her", "grandmoth", "voic")]
    assert parse_query('"unclosed phrase here') == [("unclos", "phrase", "here")]


def test_highlight_marks_every_term_and_escapes_the_rest():
    snippet = highlight("The <b>ocean</b> felt calm & Ocean-wide", ["ocean", "calm"])
    assert isinstance(snippet, Markup)
    assert str(snippet) == ("The &lt;b&gt;<mark>ocean</mark>&lt;/b&gt; felt <mark>calm</mark> &amp; "
                            "<mark>Ocean</mark>-wide")


def test_highlight_shows_a_window_around_the_first_match():
    text = "word " * 200 + "the lighthouse appeared " + "word " * 200
    snippet = str(highlight(text, tokens("lighthouse")))  # highlight marks index tokens
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>lighthouse</mark>" in snippet and len(snippet) < 300


def test_marked_finds_exactly_the_words_whose_tokens_are_marked():
    """The highlighter finds by one pattern the words `spans` makes tokens of: whole words only,
    never inside a longer word or across an inner apostrophe, whatever the quotes around them."""
    text = ("Clock o'clock 'clock' clock's clocks; O’CLOCK clock’ ‘clock Clocking x''clock "
            "don't don’t dont Zoë's zoe café cafés cafe\u0301 __clock clock_ 2clock")
    for query in ("clock", "don't", "zoe", "cafe", "clock zoe", "nothing"):
        marks = frozenset(tokens(query))
        expected = [(start, end) for start, end, token in spans(text) if token in marks]
        assert list(marked(text, marks)) == expected, query
    assert [text[s:e] for s, e in marked(text, frozenset(tokens("clock")))] == [
        "Clock", "clock", "clock's", "clocks", "clock", "clock", "Clocking", "clock", "__clock", "clock_"]


def test_note_text_gathers_every_field_in_order_without_bare_answers():
    """A snippet shows the words search indexed: emotion labels, not a yes/no answer out of its form."""
    content = {"experience": "Warm light", "emotions": {"picked": {"awe": 4}, "text": "  "}, "body": " ",
               "safety": {"mood": "Calm", "asked": "yes", "answer": "No thoughts of it", "follow_up": "no"}}
    assert note_text(Note(kind="debrief", content=content)) == "Warm light · Awe, wonder · Calm · No thoughts of it"


def search_page(http, url, q, page=None):
    args = {"q": q} if page is None else {"q": q, "page": page}
    return http.get(url, query_string=args).get_data(as_text=True)


def test_client_search_finds_notes_and_insights_matching_every_word(client, auth, therapist, wren):
    NoteFactory(client=wren, author=therapist, text="The Ocean felt calm and wide")
    NoteFactory(client=wren, author=therapist, text="The ocean was stormy")
    note = NoteFactory(client=wren, author=therapist, text="Quiet week")
    InsightFactory(note=note, text="Calm comes back", client_words="like the ocean at dawn")
    auth.login(therapist)
    page = search_page(client, f"/clients/{wren.id}/search", "ocean CALM")
    assert "The <mark>Ocean</mark> felt <mark>calm</mark> and wide" in page
    assert "stormy" not in page
    assert "<mark>Calm</mark> comes back · In their words: like the <mark>ocean</mark> at dawn" in page


def test_client_search_stays_within_that_client(client, auth, therapist, wren):
    other = ClientFactory.for_team(therapist, first_name="Other")
    NoteFactory(client=other, author=therapist, text="lighthouse of the other client")
    NoteFactory(client=wren, author=therapist, text="lighthouse of wren")
    auth.login(therapist)
    page = search_page(client, f"/clients/{wren.id}/search", "lighthouse")
    assert "of wren" in page and "other client" not in page


def test_punctuation_is_never_a_wildcard(client, auth, therapist, wren):
    NoteFactory(client=wren, author=therapist, text="mood rose to 80% by evening")
    NoteFactory(client=wren, author=therapist, text="an ordinary day")
    auth.login(therapist)
    for query in ("%", "_", "*", '"', "ordinary OR *"):
        page = search_page(client, f"/clients/{wren.id}/search", query)
        assert "80%" not in page and ("ordinary day" not in page or "ordinary" in query)
    assert "<mark>80</mark>% by evening" in search_page(client, f"/clients/{wren.id}/search", "80%")


def test_words_match_by_their_stem_and_without_accents(client, auth, therapist, wren):
    NoteFactory(client=wren, author=therapist, text="She was grieving at the Café by the river")
    auth.login(therapist)
    page = search_page(client, f"/clients/{wren.id}/search", "grieves cafe")
    assert "She was <mark>grieving</mark> at the <mark>Café</mark> by the river" in page


def test_a_quoted_phrase_matches_the_words_together_and_in_order(client, auth, therapist, wren):
    NoteFactory(client=wren, author=therapist, text="The warm light came back at dawn")
    NoteFactory(client=wren, author=therapist, text="The light was warm and low")
    auth.login(therapist)
    page = search_page(client, f"/clients/{wren.id}/search", '"warm light"')
    assert "<mark>warm</mark> <mark>light</mark> came back" in page and "was warm and low" not in page
    assert "was <mark>warm</mark>" in search_page(client, f"/clients/{wren.id}/search", "warm light")


def test_results_are_ranked_by_relevance(client, auth, therapist, wren):
    NoteFactory(client=wren, author=therapist, text="a long note about the week " * 20 + "and the harbor once",
                occurred_on=date.today())
    NoteFactory(client=wren, author=therapist, text="harbor, harbor: the harbor again",
                occurred_on=date.today() - timedelta(days=30))
    auth.login(therapist)
    page = search_page(client, f"/clients/{wren.id}/search", "harbor")
    assert page.index("the <mark>harbor</mark> again") < page.index("the <mark>harbor</mark> once")


def test_a_saved_note_is_found_by_its_new_words_and_no_longer_by_its_old(client, auth, therapist, wren):
    from integration.notes import lifecycle

    note = NoteFactory(client=wren, author=therapist, text="the old orchard")
    lifecycle.save_draft(note, {"focus": "a new meadow"}, note.version, therapist)
    db.session.commit()
    auth.login(therapist)
    assert "<mark>meadow</mark>" in search_page(client, f"/clients/{wren.id}/search", "meadow")
    assert "Nothing matches" in search_page(client, f"/clients/{wren.id}/search", "orchard")


def test_an_edited_insight_is_found_by_its_new_words(client, auth, therapist, wren):
    insight = InsightFactory(note=NoteFactory(client=wren, author=therapist), text="the fox", client_words="")
    insight.client_words = "a heron by the pond"
    db.session.commit()
    auth.login(therapist)
    assert "<mark>heron</mark>" in search_page(client, f"/clients/{wren.id}/search", "heron")


def test_search_escapes_note_and_query_text(client, auth, therapist, wren):
    NoteFactory(client=wren, author=therapist, text="<script>alert('x')</script> harbor")
    auth.login(therapist)
    page = search_page(client, f"/clients/{wren.id}/search", "harbor <img>")
    assert "<script>alert" not in page and "<img>" not in page


def test_search_across_clients_only_returns_the_users_own_clients(client, auth, practice, therapist, wren):
    colleague = UserFactory(practice=practice)
    theirs = ClientFactory.for_team(colleague, first_name="Not", last_name="Mine")
    elsewhere_admin = UserFactory(practice=PracticeFactory(), role="admin")
    far = ClientFactory.for_team(elsewhere_admin, first_name="Far", last_name="Away")
    NoteFactory(client=wren, author=therapist, text="the lantern story")
    InsightFactory(note=NoteFactory(client=theirs, author=colleague), text="a lantern in their insight")
    NoteFactory(client=theirs, author=colleague, text="their lantern note")
    NoteFactory(client=far, author=elsewhere_admin, text="a faraway lantern")
    auth.login(therapist)
    page = search_page(client, "/search", "lantern")
    assert "Wren Halloway" in page and "the <mark>lantern</mark> story" in page
    for leaked in ("Mine", "their insight", "their lantern", "faraway", "Far Away"):
        assert leaked not in page


def test_admin_searches_only_a_record_opened_by_break_glass_never_another_practice(
        client, auth, practice, admin, therapist, wren):
    NoteFactory(client=wren, author=therapist, text="a compass in the dream")
    other_admin = UserFactory(practice=PracticeFactory(), role="admin", profession="therapist")
    far = ClientFactory.for_team(other_admin, first_name="Far", last_name="Away")
    NoteFactory(client=far, author=other_admin, text="a compass far away")
    auth.login(admin)
    assert "in the dream" not in search_page(client, "/search", "compass")  # no clinical content by default
    client.post(f"/clients/{wren.id}/break-glass", data={"reason": "Crisis call, team away"})
    page = search_page(client, "/search", "compass")
    assert "in the dream" in page and "far away" not in page


def test_search_across_clients_logs_a_view_of_each_client_shown(client, auth, therapist, wren):
    NoteFactory(client=wren, author=therapist, text="the meadow again")
    auth.login(therapist)
    search_page(client, "/search", "meadow")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.detail == "search results")).all()
    assert [(e.action, e.client_id) for e in events] == [("view", wren.id)]


def test_a_results_page_decrypts_what_it_shows_and_nothing_else(client, auth, therapist, wren, decrypted):
    """Each result's client and note are loaded for a name and a date: their other encrypted fields
    (contact details, the note's sections behind an insight, the search text) stay unread."""
    wren.email, wren.phone, wren.emergency_contact = "wren@example.test", "555-0101", "Ash Halloway, 555-0102"
    NoteFactory(client=wren, author=therapist, text="the harbour at night")
    InsightFactory(note=NoteFactory(client=wren, author=therapist, text="Quiet week"),
                   text="The harbour is safe", client_words="I can rest there")
    db.session.commit()
    auth.login(therapist)
    decrypted.clear()
    page = search_page(client, "/search", "harbour")
    assert "the <mark>harbour</mark> at night" in page and "The <mark>harbour</mark> is safe" in page
    read = " | ".join(decrypted)
    assert "harbour at night" in read and "The harbour is safe" in read and "I can rest there" in read
    for unread in ("wren@example.test", "555-0101", "Ash Halloway", "Quiet week"):
        assert unread not in read
    assert sum("harbour at night" in value for value in decrypted) == 1  # its sections; not its search text


def test_search_needs_sign_in(client, therapist, wren):
    NoteFactory(client=wren, author=therapist, text="secret garden")
    response = client.get("/search?q=garden")
    assert response.status_code == 302 and "secret" not in response.get_data(as_text=True)


def test_an_outsider_cannot_search_a_client(client, auth, practice, wren):
    auth.login(UserFactory(practice=practice))
    assert client.get(f"/clients/{wren.id}/search?q=a").status_code == 404


def _bulk_notes(client_id, author_id, count, words):
    """`count` notes written with one INSERT, then indexed the way bulk loaders do (index.write_notes)."""
    base = "We talked through the week, the practices tried, what felt different in the body and in the mind. " * 8
    rows = [{"client_id": client_id, "author_id": author_id, "kind": "integration", "status": "signed",
             "occurred_on": date(2024, 1, 1) + timedelta(days=i % 600), "version": 1,
             "content": {"focus": f"{base} {words[i % len(words)]}{' lantern' if i == 0 else ''}"},
             "search_text": f"{base} {words[i % len(words)]}{' lantern' if i == 0 else ''}".lower()}
            for i in range(count)]
    db.session.execute(insert(Note), rows)
    ids = db.session.scalars(select(Note.id).where(Note.client_id == client_id)).all()
    index.write_notes(db.session.connection(), [(n.id, n.client_id, n.search_text) for n in db.session.scalars(
        select(Note).where(Note.id.in_(ids)))])
    db.session.commit()


def _queries_for(http, url, q, page=None) -> tuple[int, str]:
    """(SQL statements run, page) for one search request."""
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        page = search_page(http, url, q, page)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements), page


def test_a_results_page_costs_the_same_queries_for_one_result_as_for_a_full_page(client, auth, therapist):
    clients = [ClientFactory.for_team(therapist, first_name=f"C{i}") for i in range(60)]
    for number, someone in enumerate(clients):
        rare = "lantern" if number == 0 else ""
        note = NoteFactory(client=someone, author=therapist, text=f"river stones {rare}")
        InsightFactory(note=note, text=f"river insight {rare}", client_words="by the river", themes=["water"])
    auth.login(therapist)
    one, page = _queries_for(client, "/search", "lantern")
    assert page.count("<mark>lantern</mark>") == 2  # one note, one insight
    many, page = _queries_for(client, "/search", "river")
    assert page.count("search-meta") == 2 * PER_PAGE  # a page of notes and one of insights, each its own client
    assert one == many
    shown = db.session.scalars(select(AuditEvent.client_id).where(AuditEvent.detail == "search results")).all()
    assert len(shown) == 1 + PER_PAGE
    more, page = _queries_for(client, "/search", "river", page=3)  # 60 of each: the last page of 20
    assert more == one and page.count("search-meta") == 2 * PER_PAGE and 'rel="next"' not in page


def test_more_results_pages_on_without_repeats(client, auth, therapist):
    clients = [ClientFactory.for_team(therapist, first_name=f"C{i}") for i in range(PER_PAGE + 5)]
    for someone in clients:
        NoteFactory(client=someone, author=therapist, text="the heron by the water")
    auth.login(therapist)
    first = search_page(client, "/search", "heron")
    assert first.count("<mark>heron</mark>") == PER_PAGE and 'rel="next"' in first
    second = search_page(client, "/search", "heron", page=2)
    assert second.count("<mark>heron</mark>") == 5 and 'rel="next"' not in second
    seen = re.findall(r'href="/clients/(\d+)"', first) + re.findall(r'href="/clients/(\d+)"', second)
    assert sorted(set(map(int, seen))) == sorted(c.id for c in clients)
    assert "No more matches" in search_page(client, "/search", "heron", page=3)


def test_search_audit_rows_for_many_clients_are_one_statement(client, auth, therapist):
    clients = [ClientFactory.for_team(therapist, first_name=f"C{i}") for i in range(5)]
    for someone in clients:
        NoteFactory(client=someone, author=therapist, text="the willow")
    auth.login(therapist)
    statements = []

    def keep(connection, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        search_page(client, "/search", "willow")
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    inserts = [sql for sql in statements if sql.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT")]
    assert len(inserts) == 1
    rows = db.session.scalars(select(AuditEvent.client_id).where(AuditEvent.detail == "search results")).all()
    assert sorted(rows) == sorted(c.id for c in clients)


def test_search_over_5000_notes_runs_a_fixed_number_of_queries(client, auth, therapist, wren):
    words = ["river", "mountain", "breath", "mother", "light", "fear", "sleep", "work", "garden", "dream"]
    _bulk_notes(wren.id, therapist.id, 5000, words)
    auth.login(therapist)
    for url in (f"/clients/{wren.id}/search", "/search"):
        rare, page = _queries_for(client, url, "lantern")
        assert page.count("<mark>lantern</mark>") == 1
        common, page = _queries_for(client, url, "garden")
        assert page.count("<mark>garden</mark>") == PER_PAGE and rare == common


def _plan_modes_of_searches(narrow_scope: int, monkeypatch) -> tuple[list[str], str, list]:
    """(PostgreSQL's plan_cache_mode as each search statement ran, the mode after the search, the
    results' note ids of each run) for seven searches in a row: psycopg prepares a statement on its
    fifth run, and a kept (generic) plan is used from then on."""
    monkeypatch.setattr(search_logic, "NARROW_SCOPE", narrow_scope)
    modes, found = [], []

    def mode_now(connection, cursor, statement, *args):
        if "allowed" in statement or "candidates" in statement:
            with cursor.connection.cursor() as own:
                modes.append(own.execute("SHOW plan_cache_mode").fetchone()[0])

    event.listen(db.engine, "after_cursor_execute", mode_now)
    try:
        for _ in range(7):
            results = search_logic.search(parse_query("heron"), reading_scopes())
            found.append([note.id for note in results.notes])
    finally:
        event.remove(db.engine, "after_cursor_execute", mode_now)
    after = db.session.execute(text("SHOW plan_cache_mode")).scalar()
    return modes, after, found


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's plan cache (make test-pg)")
@pytest.mark.parametrize("gathered", [False, True], ids=["narrow or walk", "gather"])
def test_postgresql_keeps_the_plan_of_a_caseloads_search_and_plans_a_wide_one_for_its_word(
        app, therapist, wren, monkeypatch, gathered):
    """A caseload's statements keep one plan (narrow, or a gather that names the caseload on the token
    rows: what a plan made without the word reads is bounded by the caseload); a wide reader's (a walk,
    or a gather of the whole practice's matches) are planned for their word. The default is back
    after the search."""
    notes = [NoteFactory(client=wren, author=therapist, text=f"the heron at dawn {i}") for i in range(3)]
    NoteFactory(client=wren, author=therapist, text="a quiet morning")
    if gathered:  # every list gathers its matches from the index, as statistics choose for a rare word
        monkeypatch.setattr(search_logic, "_branch", lambda *args: search_logic.GATHER)
    with app.test_request_context():
        login_user(therapist)
        # A caseload of one, then counted as many (wide).
        for narrow_scope, mode in ((300, "force_generic_plan"), (0, "force_custom_plan")):
            modes, after, found = _plan_modes_of_searches(narrow_scope, monkeypatch)
            assert set(modes) == {mode} and after == "force_custom_plan"
            assert all(set(ids) == {n.id for n in notes} for ids in found)


def test_postgresqls_statistics_choose_how_a_search_finds_its_candidates(monkeypatch):
    """A token not listed gets the planner's own share (at most 0.5 %) and the rarest token of the query
    bounds the matches: a caseload gathers them from the index when the whole table holds fewer than
    the caseload does or its own matches are fewer than a walk would test, a wide reader when gathering
    reads fewer rows than a walk would."""
    notes = index.TokenStatistics(rows=200_000, per_client=40, shares={"calm": 0.3, "dusk": 0.05}, unlisted=0.005)
    assert notes.matches([("calm",)]) == pytest.approx(60_000)
    assert notes.matches([("calm",), ("heron", "calm")]) == pytest.approx(1_000)
    monkeypatch.setattr(index, "_statistics", index._Statistics(0.0, {("note_search", "tokens"): notes}))
    branch = search_logic._branch
    assert branch("postgresql", [("heron",)], "notes", 100, True) == "gather"  # 1,000 of 200,000; 4,000 in the caseload
    assert branch("postgresql", [("calm",)], "notes", 100, True) == "narrow"
    assert branch("postgresql", [("heron",)], "notes", 20, True) == "gather"  # its 4 of 800 notes, not 800 tested
    assert branch("postgresql", [("heron",)], "notes", None, False) == "gather"  # 1,000 < √(200 × 200,000) = 6,325
    assert branch("postgresql", [("dusk",)], "notes", None, False) == "walk"  # 10,000 matches: 200 in 4,000 walked
    assert branch("postgresql", [("calm",)], "notes", None, False) == "walk"
    assert branch("postgresql", [("heron",)], "full", 100, True) == "narrow"  # no statistics of the insights: unknown
    assert branch("sqlite", [("heron",)], "notes", 100, True) == "narrow"
    # A caseload's insights: gathered while the caseload's matches (s × r of its r rows) are fewer than a
    # walk would test to find CANDIDATES (CANDIDATES / s), each joined to its note: s² × r < CANDIDATES.
    insights = index.TokenStatistics(rows=36_000, per_client=7.2, shares={"calm": 0.3, "the": 0.9}, unlisted=0.005)
    monkeypatch.setattr(index, "_statistics", index._Statistics(0.0, {("note_search", "tokens"): notes,
                                                                      ("insight_search", "everything"): insights}))
    assert branch("postgresql", [("calm",)], "full", 100, True) == "gather"  # 0.09 × 720 = 65: 216 read, not 667
    assert branch("postgresql", [("the",)], "full", 100, True) == "narrow"  # 0.81 × 720 = 583: 222 tested find them
    assert branch("postgresql", [("calm",)], "full", None, False) == "walk"  # a wide reader: as for notes
    # A caseload of one client named on the token rows gathers; an admin's own notes (found by author)
    # beside a record opened by break-glass cannot be named, and a gather would read every match in the
    # practice.
    assert branch("postgresql", [("calm",)], "notes", 1, True) == "gather"
    assert branch("postgresql", [("calm",)], "notes", 1, False) == "narrow"
    assert branch("postgresql", [("calm",)], "notes", 0, False) == "narrow"  # no record opened
    assert branch("postgresql", [("calm",)], "notes", 100, True) == "narrow"  # 0.09 × 4,000 = 360: notes as insights
    monkeypatch.setattr(index, "ROUTED_FROM", 300_000)
    assert branch("postgresql", [("heron",)], "notes", 100, True) == "narrow"  # a small table: never consulted
    # At 1,000,000 notes a word not listed is expected in 5,000 notes, more than the caseload's 4,000; gathered,
    # the caseload's matches are 20 of them.
    monkeypatch.setattr(index, "_statistics", index._Statistics(0.0, {("note_search", "tokens"): index.TokenStatistics(
        rows=1_000_000, per_client=40, shares={"calm": 0.3}, unlisted=0.005)}))
    assert branch("postgresql", [("heron",)], "notes", 100, True) == "gather"
    assert branch("postgresql", [("calm",)], "notes", 100, True) == "narrow"


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's statistics (make test-pg)")
def test_postgresql_finds_a_word_its_statistics_call_rare_through_the_index(client, auth, therapist, wren,
                                                                           monkeypatch):
    for someone in [wren] + [ClientFactory.for_team(therapist) for _ in range(9)]:
        _bulk_notes(someone.id, therapist.id, 30, ["garden"])  # "lantern" in one note of each client
        first = db.session.scalars(select(Note).where(Note.client_id == someone.id).order_by(Note.id)).first()
        for _ in range(2):  # "meadow" in every insight and in no note
            InsightFactory(note=first, text="The meadow at noon", client_words="")
    for table in ("note_search", "insight_search", "client"):
        db.session.execute(text(f"ANALYZE {table}"))
    db.session.commit()
    monkeypatch.setattr(index, "ROUTED_FROM", 0)
    index.forget_statistics()  # read again as the search's connection is taken from the pool
    auth.login(therapist)
    statements = []

    def keep(connection, cursor, statement, *args):
        if "candidates" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        rare = search_page(client, "/search", "lantern")
        rare_statements, statements[:] = statements[:], []
        common = search_page(client, "/search", "garden")
        common_statements, statements[:] = statements[:], []
        in_insights = search_page(client, "/search", "meadow")
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
        index.forget_statistics()
    # Lantern: 10 of the caseload's 300 notes; found through the GIN index and the client index together.
    assert rare.count("<mark>lantern</mark>") == 10
    [notes_statement] = [sql for sql in rare_statements if "note_search" in sql]
    assert "@@" in notes_statement and "ts_match_vq" not in notes_statement
    # Every match gathered and sorted on its own (no walk of a key), before any is joined to its note.
    assert "SELECT note_search.note_id + 0 AS id" in notes_statement and "ORDER BY id DESC" in notes_statement
    # The caseload is named on the token rows too, where ix_note_search_client_id meets the GIN index.
    assert "note_search.client_id = ANY" in notes_statement
    # Garden: in every note; gathered, that would be all 300: they are tested one by one, newest first,
    # until a page's worth match.
    assert common.count("<mark>garden</mark>") == PER_PAGE
    [notes_statement] = [sql for sql in common_statements if "note_search" in sql]
    assert "ts_match_vq" in notes_statement
    # Meadow: in every insight. The caseload's 20 are gathered by the GIN index and the client index
    # together, so only insights that hold it are joined to their notes (migration 0033).
    assert in_insights.count("<mark>meadow</mark>") == 20
    [insights_statement] = [sql for sql in statements if "insight_search" in sql]
    assert "insight_search.client_id = ANY" in insights_statement and "ts_match_vq" not in insights_statement


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's statistics (make test-pg)")
def test_postgresql_never_gathers_every_match_in_the_practice_for_an_admins_own_notes(
        client, auth, admin, therapist, wren, monkeypatch):
    """An admin reads only the notes they wrote, found by author: their search counts no caseload, and a
    gather could not name one on the token rows, so it would read every match of the word."""
    _bulk_notes(wren.id, therapist.id, 30, ["garden"])
    for table in ("note_search", "client"):
        db.session.execute(text(f"ANALYZE {table}"))
    db.session.commit()
    monkeypatch.setattr(index, "ROUTED_FROM", 0)
    index.forget_statistics()
    auth.login(admin)
    statements = []

    def keep(connection, cursor, statement, *args):
        if "candidates" in statement and "note_search" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        page = search_page(client, "/search", "garden")
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
        index.forget_statistics()
    assert "Nothing matches" in page  # the admin wrote none of them
    [notes_statement] = statements
    assert "AS matched" not in notes_statement and "allowed" in notes_statement  # their own notes, listed


class _Cursor:
    """A DBAPI cursor whose statement fails, as pg_stats would for a role that may not read it."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, statement):
        raise RuntimeError("permission denied")


class _FailingConnection:
    rolled_back = 0

    def cursor(self):
        return _Cursor()

    def rollback(self):
        self.rolled_back += 1


_FailingConnection.__module__ = "psycopg"  # what the listener takes for a PostgreSQL connection


def test_a_failed_read_of_postgresqls_statistics_keeps_what_was_known_and_the_connection_usable(monkeypatch,
                                                                                               caplog):
    known = {("note_search", "tokens"): index.TokenStatistics(rows=200_000, per_client=40, shares={}, unlisted=0.005)}
    monkeypatch.setattr(index, "_statistics", index._Statistics(float("-inf"), dict(known)))
    connection = _FailingConnection()
    index._fresh_statistics(connection, None, None)
    assert index._statistics.columns == known and connection.rolled_back == 1
    assert "could not read the search index's statistics" in caplog.text
    index._fresh_statistics(connection, None, None)  # read again only once STATISTICS_KEPT_FOR has passed
    assert connection.rolled_back == 1


def test_optimize_search_merges_the_index_and_search_finds_the_same(client, auth, runner, therapist, wren):
    for n in range(12):  # one save each, as people save: each adds a piece (a segment) to SQLite's index
        NoteFactory(client=wren, author=therapist, text=f"harbour walk number w{n}")
    auth.login(therapist)
    before = search_page(client, f"/clients/{wren.id}/search", "harbour walk")
    result = runner.invoke(args=["optimize-search"])
    assert result.exit_code == 0, result.output
    if db.engine.dialect.name == "postgresql":
        assert "nothing to do" in result.output
    else:
        with db.engine.connect() as connection:
            assert index.segments(connection) == {"note_search_fts": 1, "insight_search_fts": 0}  # no insights
        merged = re.search(r"note_search_fts: (\d+) segments -> 1", result.output)
        assert merged and int(merged.group(1)) > 1, result.output
    after = search_page(client, f"/clients/{wren.id}/search", "harbour walk")
    snippets = re.compile(r'<p class="snippet">(.*?)</p>', re.S)  # not the page: its CSRF token is timed
    assert len(snippets.findall(after)) == 12 and snippets.findall(after) == snippets.findall(before)
    assert after.count("<mark>harbour</mark> <mark>walk</mark>") == 12
