"""Insights: adding them in a note, linking them to history and goals, the per-client insights page."""
import copy
from datetime import date, datetime

import pytest
from sqlalchemy import event, select

from integration.audit.models import AuditEvent
from integration.clients.models import Goal, HistoryItem
from integration.extensions import db
from integration.notes.insights import parse_themes
from integration.notes.models import Insight, InsightTheme, Note
from tests.factories import (ClientFactory, GoalFactory, HistoryItemFactory, InsightFactory, NoteFactory,
                             UserFactory)
from tests.routes import CLIENT_SCOPED

HTMX = {"HX-Request": "true"}


@pytest.fixture
def record(therapist):
    """A client of the therapist's with a draft note, a goal and a history item."""
    client = ClientFactory.for_team(therapist, first_name="Wren", last_name="Halloway")
    return {
        "client": client,
        "note": NoteFactory(client=client, author=therapist),
        "goal": GoalFactory(client=client, title="Sleep through the night"),
        "history": HistoryItemFactory(client=client, title="Grandmother's garden", category="childhood"),
    }


def add_url(record):
    return f"/clients/{record['client'].id}/notes/{record['note'].id}/insights"


def insight_data(**fields):
    data = {"text": "Safety can be felt in the body, not only thought",
            "client_words": "I can feel safe, not just think it", "themes": "",
            "new_goal_title": "", "new_history_title": "", "new_history_category": "other"}
    data.update(fields)
    return {f"insight-{key}": value for key, value in data.items()}


def only_insight():
    return db.session.scalars(select(Insight)).one()


# Adding ------------------------------------------------------------------------------------

def test_parse_themes_lowercases_trims_and_drops_repeats():
    assert parse_themes(" Trust,  the   Body ,trust,, GRIEF ") == ["trust", "the body", "grief"]
    assert parse_themes("") == []


def test_add_an_insight_with_themes_and_links_from_a_draft_note(signed_in, record):
    data = insight_data(themes="Safety, the Body , safety", goal_ids=str(record["goal"].id),
                        history_ids=str(record["history"].id))
    response = signed_in.post(add_url(record), data=data)
    assert response.status_code == 302
    insight = only_insight()
    assert insight.text == "Safety can be felt in the body, not only thought"
    assert insight.client_words == "I can feel safe, not just think it"
    assert insight.note_id == record["note"].id
    assert insight.theme_names == ["safety", "the body"]
    assert [g.title for g in insight.goals] == ["Sleep through the night"]
    assert [h.title for h in insight.history_items] == ["Grandmother's garden"]
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "create",
                                                        AuditEvent.object_type == "insight")).one()
    assert audit.client_id == record["client"].id


def test_insights_can_be_added_to_a_signed_note_without_touching_its_text(signed_in, record, therapist):
    note = record["note"]
    note.status, note.signed_at, note.signed_by_id = "signed", datetime(2025, 1, 1), therapist.id
    note.content_hash = "a" * 64
    db.session.commit()
    signed_text = copy.deepcopy(note.content)
    response = signed_in.post(add_url(record), data=insight_data())
    assert response.status_code == 302
    db.session.refresh(note)
    assert note.content == signed_text and note.content["focus"] == "We talked about the week."
    assert note.content_hash == "a" * 64 and note.version == 1
    assert only_insight().note_id == note.id
    assert "signed" in db.session.scalars(select(AuditEvent.detail).where(AuditEvent.object_type == "insight")).one()


def test_htmx_add_answers_with_the_panel_showing_the_new_insight(signed_in, record):
    response = signed_in.post(add_url(record), data=insight_data(themes="Trust"), headers=HTMX)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="insights"' in page and "<html" not in page
    assert "Safety can be felt in the body" in page
    assert "Insight added." in page
    assert ">trust</a>" in page


