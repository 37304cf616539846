"""The clinical record through a real browser (issue 3): a debrief written, saved, restored, linked, signed.

Only the setting is made in the database (a client on the admin's care team, a goal, a piece of
history and a dosing session); everything else is done the way a practitioner does it. Every page
landed on is screenshotted and axe-checked, and no request may leave the live server.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from integration.auth.models import User
from integration.clock import local_today, utcnow
from integration.extensions import db
from integration.notes import sections
from integration.notes.models import Note
from tests.e2e.conftest import Account, Browsing, _open_browsing, sign_in
from tests.factories import (PASSWORD, ClientFactory, DosingSessionFactory, GoalFactory, HistoryItemFactory,
                             UserFactory)

SAVED = re.compile(r"^Saved \d{1,2}:\d{2} [AP]M$")
EXPERIENCE = "The experience, in the client's words"
OBSERVATIONS = "Practitioner observations"
NEXT_STEPS = "Next steps"


@dataclass
class Record:
    client_id: int
    session_id: int
    goal_id: int
    goal_title: str
    history_id: int
    history_title: str
    today: str  # the practice's today, as the record pages print a date ("Nov 25, 2026")

    def session_path(self) -> str:
        return f"/clients/{self.client_id}/sessions/{self.session_id}"


def make_record(live_server, account: Account, *also: Account) -> Record:
    """Wren, on the signed-in admin's care team (and theirs, for `also`), a day after her first session."""
    with live_server.app.app_context():
        admin = User.by_email(account.email)
        team = [admin] + [User.by_email(other.email) for other in also]
        client = ClientFactory.for_team(*team, first_name="Wren", last_name="Halloway", preferred_name="Birdie")
        goal = GoalFactory(client=client, title="Sleep before midnight",
                           why="I want mornings that feel like mine again.")
        history = HistoryItemFactory(client=client, category="family", title="Summers at the lake house",
                                     detail="Long summers with her grandmother, who died when Wren was twelve.")
        session = DosingSessionFactory(client=client, number=1, started_at=utcnow() - timedelta(days=1),
                                       intention="To meet the grief with some kindness.")
        record = Record(client_id=client.id, session_id=session.id, goal_id=goal.id, goal_title=goal.title,
                        history_id=history.id, history_title=history.title,
                        today=local_today(admin.practice.timezone).strftime("%b %-d, %Y"))
        db.session.remove()
    return record


def start_debrief(browse: Browsing, record: Record) -> str:
    """From the dosing session's page, start its debrief; answers the note's path."""
    page = browse.page
    page.wait_for_load_state("networkidle")  # signing in just landed here: let that page finish
    browse.goto("/clients/")  # again, now that Wren is on the list
    browse.check("notes-clients")
    page.get_by_role("link", name="Halloway, Wren").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wren Halloway")
    browse.check("notes-client-overview")
    page.get_by_role("navigation", name="Client record").get_by_role("link", name="Sessions & notes").click()
    expect(page).to_have_url(browse.server / f"/clients/{record.client_id}/sessions")
    browse.check("notes-sessions")
    page.get_by_role("link", name="Session 1", exact=True).click()
    expect(page).to_have_url(browse.server / record.session_path())
    expect(page.get_by_role("heading", name="Session 1")).to_be_visible()
    expect(page.get_by_text("No debrief yet")).to_be_visible()
    browse.check("notes-session-no-debrief")
    page.get_by_role("button", name="Start the debrief for session 1").click()
    expect(page).to_have_url(re.compile(rf"/clients/{record.client_id}/notes/\d+$"))
    expect(page.get_by_role("heading", name=re.compile(r"^Post-session debrief · "))).to_be_visible()
    expect(page.locator("#save-status")).to_contain_text("Draft · last saved")
    return browse.path


def text(page, label: str):
    """A text field of the note editor, by its label (each section is also a region of that name)."""
    return page.get_by_role("textbox", name=label, exact=True)


def emotion(page, name: str, intensity: str):
    """One pill of the debrief's emotions: the intensity of one emotion (a radio in its group)."""
    return page.get_by_role("radiogroup", name=name, exact=True).get_by_role("radio", name=intensity, exact=True)


