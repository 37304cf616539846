"""Plan builder rules: the library, anchoring, reordering, links to the client's own record, versions."""
import re
from datetime import date, datetime

from sqlalchemy import func, select

from integration.extensions import db
from integration.plans.library import DEFAULT_LIBRARY
from integration.plans.models import LibraryPractice, Plan, PlanItem
from tests.factories import (ClientFactory, DosingSessionFactory, GoalFactory, InsightFactory,
                             LibraryPracticeFactory, NoteFactory, PlanFactory, PlanItemFactory, UserFactory)


def _library_count(practice):
    return db.session.scalar(select(func.count(LibraryPractice.id)).where(LibraryPractice.practice_id == practice.id))


def test_library_ships_defaults_once_per_practice(client, auth, coach, practice):
    auth.login(coach)
    page = client.get("/library")
    assert page.status_code == 200
    assert b"A slow walk outside" in page.data and b"Integration circle" in page.data
    client.get("/library")
    assert _library_count(practice) == len(DEFAULT_LIBRARY) >= 20
    categories = {row[1] for row in DEFAULT_LIBRARY}
    assert len(categories) == 9


def test_anyone_adds_but_only_author_or_admin_edits_and_retires(client, auth, coach, therapist, admin, practice):
    auth.login(coach)
    response = client.post("/library/new", data={
        "category": "creative", "title": "Clay with your hands", "instructions": "Shape anything.",
        "schedule_kind": "weekly", "weekly_day": "3", "time_of_day": "afternoon", "prompts": ""})
    assert response.status_code == 302
    entry = db.session.scalar(select(LibraryPractice).where(LibraryPractice.title == "Clay with your hands"))
    assert entry.schedule_values == [3] and entry.created_by_id == coach.id
    auth.logout()
    auth.login(therapist)
    assert client.post(f"/library/{entry.id}/retire").status_code == 403
    assert client.get(f"/library/{entry.id}/edit").status_code == 403
    auth.logout()
    auth.login(admin)
    assert client.post(f"/library/{entry.id}/retire", data={"retired": "1"}).status_code == 302
    assert db.session.get(LibraryPractice, entry.id).retired is True


def test_library_form_keeps_typed_text_and_says_what_is_missing(client, auth, coach):
    auth.login(coach)
    response = client.post("/library/new", data={
        "category": "nature", "title": "Tide watching", "instructions": "x" * 10, "schedule_kind": "days"})
    assert response.status_code == 200
    assert b"Choose at least one day." in response.data
    assert b"Tide watching" in response.data


def test_plan_anchored_to_a_session_starts_on_its_day_in_the_practice_zone(client, auth, coach, practice):
    person = ClientFactory.for_team(coach)
    # 02:30 UTC on March 4 is still March 3 in New York.
    session = DosingSessionFactory(client=person, started_at=datetime(2025, 3, 4, 2, 30))
    auth.login(coach)
    response = client.post(f"/clients/{person.id}/plans/new", data={
        "dosing_session_id": str(session.id), "message": "Go gently.",
        "appointment_0_on": "2025-03-10", "appointment_0_at": "10:00", "appointment_0_what": "Integration session"})
    assert response.status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.client_id == person.id))
    assert plan.start_date == date(2025, 3, 3)
    assert plan.appointments == [{"on": "2025-03-10", "at": "10:00", "what": "Integration session"}]


def test_new_plan_starts_from_the_session_asked_for_else_the_latest(client, auth, coach):
    person = ClientFactory.for_team(coach)
    first = DosingSessionFactory(client=person, number=1, started_at=datetime(2025, 3, 3, 15, 0))
    latest = DosingSessionFactory(client=person, number=2, started_at=datetime(2025, 4, 7, 15, 0))
    elsewhere = DosingSessionFactory(client=ClientFactory.for_team(coach), number=1)
    auth.login(coach)

    def chosen(query=""):
        page = client.get(f"/clients/{person.id}/plans/new{query}").get_data(as_text=True)
        return re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected', page)

    def chosen_id(query=""):
        match = chosen(query)
        return int(match.group(1) or match.group(2))

    assert chosen_id(f"?session_id={first.id}") == first.id  # from the first session's debrief
    assert chosen_id() == latest.id
    assert chosen_id(f"?session_id={elsewhere.id}") == latest.id  # another client's session: ignored
    assert chosen_id("?session_id=nonsense") == latest.id


def test_plan_needs_a_session_or_a_start_date(client, auth, coach):
    person = ClientFactory.for_team(coach)
    auth.login(coach)
    response = client.post(f"/clients/{person.id}/plans/new", data={"dosing_session_id": "0", "message": "Hello there"})
    assert response.status_code == 422
    assert b"Choose a session or a start date." in response.data and b"Hello there" in response.data
    assert db.session.scalar(select(func.count(Plan.id))) == 0


