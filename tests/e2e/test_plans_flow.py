"""Integration plans through a real browser (issue 4): from a signed debrief to the client's PDF and link.

A coach on the client's care team starts from the record after a clinician signed the debrief (made
in the database, with words planted in its clinical sections and in sensitive history that must never
reach the client, and an insight the clinician marked "may be shared"; the coach cannot open the
debrief itself), builds
the plan from the library and in their own words, reorders it with the keyboard, checks the
preview, finalizes, downloads the PDF, and opens the client's private link in a fresh browser with
no cookies. Every page the coach lands on is screenshotted and axe-checked; no request may leave
the live server, from either browser.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from pypdf import PdfReader

from integration.auth.models import User
from integration.clients.models import Client
from integration.clock import utcnow
from integration.extensions import db
from tests.e2e.conftest import Account, axe_check, shot, sign_in
from tests.factories import (PASSWORD, ClientFactory, DosingSessionFactory, GoalFactory, HistoryItemFactory,
                             InsightFactory, NoteFactory, PlanFactory, PlanItemFactory, UserFactory,
                             debrief_content)

# Words that live only in the clinical record: none may reach the preview, the PDF or the calendar.
CLINICAL = "Quillwort"  # practitioner observations
SAFETY = "Marrowbone"  # the safety-check answer
SENSITIVE = "Foxglove"  # a sensitive history item
PRIVATE_INSIGHT = "Bramblecote"  # an insight with no client's words (stays out of client documents)
PLANTED = (CLINICAL, SAFETY, SENSITIVE, PRIVATE_INSIGHT)

GOAL = "Sleep before midnight"
GOAL_WHY = "I want mornings that feel like mine again."
CLIENT_WORDS = "The dark isn't dangerous anymore. I'm not twelve."
MESSAGE = "Birdie, you were so brave on Tuesday. Go gently this week: rest counts as practice too."
LIBRARY_FIRST = "Write down what stayed with you"
LIBRARY_SECOND = "Gentle morning stretch"
FRESH = "Porch-light walk at dusk"


@dataclass
class Setting:
    coach: Account
    client_id: int
    session_id: int
    note_id: int

    @property
    def note_path(self) -> str:
        return f"/clients/{self.client_id}/notes/{self.note_id}"


@pytest.fixture
def setting(live_server, admin_account) -> Setting:
    """A coach and a clinician on Wren's care team, and the debrief the clinician signed the day after
    her session, with one insight shared with the coach and the plan."""
    with live_server.app.app_context():
        admin = User.by_email(admin_account.email)
        coach = UserFactory(practice=admin.practice, role="coach", name="Sam Rivera", credentials="CPC",
                            email="sam@juniper.example")
        clinician = UserFactory(practice=admin.practice, role="therapist", profession="therapist",
                                name="Theo Marchetti", credentials="PsyD", email="theo@juniper.example")
        client = ClientFactory.for_team(coach, clinician, first_name="Wren", last_name="Halloway",
                                        preferred_name="Birdie")
        DosingSessionFactory(client=client, number=1, started_at=utcnow() - timedelta(days=9))
        session = DosingSessionFactory(client=client, number=2, started_at=utcnow() - timedelta(days=1))
        goal = GoalFactory(client=client, title=GOAL, why=GOAL_WHY)
        HistoryItemFactory(client=client, category="adversity", title=f"{SENSITIVE} night", sensitive=True,
                           detail="What happened the winter she was twelve.")
        note = NoteFactory.signed(
            client=client, author=clinician, kind="debrief", dosing_session_id=session.id,
            content=debrief_content(observations=f"{CLINICAL}: flat affect early, brighter by the end.",
                                    **{"safety-answer": f"{SAFETY}. No thoughts of self-harm."}))
        insight = InsightFactory(note=note, text="Night fear is old fear, from after the loss.",
                                 client_words=CLIENT_WORDS, shared_with_coach=True,
                                 words_confirmed_by_id=clinician.id, words_confirmed_at=utcnow())
        insight.goals.append(goal)
        InsightFactory(note=note, text=f"{PRIVATE_INSIGHT}: a pattern only for the record.")
        db.session.commit()
        result = Setting(coach=Account(email=coach.email, password=PASSWORD, name=coach.name,
                                       practice=admin.practice.name),
                         client_id=client.id, session_id=session.id, note_id=note.id)
        db.session.remove()
    return result


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def titles(page) -> list[str]:
    """The plan's practices, in order, as the builder lists them."""
    return [t.strip() for t in page.locator("#plan-items > li h4").evaluate_all(
        "els => els.map(h => h.firstChild.textContent)")]