def local_copy(page, note_path: str) -> dict | None:
    """The editor's copy of the note in this browser's local storage, if any (the key the editor names)."""
    return page.evaluate("""() => {
        const holder = document.querySelector("[data-storage-key]");
        return holder ? JSON.parse(localStorage.getItem(holder.dataset.storageKey) || 'null') : null;
    }""")


def server_fields(live_server, note_path: str) -> dict:
    """What the server holds for the note, as the editor's fields."""
    with live_server.app.app_context():
        note = db.session.get(Note, int(note_path.rsplit("/", 1)[1]))
        fields = sections.fields_from_content(note.kind, note.content)
        db.session.remove()
    return fields


def forgive_offline_failures(browse: Browsing, note_path: str) -> None:
    """Requests that failed while the test had the network off were the point: take them off the list.

    Only those: failed autosaves of this note (the tab's last-try beacon included), the console's
    record of them, and the app's own static files Chromium asked for while offline (it fetches the
    favicon when it gets round to it, after the page has loaded: one CI run caught it mid-way).
    Anything else stays a problem and fails the test.
    """
    autosave = browse.server / f"{note_path}/autosave"
    static = browse.server / "static/"
    saves = [p for p in browse.problems
             if (p.startswith(f"request failed: POST {autosave}: ")
                 and p.endswith(("ERR_INTERNET_DISCONNECTED", "ERR_ABORTED")))
             or (p.startswith("console error") and "ERR_INTERNET_DISCONNECTED" in p)]
    assert saves, "going offline should have made at least one autosave fail"
    files = [p for p in browse.problems
             if p.startswith(f"request failed: GET {static}") and p.endswith("ERR_INTERNET_DISCONNECTED")]
    browse.problems[:] = [p for p in browse.problems if p not in saves + files]