def test_missing_statement_keeps_the_typed_text_and_says_so_at_the_field(signed_in, record):
    response = signed_in.post(add_url(record), data=insight_data(text="", client_words="Kept words"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Write the insight in a sentence or two." in page
    assert "Kept words" in page
    assert db.session.scalars(select(Insight)).all() == []


def test_htmx_mistake_comes_back_as_the_panel_with_the_message(signed_in, record):
    response = signed_in.post(add_url(record), data=insight_data(themes="x" * 61), headers=HTMX)
    assert response.status_code == 200  # htmx swaps 2xx only
    page = response.get_data(as_text=True)
    assert "Keep each theme to 60 characters or fewer." in page
    assert "x" * 61 in page
    assert db.session.scalars(select(Insight)).all() == []


def test_statement_longer_than_the_limit_is_refused(signed_in, record):
    response = signed_in.post(add_url(record), data=insight_data(text="a" * 1001))
    assert response.status_code == 422
    assert db.session.scalars(select(Insight)).all() == []


def test_another_clients_goal_or_history_cannot_be_linked(signed_in, record, therapist):
    other = ClientFactory.for_team(therapist, first_name="Other")
    their_goal = GoalFactory(client=other, title="Their goal")
    their_history = HistoryItemFactory(client=other, title="Their past")
    response = signed_in.post(add_url(record), data=insight_data(goal_ids=str(their_goal.id)))
    assert response.status_code == 422
    assert "Choose from this client&#39;s own goals." in response.get_data(as_text=True)
    response = signed_in.post(add_url(record), data=insight_data(history_ids=str(their_history.id)))
    assert response.status_code == 422
    assert db.session.scalars(select(Insight)).all() == []


def test_a_note_of_another_client_is_404(signed_in, record, therapist):
    other = ClientFactory.for_team(therapist, first_name="Other")
    their_note = NoteFactory(client=other, author=therapist)
    response = signed_in.post(f"/clients/{record['client'].id}/notes/{their_note.id}/insights", data=insight_data())
    assert response.status_code == 404


def test_new_goal_and_history_item_are_created_and_linked_on_the_spot(signed_in, record):
    data = insight_data(new_goal_title="Call my sister once a week", new_history_title="The move at age 12",
                        new_history_category="childhood", new_history_sensitive="y")
    assert signed_in.post(add_url(record), data=data).status_code == 302
    insight = only_insight()
    goal = db.session.scalars(select(Goal).where(Goal.title == "Call my sister once a week")).one()
    item = db.session.scalars(select(HistoryItem).where(HistoryItem.title == "The move at age 12")).one()
    assert goal.client_id == item.client_id == record["client"].id
    assert item.category == "childhood" and item.sensitive
    assert insight.goals == [goal] and insight.history_items == [item]
    created = set(db.session.scalars(select(AuditEvent.object_type).where(AuditEvent.action == "create")))
    assert {"goal", "historyitem", "insight"} <= created


def test_archived_goals_are_not_offered_for_new_links(signed_in, record):
    archived = GoalFactory(client=record["client"], title="An old hope", archived=True)
    page = signed_in.post(add_url(record), data=insight_data(text=""), headers=HTMX).get_data(as_text=True)
    assert "Sleep through the night" in page
    assert "An old hope" not in page
    response = signed_in.post(add_url(record), data=insight_data(goal_ids=str(archived.id)))
    assert response.status_code == 422


# Editing and linking ----------------------------------------------------------------------

def test_edit_changes_text_themes_and_links(signed_in, record):
    insight = InsightFactory(note=record["note"], text="First words", goals=[record["goal"]], themes=["old"])
    url = f"/clients/{record['client'].id}/insights/{insight.id}/edit"
    form = signed_in.get(url).get_data(as_text=True)
    assert "First words" in form and 'value="old"' in form
    response = signed_in.post(url, data=insight_data(text="Better words", themes="old, new",
                                                     history_ids=str(record["history"].id)))
    assert response.status_code == 302
    db.session.refresh(insight)
    assert insight.text == "Better words"
    assert insight.theme_names == ["new", "old"]
    assert insight.goals == [] and insight.history_items == [record["history"]]
    change = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "change")).one()
    # What changed, never the words: the audit log is the practice admin's, who reads no clinical content.
    assert "was 11 characters" in change.detail and "now 12 characters" in change.detail
    assert "First words" not in change.detail and "Better words" not in change.detail


def test_edit_keeps_a_link_to_a_goal_archived_since(signed_in, record):
    record["goal"].archived = True
    db.session.commit()
    insight = InsightFactory(note=record["note"], goals=[record["goal"]])
    url = f"/clients/{record['client'].id}/insights/{insight.id}/edit"
    assert "Sleep through the night" in signed_in.get(url).get_data(as_text=True)
    response = signed_in.post(url, data=insight_data(goal_ids=str(record["goal"].id)))
    assert response.status_code == 302
    db.session.refresh(insight)
    assert insight.goals == [record["goal"]]