def add_from_library(browse, title: str, shot_name: str) -> None:
    page = browse.page
    picker = page.get_by_label("Add from the library")
    value = picker.locator("option", has_text=title).first.get_attribute("value")
    picker.select_option(value)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(f"Added “{title}”")
    expect(page.locator("#plan-items")).to_contain_text(title)
    browse.check(shot_name)


def download(browse, link) -> tuple[bytes, str]:
    """Click a link to a file and answer the file's bytes and suggested name.

    Chromium reports the navigation that turned into a download as a request aborted: that one
    report, and only that one, is expected, so it is taken off the browsing's problems.
    """
    with browse.page.expect_download() as info:
        link.click()
    file = info.value
    data = Path(file.path()).read_bytes()
    aborted = f"request failed: GET {file.url}: net::ERR_ABORTED"
    for _ in range(40):  # the abort is reported just after the download starts
        if aborted in browse.problems:
            browse.problems.remove(aborted)
            break
        browse.page.wait_for_timeout(50)
    return data, file.suggested_filename


def fetch_in(page, url: str) -> tuple[bytes, str]:
    """Open a file link in a page the way a person would; answers the bytes and the suggested name."""
    with page.expect_download() as info:
        try:
            page.goto(url)
        except PlaywrightError as err:  # a file, not a page: the navigation turns into a download
            assert "Download is starting" in str(err) or "net::ERR_ABORTED" in str(err), err
    download = info.value
    return Path(download.path()).read_bytes(), download.suggested_filename