def test_debrief_autosaves_survives_reloads_and_the_network_links_insights_and_signs(signed_in, live_server,
                                                                                      admin_account):
    browse, page = signed_in, signed_in.page
    record = make_record(live_server, admin_account)
    note_path = start_debrief(browse, record)
    status = page.locator("#save-status")
    browse.check("notes-debrief-new")

    # Typing is saved on its own: every few seconds, and when the field loses focus.
    experience = text(page, EXPERIENCE)
    experience.fill("I was floating over the lake. My grandmother's porch light was on and I wasn't scared.")
    expect(status).to_have_text("Not saved yet")
    text(page, "Body sensations").click()  # leaving the field saves
    expect(status).to_have_text(SAVED)
    assert local_copy(page, note_path) is None, "the copy on this device goes once the server has the text"

    # Reload mid-draft: the text is there, from the server.
    text(page, "Body sensations").fill("Warmth spreading from the chest into both arms.")
    expect(status).to_have_text(SAVED, timeout=15_000)  # the timer, not a blur, saves this one
    page.reload()
    expect(text(page, EXPERIENCE)).to_have_value(re.compile("porch light was on"))
    expect(text(page, "Body sensations")).to_have_value("Warmth spreading from the chest into both arms.")
    expect(status).to_contain_text("Draft · last saved")

    # The network drops while writing, and the tab dies: the text stays on this device and comes
    # back with the page. Offline mode for the typing; a route that fails every save of this note
    # until the test lifts it; and no last-try beacon as the tab goes (a crashed tab sends none,
    # and Chromium sends beacons past both offline mode and routes).
    page.add_init_script("delete Navigator.prototype.sendBeacon;")
    page.reload()
    page.wait_for_load_state("networkidle")  # the page's own files are in before the network goes
    autosave = browse.server / f"{note_path}/autosave"
    page.context.route(autosave, lambda route: route.abort("internetdisconnected"))
    page.context.set_offline(True)
    text(page, OBSERVATIONS).fill("Tearful when she spoke of the porch light; settled, well oriented.")
    text(page, NEXT_STEPS).click()  # the save this triggers cannot reach the server
    expect(status).to_contain_text("Offline — kept on this device")
    kept = local_copy(page, note_path)
    assert kept and kept["fields"]["observations"].startswith("Tearful when she spoke")
    page.context.set_offline(False)
    page.reload()
    expect(text(page, OBSERVATIONS)).to_have_value(re.compile("^Tearful when she spoke"))
    expect(status).to_contain_text("kept on this device")  # restored from here; the save still fails
    assert "Tearful" not in server_fields(live_server, note_path).get("observations", ""), \
        "the text came back from this device, not from the server"

    # The network comes back: the next autosave sends it, and the copy on this device goes.
    page.context.unroute(autosave)
    expect(status).to_have_text(SAVED, timeout=15_000)
    assert local_copy(page, note_path) is None
    forgive_offline_failures(browse, note_path)
    page.reload()  # the server really has it now
    expect(text(page, OBSERVATIONS)).to_have_value(re.compile("^Tearful when she spoke"))
    expect(text(page, EXPERIENCE)).to_have_value(re.compile("porch light was on"))

    # Emotions and the safety check are fields like any other.
    emotion(page, "Grief, sadness", "4 · strong").check()
    emotion(page, "Peace, calm", "3 · moderate").check()
    text(page, "Mood at the end of the session").fill("Calm, a little tired")
    page.get_by_label("Asked about thoughts of self-harm?").select_option(label="Yes")
    text(page, "Their answer").fill("None. She said she feels more like living than she has in years.")
    text(page, NEXT_STEPS).fill("Morning pages until Friday. Integration session next Tuesday.")
    page.get_by_role("button", name="Save draft").click()
    expect(status).to_have_text(SAVED)
    browse.check("notes-debrief-draft-filled")

    # An insight, linked to a goal as it is added, then to a piece of history from the note page.
    insights = page.locator("#insights")
    insights.locator("summary", has_text="Add an insight").click()
    insights.get_by_role("textbox", name="Insight", exact=True).fill("The fear at night is an old fear, from after her grandmother died.")
    insights.get_by_label("In the client's words").fill("The dark isn't dangerous anymore. I'm not twelve.")
    insights.get_by_label("Themes").fill("grief, night, safety")
    insights.get_by_role("checkbox", name=record.goal_title).check()
    insights.get_by_role("button", name="Add insight").click()
    expect(insights.get_by_role("status")).to_contain_text("Insight added.")
    insight = insights.locator("li.insight").filter(has_text="an old fear")
    expect(insight).to_have_count(1)
    expect(insight.get_by_role("link", name=record.goal_title)).to_be_visible()
    expect(insight.get_by_role("link", name="night", exact=True)).to_be_visible()

    insight.get_by_text("Link to a goal or history item").click()
    insight.get_by_label("History item").select_option(label=f"Family: {record.history_title}")
    insight.get_by_role("button", name="Link", exact=True).click()
    expect(insights.get_by_role("status")).to_contain_text("Links saved.")
    insight = insights.locator("li.insight").filter(has_text="an old fear")
    expect(insight.get_by_role("link", name=record.history_title)).to_be_visible()
    # The note's own text was not touched by the insight's requests.
    expect(text(page, OBSERVATIONS)).to_have_value(re.compile("^Tearful when she spoke"))
    browse.check("notes-debrief-insight-linked")

    # The goal page lists the insight, with its date and the note it came from.
    insight.get_by_role("link", name=record.goal_title).click()
    expect(page).to_have_url(browse.server / f"/clients/{record.client_id}/goals/{record.goal_id}")
    expect(page.get_by_role("heading", name=record.goal_title)).to_be_visible()
    linked = page.locator("section.linked-insights")
    expect(linked.get_by_role("heading")).to_have_text(re.compile(r"Linked insights\s*\(1\)"))
    entry = linked.locator("li").filter(has_text="an old fear")
    expect(entry).to_contain_text("The dark isn't dangerous anymore.")
    expect(entry.locator("time")).to_have_text(record.today)
    expect(entry.get_by_role("link", name="Post-session debrief")).to_have_attribute("href", note_path)
    browse.check("notes-goal-with-insight")

    # The history item's page likewise.
    browse.goto(f"/clients/{record.client_id}/history/{record.history_id}")
    expect(page.get_by_role("heading", name=record.history_title)).to_be_visible()
    entry = page.locator("section.linked-insights li").filter(has_text="an old fear")
    expect(entry.locator("time")).to_have_text(record.today)
    expect(entry.get_by_role("link", name="Post-session debrief")).to_have_attribute("href", note_path)
    browse.check("notes-history-with-insight")
    entry.get_by_role("link", name="Post-session debrief").click()
    expect(page).to_have_url(browse.server / note_path)

    # Sign: the note locks, says who signed it and when, and offers addenda only.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_role("status").first).to_contain_text("Signed. The note is locked now")
    expect(page.locator("#note-signed")).to_contain_text(
        re.compile(rf"Signed by Ada Okafor, LMFT on {re.escape(record.today)} \d{{1,2}}:\d{{2}} [AP]M"))
    expect(page.locator(".note-head-badges")).to_contain_text("Signed")
    expect(page.get_by_text("Matches the signed text")).to_be_visible()
    editable = page.locator("#note-editor, #sign-form, article.note-read textarea, article.note-read select")
    expect(editable).to_have_count(0)
    expect(page.get_by_role("button", name="Sign and lock")).to_have_count(0)
    read = page.locator("article.note-read")
    expect(read).to_contain_text("porch light was on")
    expect(read).to_contain_text("Tearful when she spoke of the porch light")
    expect(read).to_contain_text("Grief, sadness · 4 · strong")
    addenda = page.locator("#addendum-form")
    expect(addenda.get_by_role("heading", name="Add an addendum")).to_be_visible()
    expect(addenda.get_by_role("button", name="Add addendum")).to_be_visible()
    browse.check("notes-debrief-signed")

    # The session now shows a signed debrief.
    browse.goto(record.session_path())
    expect(page.get_by_text("Debrief signed")).to_be_visible()
    browse.check("notes-session-debrief-signed")