def test_insight_of_another_client_cannot_be_reached_through_mine(signed_in, record, therapist):
    other = ClientFactory.for_team(therapist, first_name="Other")
    theirs = InsightFactory(note=NoteFactory(client=other, author=therapist))
    base = f"/clients/{record['client'].id}/insights/{theirs.id}"
    assert signed_in.get(f"{base}/edit").status_code == 404
    assert signed_in.post(f"{base}/links", data={"action": "add", "goal_id": record["goal"].id}).status_code == 404


def test_link_and_unlink_a_goal_and_a_history_item(signed_in, record):
    insight = InsightFactory(note=record["note"])
    url = f"/clients/{record['client'].id}/insights/{insight.id}/links"
    response = signed_in.post(url, data={"action": "add", "goal_id": record["goal"].id,
                                         "history_id": record["history"].id}, headers=HTMX)
    assert response.status_code == 200 and "Links saved." in response.get_data(as_text=True)
    db.session.refresh(insight)
    assert insight.goals == [record["goal"]] and insight.history_items == [record["history"]]
    assert signed_in.post(url, data={"action": "remove", "goal_id": record["goal"].id}).status_code == 302
    db.session.refresh(insight)
    assert insight.goals == [] and insight.history_items == [record["history"]]
    details = list(db.session.scalars(select(AuditEvent.detail).where(AuditEvent.object_type == "insight")))
    assert f"linked goal {record['goal'].id}" in details and f"unlinked goal {record['goal'].id}" in details


def test_linking_another_clients_goal_is_404(signed_in, record, therapist):
    insight = InsightFactory(note=record["note"])
    their_goal = GoalFactory(client=ClientFactory.for_team(therapist, first_name="Other"))
    url = f"/clients/{record['client'].id}/insights/{insight.id}/links"
    assert signed_in.post(url, data={"action": "add", "goal_id": their_goal.id}).status_code == 404
    db.session.refresh(insight)
    assert insight.goals == []


def test_an_archived_goal_takes_no_new_links(signed_in, record):
    record["goal"].archived = True
    db.session.commit()
    insight = InsightFactory(note=record["note"])
    url = f"/clients/{record['client'].id}/insights/{insight.id}/links"
    response = signed_in.post(url, data={"action": "add", "goal_id": record["goal"].id}, headers=HTMX)
    assert "archived" in response.get_data(as_text=True)
    db.session.refresh(insight)
    assert insight.goals == []


# The insights page ------------------------------------------------------------------------

def insights_url(record, **query):
    from urllib.parse import urlencode

    return f"/clients/{record['client'].id}/insights" + (f"?{urlencode(query)}" if query else "")


def test_insights_page_lists_newest_first_with_date_and_links(signed_in, record, therapist):
    older = NoteFactory(client=record["client"], author=therapist, occurred_on=date(2025, 3, 1))
    newer = NoteFactory(client=record["client"], author=therapist, occurred_on=date(2025, 5, 20))
    InsightFactory(note=older, text="Older insight", goals=[record["goal"]])
    InsightFactory(note=newer, text="Newer insight", client_words="in my words", themes=["trust"])
    page = signed_in.get(insights_url(record)).get_data(as_text=True)
    assert page.index("Newer insight") < page.index("Older insight")
    assert "May 20, 2025" in page and "Mar 1, 2025" in page
    assert "in my words" in page and "Sleep through the night" in page


def test_insights_page_filters(signed_in, record, therapist):
    march = NoteFactory(client=record["client"], author=therapist, occurred_on=date(2025, 3, 1))
    may = NoteFactory(client=record["client"], author=therapist, occurred_on=date(2025, 5, 20))
    InsightFactory(note=march, text="About the goal", goals=[record["goal"]], themes=["sleep"])
    InsightFactory(note=may, text="About the garden", history_items=[record["history"]], themes=["grief"])

    def shown(**query):
        page = signed_in.get(insights_url(record, **query)).get_data(as_text=True)
        return [text for text in ("About the goal", "About the garden") if text in page]

    assert shown() == ["About the goal", "About the garden"]
    assert shown(theme="grief") == ["About the garden"]
    assert shown(goal_id=record["goal"].id) == ["About the goal"]
    assert shown(history_id=record["history"].id) == ["About the garden"]
    assert shown(date_from="2025-04-01") == ["About the garden"]
    assert shown(date_to="2025-04-01") == ["About the goal"]
    assert shown(date_from="2025-01-01", date_to="2025-12-31") == ["About the goal", "About the garden"]