def test_add_from_library_copies_the_practice(client, auth, coach, practice):
    person = ClientFactory.for_team(coach)
    plan = PlanFactory(client=person)
    entry = LibraryPracticeFactory(practice_id=practice.id, title="Sit by the river", prompts="What did I hear?")
    auth.login(coach)
    client.post(f"/clients/{person.id}/plans/{plan.id}/items/from-library", data={"library_id": entry.id})
    item = db.session.scalar(select(PlanItem).where(PlanItem.plan_id == plan.id))
    assert (item.title, item.prompts, item.library_practice_id) == ("Sit by the river", "What did I hear?", entry.id)
    entry.title = "Renamed later"
    db.session.commit()
    assert db.session.get(PlanItem, item.id).title == "Sit by the river"


def test_another_practices_library_entry_cannot_be_added(client, auth, coach):
    person = ClientFactory.for_team(coach)
    plan = PlanFactory(client=person)
    stranger = UserFactory()
    foreign = LibraryPracticeFactory(practice_id=stranger.practice_id, title="Foreign practice")
    auth.login(coach)
    client.post(f"/clients/{person.id}/plans/{plan.id}/items/from-library", data={"library_id": foreign.id})
    assert db.session.scalar(select(func.count(PlanItem.id))) == 0


def _titles(plan_id):
    return list(db.session.scalars(select(PlanItem.title).where(PlanItem.plan_id == plan_id)
                                   .order_by(PlanItem.position, PlanItem.id)))


def test_reorder_with_move_buttons_keeps_focus_on_the_moved_item(client, auth, coach):
    person = ClientFactory.for_team(coach)
    plan = PlanFactory(client=person)
    a, b, c = (PlanItemFactory(plan=plan, title=t, position=i) for i, t in enumerate("ABC"))
    auth.login(coach)
    client.post(f"/clients/{person.id}/plans/{plan.id}/items/{c.id}/move", data={"direction": "up"})
    assert _titles(plan.id) == ["A", "C", "B"]
    fragment = client.post(f"/clients/{person.id}/plans/{plan.id}/items/{c.id}/move", data={"direction": "up"},
                           headers={"HX-Request": "true"})
    assert _titles(plan.id) == ["C", "A", "B"]
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<ol id="plan-items"')
    # C is first now, so its "Move up" is disabled and focus goes to its "Move down".
    assert f'id="move-down-{c.id}"' in html and "data-focus-after-swap" in html.split(f'id="move-down-{c.id}"')[1][:80]
    assert "is now number 1 of 3" in html
    client.post(f"/clients/{person.id}/plans/{plan.id}/items/{a.id}/move", data={"direction": "down"})
    assert _titles(plan.id) == ["C", "B", "A"]


def test_drag_order_must_name_every_item_once(client, auth, coach):
    person = ClientFactory.for_team(coach)
    plan = PlanFactory(client=person)
    a, b = PlanItemFactory(plan=plan, title="A", position=0), PlanItemFactory(plan=plan, title="B", position=1)
    auth.login(coach)
    url = f"/clients/{person.id}/plans/{plan.id}/items/order"
    assert client.post(url, data={"item_id": [b.id]}).status_code == 400
    assert client.post(url, data={"item_id": [b.id, a.id]}).status_code == 302
    assert _titles(plan.id) == ["B", "A"]


def test_items_link_only_to_the_clients_own_goals_and_insights(client, auth, coach):
    person = ClientFactory.for_team(coach)
    other = ClientFactory.for_team(coach)
    own_goal = GoalFactory(client=person, title="Sleep before midnight")
    foreign_goal = GoalFactory(client=other, title="Someone else's goal")
    own_insight = InsightFactory(note=NoteFactory.signed(client=person, author=coach), client_words="I can rest",
                                 shared_with_coach=True)
    foreign_insight = InsightFactory(note=NoteFactory.signed(client=other, author=coach), client_words="not yours")
    plan = PlanFactory(client=person)
    item = PlanItemFactory(plan=plan)
    auth.login(coach)
    url = f"/clients/{person.id}/plans/{plan.id}/items/{item.id}/edit"
    form = {"category": "journaling", "title": item.title, "schedule_kind": "as_needed", "time_of_day": ""}
    refused = client.post(url, data={**form, "goals": [own_goal.id, foreign_goal.id],
                                     "insights": [foreign_insight.id]})
    assert refused.status_code == 422
    assert db.session.get(PlanItem, item.id).goals == []
    accepted = client.post(url, data={**form, "goals": [own_goal.id], "insights": [own_insight.id]})
    assert accepted.status_code == 302
    item = db.session.get(PlanItem, item.id)
    assert [g.title for g in item.goals] == ["Sleep before midnight"]
    assert [i.id for i in item.insights] == [own_insight.id]


