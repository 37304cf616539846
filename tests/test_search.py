"""Search over notes and insights: within one client and across the user's own clients."""
import time
from datetime import date, timedelta

import pytest
from markupsafe import Markup
from sqlalchemy import insert, select

from integration.audit.models import AuditEvent
from integration.extensions import db
from integration.notes.models import Note
from integration.search.query import highlight, note_text, parse_terms
from tests.factories import ClientFactory, InsightFactory, NoteFactory, PracticeFactory, UserFactory


@pytest.fixture
def wren(therapist):
    return ClientFactory.for_team(therapist, first_name="Wren", last_name="Halloway")


def test_parse_terms_lowercases_and_drops_repeats_and_quotes():
    assert parse_terms('  Ocean "CALM" ocean  ') == ["ocean", "calm"]
    assert parse_terms("") == []
    assert len(parse_terms(" ".join(f"w{i}" for i in range(20)))) == 8


def test_highlight_marks_every_term_and_escapes_the_rest():
    snippet = highlight("The <b>ocean</b> felt calm & Ocean-wide", ["ocean", "calm"])
    assert isinstance(snippet, Markup)
    assert str(snippet) == ("The &lt;b&gt;<mark>ocean</mark>&lt;/b&gt; felt <mark>calm</mark> &amp; "
                            "<mark>Ocean</mark>-wide")


def test_highlight_shows_a_window_around_the_first_match():
    text = "word " * 200 + "the lighthouse appeared " + "word " * 200
    snippet = str(highlight(text, ["lighthouse"]))
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>lighthouse</mark>" in snippet and len(snippet) < 300


def test_note_text_gathers_every_section_in_order():
    content = {"experience": "Warm light", "emotions": [{"name": "awe", "intensity": 4}], "blank": " "}
    assert note_text(content) == "Warm light · awe"


def search_page(http, url, q):
    return http.get(url, query_string={"q": q}).get_data(as_text=True)


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


def test_like_wildcards_match_themselves(client, auth, therapist, wren):
    NoteFactory(client=wren, author=therapist, text="mood rose to 80% by evening")
    NoteFactory(client=wren, author=therapist, text="an ordinary day")
    auth.login(therapist)
    page = search_page(client, f"/clients/{wren.id}/search", "%")
    assert "80<mark>%</mark>" in page and "ordinary" not in page
    assert "ordinary" not in search_page(client, f"/clients/{wren.id}/search", "_")


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


def test_search_needs_sign_in(client, therapist, wren):
    NoteFactory(client=wren, author=therapist, text="secret garden")
    response = client.get("/search?q=garden")
    assert response.status_code == 302 and "secret" not in response.get_data(as_text=True)


def test_an_outsider_cannot_search_a_client(client, auth, practice, wren):
    auth.login(UserFactory(practice=practice))
    assert client.get(f"/clients/{wren.id}/search?q=a").status_code == 404


def test_search_over_5000_notes_is_fast(client, auth, therapist, wren):
    words = ["river", "mountain", "breath", "mother", "light", "fear", "sleep", "work", "garden", "dream"]
    base = "We talked through the week, the practices tried, what felt different in the body and in the mind. " * 8
    rows = [{"client_id": wren.id, "author_id": therapist.id, "kind": "integration", "status": "signed",
             "occurred_on": date(2024, 1, 1) + timedelta(days=i % 600), "version": 1,
             "content": {"focus": f"{base} {words[i % 10]} {words[(i * 7) % 10]}"},
             "search_text": f"{base} {words[i % 10]} {words[(i * 7) % 10]}".lower()} for i in range(5000)]
    db.session.execute(insert(Note), rows)
    db.session.commit()
    auth.login(therapist)
    timings = {}
    for label, url in (("one client", f"/clients/{wren.id}/search"), ("all clients", "/search")):
        start = time.perf_counter()
        response = client.get(url, query_string={"q": "light garden"})
        timings[label] = time.perf_counter() - start
        assert response.status_code == 200 and "<mark>garden</mark>" in response.get_data(as_text=True)
    print(f"\nsearch over 5,000 notes ({len(base)} chars each): "
          + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items()))
    assert max(timings.values()) < 2.0