def test_sensitive_history_is_collapsed_on_the_insights_page(signed_in, record):
    secret = HistoryItemFactory(client=record["client"], title="What happened that winter",
                                category="adversity", sensitive=True)
    InsightFactory(note=record["note"], history_items=[secret])
    page = signed_in.get(insights_url(record)).get_data(as_text=True)
    assert '<details class="sensitive-item"><summary>Sensitive · Adversity and trauma</summary>' in page


def test_insight_text_is_escaped(signed_in, record):
    InsightFactory(note=record["note"], text="<script>alert(1)</script>", themes=["<b>"])
    page = signed_in.get(insights_url(record)).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "<b>" not in page


def count_queries(fn) -> int:
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def make_insights(record, author, how_many: int) -> None:
    goals = [GoalFactory(client=record["client"]) for _ in range(3)]
    notes = [Note(client_id=record["client"].id, author_id=author.id, kind="integration",
                  occurred_on=date(2025, 1, 1 + i % 28), content={}) for i in range(max(1, how_many // 5))]
    db.session.add_all(notes)
    db.session.flush()
    for i in range(how_many):
        insight = Insight(client_id=record["client"].id, note_id=notes[i % len(notes)].id, text=f"Insight {i}",
                          goals=[goals[i % 3]], history_items=[record["history"]])
        insight.themes = [InsightTheme(client_id=record["client"].id, theme=f"theme {i % 7}")]
        db.session.add(insight)
    db.session.commit()


def test_insights_page_query_count_does_not_grow(app, signed_in, record, therapist):
    make_insights(record, therapist, 10)
    small = count_queries(lambda: signed_in.get(insights_url(record)))
    make_insights(record, therapist, 490)
    big = count_queries(lambda: signed_in.get(insights_url(record)))
    filtered = count_queries(lambda: signed_in.get(insights_url(record, theme="theme 3", goal_id=record["goal"].id)))
    assert small == big
    assert filtered <= big + 1
    print(f"\ninsights page: {small} queries with 10 insights, {big} with 500")


def test_an_outsider_cannot_see_the_insights_page(client, auth, practice, record):
    auth.login(UserFactory(practice=practice))
    assert client.get(insights_url(record)).status_code == 404


# Demo data --------------------------------------------------------------------------------

def test_demo_insights_are_each_clients_own_link_what_fits_and_are_idempotent(app, therapist):
    from integration.notes.insight_demo import INSIGHTS, load_demo

    rowan = ClientFactory.for_team(therapist, first_name="Rowan")
    goal = GoalFactory(client=rowan, title="Say no to work that drains me")
    history = HistoryItemFactory(client=rowan, title="Eldest of four; looked after siblings")
    signed = NoteFactory(client=rowan, author=therapist, status="signed")
    load_demo(therapist.practice, {"ines": therapist}, [rowan])
    first = db.session.scalars(select(Insight)).all()
    assert first and all(i.note_id == signed.id for i in first)
    assert {i.client_words for i in first} == {row[1] for row in INSIGHTS["Rowan"]}
    linked = next(i for i in first if i.goals)
    assert linked.goals == [goal] and linked.history_items == [history]
    assert all(i.themes and i.client_words for i in first)
    assert all((i.words_confirmed_at is not None) == i.shared_with_coach for i in first)
    load_demo(therapist.practice, {"ines": therapist}, [rowan])
    assert len(db.session.scalars(select(Insight)).all()) == len(first)

    words = [row[1] for rows in INSIGHTS.values() for row in rows]
    assert len(words) == len(set(words)), "no two demo clients share words"


def test_the_note_page_shows_its_insights_and_the_add_form(app, signed_in, record):
    if "notes.show_note" not in app.view_functions:
        pytest.skip("the note page is not built yet")
    InsightFactory(note=record["note"], text="A door opened", goals=[record["goal"]], themes=["hope"])
    page = signed_in.get(f"/clients/{record['client'].id}/notes/{record['note'].id}").get_data(as_text=True)
    assert 'id="insights"' in page
    assert "A door opened" in page and ">hope</a>" in page and "Sleep through the night" in page
    assert f'hx-post="/clients/{record["client"].id}/notes/{record["note"].id}/insights"' in page
    assert 'name="insight-goal_ids"' in page and "Grandmother&#39;s garden" in page


MY_ENDPOINTS = {"insights.add", "insights.edit", "insights.link", "insights.index",
                "search.client"}


def test_every_insight_and_search_route_is_in_the_access_walk():
    """tests/test_access.py walks each of them: 404 to people off the care team, every page open to the team."""
    assert MY_ENDPOINTS <= {rule.endpoint for rule in CLIENT_SCOPED}