def test_a_coach_goes_from_a_signed_debrief_to_a_delivered_pdf_and_a_private_link(
        browse, setting, live_server, browser):
    page = browse.page
    browse.goto("/login")
    browse.check("plans-login")
    sign_in(browse, setting.coach)
    expect(page.get_by_role("link", name="Halloway, Wren")).to_be_visible()  # on Sam's care team
    browse.check("plans-clients")

    # The debrief is the clinician's: the coach cannot open it, and starts from the record's plans.
    browse.allow_status(404, setting.note_path)
    browse.goto(setting.note_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    browse.check("plans-debrief-closed-to-the-coach")
    browse.goto(f"/clients/{setting.client_id}/plans")
    browse.check("plans-index-empty")
    page.get_by_role("button", name="New plan").click()
    expect(page.get_by_role("heading", name="A new plan for Birdie")).to_be_visible()
    expect(page.get_by_label("Dosing session")).to_have_value(str(setting.session_id))  # the debrief's session
    browse.check("plans-new-form")
    page.get_by_label("Your message to the client").fill(MESSAGE)
    page.get_by_role("button", name="Start the plan").click()
    expect(page.get_by_role("heading", name=re.compile(r"Plan version 1"))).to_be_visible()
    expect(page.locator(".plan-message")).to_have_text(MESSAGE)
    builder_path = browse.path
    browse.check("plans-builder-new")

    # Two practices from the library, one written fresh and linked to a goal and an insight.
    add_from_library(browse, LIBRARY_FIRST, "plans-builder-one-from-library")
    add_from_library(browse, LIBRARY_SECOND, "plans-builder-two-from-library")
    page.get_by_role("link", name="Write a practice from scratch").click()
    expect(page.get_by_role("heading", name="Write a practice for Birdie")).to_be_visible()
    expect(page.get_by_role("navigation", name="Back").get_by_role("link")).to_have_text("← Plan version 1")
    # A checkbox looks like one (square, soft corners), not like a round radio button.
    day_one = page.get_by_role("checkbox", name="Day 1", exact=True)
    roundness = day_one.evaluate("el => parseFloat(getComputedStyle(el).borderTopLeftRadius)"
                                 " / el.getBoundingClientRect().width")
    assert roundness < 0.3, f"checkboxes are drawn as circles (corner radius {roundness:.0%} of their width)"
    browse.check("plans-item-form")
    page.get_by_label("Title the client sees").fill(FRESH)
    page.get_by_label("Category").select_option(label="Time in nature")
    page.get_by_label("Instructions for the client").fill(
        "When the light goes, walk to the end of the street and back. Notice one thing that feels safe.")
    page.get_by_label("When").select_option(label="On days after the session")
    page.get_by_role("checkbox", name="Day 1", exact=True).check()
    page.get_by_role("checkbox", name="Day 2", exact=True).check()
    page.get_by_label("Time of day").select_option(index=3)
    page.get_by_label("Journaling prompts").fill("What felt safe tonight?")
    page.get_by_role("group", name="Goals this supports").get_by_role("checkbox", name=GOAL).check()
    page.get_by_role("group", name="Insights behind it").get_by_role(
        "checkbox", name=re.compile("The dark isn't dangerous anymore")).check()
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Added “{FRESH}”")
    fresh_item = page.locator("#plan-items > li").filter(has_text=FRESH)
    expect(fresh_item).to_contain_text(f"Goal: {GOAL}")
    expect(fresh_item).to_contain_text(f"Because you noticed: “{CLIENT_WORDS}”")
    browse.check("plans-builder-three-items")
    assert titles(page) == [LIBRARY_FIRST, LIBRARY_SECOND, FRESH]

    # Reorder with the keyboard only: focus a Move up button, press Enter; focus stays with the item.
    fresh_id = fresh_item.get_attribute("data-item-id")
    move_up = page.locator(f"#move-up-{fresh_id}")
    move_up.focus()
    page.keyboard.press("Enter")
    order_status = page.locator("#order-status")
    expect(order_status).to_have_text(f"“{FRESH}” is now number 2 of 3.")
    expect(page.locator(f"#move-up-{fresh_id}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(order_status).to_have_text(f"“{FRESH}” is now number 1 of 3.")
    expect(page.locator(f"#move-up-{fresh_id}")).to_be_disabled()
    expect(page.locator(f"#move-down-{fresh_id}")).to_be_focused()  # the nearest button still there
    assert titles(page) == [FRESH, LIBRARY_FIRST, LIBRARY_SECOND]
    page.keyboard.press(" ")  # Space presses a button too: one step back down
    expect(order_status).to_have_text(f"“{FRESH}” is now number 2 of 3.")
    expect(page.locator(f"#move-down-{fresh_id}")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # and back up, from the Move up button next to it
    expect(page.locator(f"#move-up-{fresh_id}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(order_status).to_have_text(f"“{FRESH}” is now number 1 of 3.")
    assert titles(page) == [FRESH, LIBRARY_FIRST, LIBRARY_SECOND]
    page.reload()  # the order is the server's, not only the page's
    assert titles(page) == [FRESH, LIBRARY_FIRST, LIBRARY_SECOND]

    # The preview: exactly what Birdie will get, and nothing from the clinical record.
    page.get_by_role("button", name="What Birdie will see").click()
    expect(page).to_have_url(browse.server / f"{builder_path}/preview")
    expect(page.locator(".preview-banner")).to_contain_text("This is what Birdie will see")
    preview = page.locator("body")
    for words in (MESSAGE, FRESH, LIBRARY_FIRST, LIBRARY_SECOND, GOAL, GOAL_WHY, CLIENT_WORDS):
        expect(preview).to_contain_text(words)
    content = page.content()
    for word in PLANTED:
        assert word not in content, f"{word!r} reached the preview"
    browse.check("plans-preview")
    page.get_by_role("link", name="Back to the plan").click()
    expect(page).to_have_url(browse.server / builder_path)

    # Finalize: the PDF is made once, and every download gives those bytes.
    page.get_by_role("button", name="Finalize and make the PDF").click()
    expect(page.get_by_role("status").first).to_contain_text("Version 1 is finalized")
    expect(page.get_by_role("heading", name="Delivered")).to_be_visible()
    expect(page.get_by_role("button", name="Move up")).to_have_count(0)
    browse.check("plans-builder-finalized")

    pdf, filename = download(browse, page.get_by_role("button", name="Download the PDF"))
    assert pdf.startswith(b"%PDF")
    assert filename.endswith(".pdf")
    text = pdf_text(pdf)
    for words in (FRESH, LIBRARY_FIRST, LIBRARY_SECOND, GOAL, "Birdie"):
        assert words in text, f"{words!r} is missing from the PDF"
    assert "you were so brave on Tuesday" in text
    for word in PLANTED:
        assert word not in text, f"{word!r} reached the PDF"

    # A private link for Birdie: shown once, opened in a browser that has never signed in.
    page.get_by_role("button", name="Make a private link for Birdie").click()
    expect(page.get_by_role("heading", name="A private link for Birdie")).to_be_visible()
    pdf_url = page.get_by_label("The plan (PDF)", exact=True).input_value()
    ics_url = page.get_by_label("The calendar file (.ics), for their phone").input_value()
    page_url = page.get_by_label(re.compile("^The link to give Birdie")).input_value()
    assert live_server.owns(pdf_url) and re.search(r"/p/[^/]+/plan\.pdf$", pdf_url), pdf_url
    assert ics_url == page_url + "/calendar.ics" and pdf_url == page_url + "/plan.pdf"
    browse.check("plans-share-link")

    fresh = browser.new_context(bypass_csp=True)  # no cookies: Birdie has no account
    fresh_requests: list[str] = []
    fresh.on("request", lambda request: fresh_requests.append(request.url))
    fresh.route(re.compile(rf"^(?!{re.escape(live_server.url)}(/|$))"), lambda route: route.abort())
    try:
        birdie = fresh.new_page()
        birdie.goto(page_url)  # the page the link opens: who, how to reach them, help, the two downloads
        expect(birdie.get_by_role("heading", name="Help right now, day or night")).to_be_visible()
        expect(birdie.get_by_role("link", name="Download the plan (PDF)")).to_have_attribute("href", re.compile("/plan.pdf$"))
        expect(birdie.get_by_role("link", name="Add to calendar")).to_be_visible()
        shared, filename = fetch_in(birdie, pdf_url)
        assert shared == pdf, "the link serves exactly the delivered bytes"
        assert filename.endswith(".pdf")
        calendar, filename = fetch_in(birdie, ics_url)
        assert filename.endswith(".ics")
        events = [c for c in icalendar.Calendar.from_ical(calendar).walk("VEVENT")]
        summaries = {str(event.get("summary")) for event in events}
        assert any(FRESH in s for s in summaries) and any(LIBRARY_FIRST in s for s in summaries), summaries
        assert not any(word.encode() in calendar for word in PLANTED)
        assert fresh.cookies() == [], "the client's link sets no cookie"

        # The coach revokes the link; it stops working and the page says nothing about anyone.
        page.get_by_role("link", name="Back to the plan").click()
        links = page.get_by_role("table", name="Private links")
        expect(links).to_contain_text("Open until")
        expect(links.get_by_role("cell", name="2", exact=True)).to_be_visible()  # PDF and calendar
        page.once("dialog", lambda dialog: dialog.accept())
        links.get_by_role("button", name=re.compile("^Revoke")).click()
        expect(page.get_by_role("status").first).to_contain_text("The link is revoked")
        expect(links).to_contain_text("Revoked")
        browse.check("plans-builder-link-revoked")

        response = birdie.goto(pdf_url)
        assert response.status == 404
        body = birdie.locator("body")
        expect(body).not_to_contain_text("Wren")
        expect(body).not_to_contain_text("Birdie")
        expect(body).not_to_contain_text("Halloway")
        shot(birdie, "plans-shared-link-revoked")
        axe_check(birdie, "plans-shared-link-revoked")
    finally:
        fresh.close()
    foreign = [url for url in fresh_requests if not live_server.owns(url)]
    assert not foreign, f"the client's browser reached beyond the live server: {foreign}"


def test_the_mouse_reorders_by_dragging_and_an_empty_plan_says_so(browse, setting, live_server):
    with live_server.app.app_context():
        coach = User.by_email(setting.coach.email)
        person = db.session.get(Client, setting.client_id)
        plan = PlanFactory(client=person, created_by_id=coach.id, message="")
        ids = [PlanItemFactory(plan=plan, title=title, position=n).id
               for n, title in enumerate((LIBRARY_FIRST, LIBRARY_SECOND, FRESH))]
        empty = PlanFactory(client=person, created_by_id=coach.id, message="")
        plan_path = f"/clients/{person.id}/plans/{plan.id}"
        empty_path = f"/clients/{person.id}/plans/{empty.id}"
        db.session.remove()
    page = browse.page
    browse.goto("/login")
    browse.check("plans-drag-login")
    sign_in(browse, setting.coach)
    browse.check("plans-drag-clients")

    browse.goto(plan_path)
    expect(page.locator("#plan-items")).to_have_class(re.compile("draggable-list"))
    browse.check("plans-drag-builder")
    first, last = page.locator(f"#item-{ids[0]}"), page.locator(f"#item-{ids[2]}")
    last.drag_to(first, target_position={"x": 40, "y": 4})  # onto the top half: it goes before
    expect(page.locator("#order-status")).to_have_text("New order saved.")
    assert titles(page) == [FRESH, LIBRARY_FIRST, LIBRARY_SECOND]
    page.reload()  # the server has the new order
    assert titles(page) == [FRESH, LIBRARY_FIRST, LIBRARY_SECOND]
    # After a drag the keyboard still works on the fresh list.
    page.locator(f"#move-down-{ids[2]}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#order-status")).to_have_text(f"“{FRESH}” is now number 2 of 3.")
    assert titles(page) == [LIBRARY_FIRST, FRESH, LIBRARY_SECOND]

    # An empty plan: the preview says there is nothing to show, and it cannot be finalized.
    browse.goto(empty_path)
    expect(page.get_by_text("No practices yet.")).to_be_visible()
    browse.check("plans-empty-builder")
    page.get_by_role("button", name="What Birdie will see").click()
    expect(page.get_by_role("heading", name="Nothing to show Birdie yet")).to_be_visible()
    browse.check("plans-empty-preview")
    page.get_by_role("button", name="Back to the plan").click()
    page.get_by_role("button", name="Finalize and make the PDF").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text(
        "Add at least one practice before finalizing")
    expect(page.get_by_role("heading", name=re.compile("Plan version 1"))).to_contain_text("Draft")
    browse.check("plans-empty-finalize-refused")