@pytest.mark.parametrize("how", ["idle", "cookie-gone"])
def test_a_session_that_ends_mid_note_signs_back_in_to_the_same_text(signed_in, live_server, admin_account, how):
    """The session ends while writing: left idle too long (the server answers 401), or its cookie
    gone, as after the browser was closed (the save then fails its CSRF check with a 400)."""
    browse, page = signed_in, signed_in.page
    record = make_record(live_server, admin_account)
    note_path = start_debrief(browse, record)
    status = page.locator("#save-status")
    browse.check(f"notes-{how}-debrief-new")

    text(page, EXPERIENCE).fill("First a wide blue quiet, then my grandmother's hands shelling peas.")
    text(page, "Body sensations").click()
    expect(status).to_have_text(SAVED)

    if how == "idle":  # idle for longer than the practice allows (zero minutes: any pause is too long)
        live_server.app.config["SESSION_IDLE_MINUTES"] = 0
        browse.allow_status(401, f"{note_path}/autosave")
    else:
        page.context.clear_cookies()
        browse.allow_status(400, f"{note_path}/autosave")
    text(page, "Body sensations").fill("Heavy legs, light hands. A hum behind the sternum.")
    text(page, "Imagery and themes").click()
    expect(status).to_contain_text("Signed out — sign in and your text will be here.")
    link = status.get_by_role("link", name="sign in")
    expect(link).to_have_attribute("href", re.compile(r"^/login\?next="))
    kept = local_copy(page, note_path)
    assert kept and kept["fields"]["body"] == "Heavy legs, light hands. A hum behind the sternum."
    browse.check(f"notes-{how}-signed-out-status")
    live_server.app.config["SESSION_IDLE_MINUTES"] = 30

    link.click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    browse.check(f"notes-{how}-login")
    page.fill("input[name=email]", admin_account.email)
    page.fill("input[name=password]", admin_account.password)
    page.get_by_role("button", name="Sign in").click()

    # Back on the same note, with the text that was typed after the session ended.
    expect(page).to_have_url(browse.server / note_path)
    expect(text(page, "Body sensations")).to_have_value("Heavy legs, light hands. A hum behind the sternum.")
    expect(text(page, EXPERIENCE)).to_have_value(re.compile("shelling peas"))
    expect(status).to_have_text(SAVED)
    browse.check(f"notes-{how}-restored")
    page.reload()
    expect(text(page, "Body sensations")).to_have_value("Heavy legs, light hands. A hum behind the sternum.")
    assert local_copy(page, note_path) is None