def test_finalized_plan_is_immutable_and_change_makes_a_new_version(client, auth, coach):
    person = ClientFactory.for_team(coach)
    goal = GoalFactory(client=person)
    plan = PlanFactory(client=person)
    item = PlanItemFactory(plan=plan, title="Original wording")
    item.goals = [goal]
    db.session.commit()
    auth.login(coach)
    assert client.post(f"/clients/{person.id}/plans/{plan.id}/finalize").status_code == 302
    assert db.session.get(Plan, plan.id).status == "finalized"

    edit_url = f"/clients/{person.id}/plans/{plan.id}/items/{item.id}/edit"
    client.post(edit_url, data={"category": "journaling", "title": "Changed", "schedule_kind": "as_needed"})
    client.post(f"/clients/{person.id}/plans/{plan.id}/items/{item.id}/delete")
    client.post(f"/clients/{person.id}/plans/{plan.id}/items/{item.id}/move", data={"direction": "up"})
    client.post(f"/clients/{person.id}/plans/{plan.id}/edit", data={"dosing_session_id": "0",
                                                                   "start_date": "2030-01-01", "message": "new"})
    assert _titles(plan.id) == ["Original wording"]
    assert db.session.get(Plan, plan.id).message == PlanFactory.message

    response = client.post(f"/clients/{person.id}/plans/{plan.id}/new-version")
    copy = db.session.scalar(select(Plan).where(Plan.replaces_id == plan.id))
    assert response.headers["Location"].endswith(f"/plans/{copy.id}")
    assert (copy.version, copy.status) == (2, "draft")
    assert _titles(copy.id) == ["Original wording"]
    assert [g.id for g in copy.items[0].goals] == [goal.id]
    # Asking again does not make a third version.
    client.post(f"/clients/{person.id}/plans/{plan.id}/new-version")
    assert db.session.scalar(select(func.count(Plan.id))) == 2


def test_an_empty_plan_gets_a_clear_message_not_a_pdf(client, auth, coach):
    person = ClientFactory.for_team(coach)
    plan = PlanFactory(client=person)
    auth.login(coach)
    response = client.post(f"/clients/{person.id}/plans/{plan.id}/finalize", follow_redirects=True)
    assert "Add at least one practice before finalizing" in response.get_data(as_text=True)
    assert db.session.get(Plan, plan.id).status == "draft"
    assert db.session.get(Plan, plan.id).exports == []
    preview = client.get(f"/clients/{person.id}/plans/{plan.id}/preview")
    assert preview.status_code == 200 and b"Nothing to show" in preview.data


def test_builder_and_preview_pages_render(client, auth, coach, practice):
    person = ClientFactory.for_team(coach, preferred_name="Robin")
    plan = PlanFactory(client=person)
    PlanItemFactory(plan=plan, title="Evening pages", prompts="What surprised me today?")
    auth.login(coach)
    builder = client.get(f"/clients/{person.id}/plans/{plan.id}")
    assert builder.status_code == 200 and b"Evening pages" in builder.data and b"Move up" in builder.data
    assert b"A slow walk outside" in builder.data  # the library picker
    preview = client.get(f"/clients/{person.id}/plans/{plan.id}/preview")
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "Evening pages" in text and "What surprised me today?" in text and "Robin" in text
    index = client.get(f"/clients/{person.id}/plans")
    assert index.status_code == 200 and b"Version 1" in index.data


def test_reorder_help_shows_once_there_is_something_to_reorder(client, auth, coach):
    person = ClientFactory.for_team(coach)
    plan = PlanFactory(client=person)
    auth.login(coach)
    help_text = b"Reorder with Move up and Move down"
    assert help_text not in client.get(f"/clients/{person.id}/plans/{plan.id}").data  # empty
    PlanItemFactory(plan=plan, title="Evening pages")
    assert help_text not in client.get(f"/clients/{person.id}/plans/{plan.id}").data  # one item
    PlanItemFactory(plan=plan, title="Morning walk")
    assert help_text in client.get(f"/clients/{person.id}/plans/{plan.id}").data


def test_settings_are_for_admins(client, auth, admin, coach, practice):
    auth.login(coach)
    assert client.get("/settings/plans").status_code == 404
    auth.logout()
    auth.login(admin)
    response = client.post("/settings/plans", data={"integration_window_days": "5", "paper_size": "a4",
                                                     "large_print_default": "y", "crisis_resources": "Call 988.",
                                                     "client_contact": "555-0100, weekdays 9-5"})
    assert response.status_code == 302
    db.session.refresh(practice)
    assert (practice.integration_window_days, practice.paper_size, practice.large_print_default) == (5, "a4", True)


def test_form_pages_open_for_a_draft(client, auth, coach, practice):
    person = ClientFactory.for_team(coach)
    GoalFactory(client=person, title="Walk more")
    InsightFactory(note=NoteFactory.signed(client=person, author=coach), client_words="", text="Clinical only")
    plan = PlanFactory(client=person)
    item = PlanItemFactory(plan=plan)
    entry = LibraryPracticeFactory(practice_id=practice.id, created_by_id=coach.id)
    auth.login(coach)
    for url in (f"/clients/{person.id}/plans/new", f"/clients/{person.id}/plans/{plan.id}/edit",
                f"/clients/{person.id}/plans/{plan.id}/items/new",
                f"/clients/{person.id}/plans/{plan.id}/items/{item.id}/edit",
                "/library/new", f"/library/{entry.id}/edit"):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/clients/{person.id}/plans/{plan.id}/items/new").get_data(as_text=True)
    # A coach is offered only insights a clinician shared, by the client's words: never a statement.
    assert "Walk more" in page and "Clinical only" not in page