def test_two_practitioners_on_one_draft_compare_both_versions_and_lose_neither(signed_in, live_server,
                                                                                admin_account, new_context):
    with live_server.app.app_context():
        admin = User.by_email(admin_account.email)
        UserFactory(practice=admin.practice, role="therapist", name="Jonah Reyes", credentials="LCSW",
                    email="jonah@juniper.example")
        db.session.remove()
    jonah = Account(email="jonah@juniper.example", password=PASSWORD, name="Jonah Reyes",
                    practice=admin_account.practice)
    record = make_record(live_server, admin_account, jonah)
    ada, ada_page = signed_in, signed_in.page
    note_path = start_debrief(ada, record)
    ada.check("notes-conflict-ada-opens")

    # Jonah opens the same draft in his own browser, before Ada's first save.
    other = _open_browsing(new_context, live_server, bypass_csp=True)
    jonah_page = other.page
    other.goto("/login")
    other.check("notes-conflict-jonah-login")
    sign_in(other, jonah)
    other.check("notes-conflict-jonah-clients")
    other.goto(note_path)
    expect(jonah_page.locator("#save-status")).to_contain_text("Draft · last saved")
    other.check("notes-conflict-jonah-opens")

    # Ada writes the experience and it is saved (version 2).
    text(ada_page, EXPERIENCE).fill("Ada: she described a long corridor of doors, all of them open.")
    text(ada_page, "Body sensations").click()
    expect(ada_page.locator("#save-status")).to_have_text(SAVED)

    # Jonah, still on version 1, writes the next steps: his save is refused, never silently applied.
    other.allow_status(409, f"{note_path}/autosave")
    text(jonah_page, NEXT_STEPS).fill("Jonah: call on Thursday; she'll try the morning pages.")
    text(jonah_page, "Body sensations").click()
    jonah_status = jonah_page.locator("#save-status")
    expect(jonah_status).to_contain_text("Ada Okafor, LMFT saved this note while you were writing.")  # named, not "someone"
    expect(jonah_status).to_contain_text("Your text is safe on this device.")
    other.check("notes-conflict-jonah-refused")

    # The conflict view: his text in the editor, hers beside each part that differs.
    jonah_status.get_by_role("link", name="Compare both versions").click()
    expect(jonah_page).to_have_url(re.compile(re.escape(other.server / note_path) + r"\?conflict=\d+$"))
    expect(jonah_page.get_by_role("alert")).to_contain_text("Two versions of this note")
    expect(text(jonah_page, NEXT_STEPS)).to_have_value("Jonah: call on Thursday; she'll try the morning pages.")
    theirs = jonah_page.locator(".field-wrap.has-conflict").filter(has=text(jonah_page, EXPERIENCE))
    expect(theirs.locator(".conflict-theirs")).to_contain_text("a long corridor of doors")
    other.check("notes-conflict-view")
    theirs.get_by_role("button", name=f"Use this for {EXPERIENCE}").click()
    expect(text(jonah_page, EXPERIENCE)).to_have_value(re.compile("a long corridor of doors"))
    jonah_page.get_by_role("button", name="Save this version").click()

    # Saved as version 3, with both texts; back on the plain editor.
    expect(jonah_page).to_have_url(other.server / note_path)
    expect(text(jonah_page, EXPERIENCE)).to_have_value(re.compile("a long corridor of doors"))
    expect(text(jonah_page, NEXT_STEPS)).to_have_value(re.compile("^Jonah: call on Thursday"))
    other.check("notes-conflict-resolved")
    fields = server_fields(live_server, note_path)
    assert "a long corridor of doors" in fields["experience"] and fields["next_steps"].startswith("Jonah:")

    # Ada's page learns of it on her next save instead of overwriting Jonah's words.
    ada.allow_status(409, f"{note_path}/autosave")
    text(ada_page, "Body sensations").fill("Ada: a warm weight in the hands.")
    text(ada_page, "Imagery and themes").click()
    expect(ada_page.locator("#save-status")).to_contain_text("Jonah Reyes, LCSW saved this note")
    assert server_fields(live_server, note_path)["next_steps"].startswith("Jonah:")
    ada.check("notes-conflict-ada-refused")

    other.assert_only_live_server_requests()
    other.assert_no_problems()
    other.assert_every_page_checked()
