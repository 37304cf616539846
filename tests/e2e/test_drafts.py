"""No form loses text (issue 16): forms marked data-keep-draft warn before leaving and keep a copy.

A therapist types a goal, clicks away (the browser asks first), comes back and finds the text
restored with a visible line saying so; a refused submit keeps the copy, an accepted one clears it.
Runs under the real Content-Security-Policy: static/js/drafts.js is an ordinary static file.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from integration.extensions import db
from tests.e2e.conftest import Account, sign_in
from tests.factories import PASSWORD, ClientFactory, PracticeFactory, UserFactory

TITLE = "Walk to the harbour on Sundays"
WHY = "Because the sea makes the week feel wide again."


@dataclass
class Setting:
    account: Account
    user_id: int
    client_id: int

    @property
    def new_goal(self) -> str:
        return f"/clients/{self.client_id}/goals/new"

    @property
    def storage_key(self) -> str:
        return f"integration:{self.user_id}:form:{self.new_goal}"


@pytest.fixture
def setting(live_server) -> Setting:
    with live_server.app.app_context():
        practice = PracticeFactory(name="Tidewater Integration")
        therapist = UserFactory(practice=practice, role="therapist", name="Noor Haddad", email="noor@tidewater.example")
        client = ClientFactory.for_team(therapist, first_name="Wren", last_name="Ashby")
        made = Setting(Account(therapist.email, PASSWORD, therapist.name, practice.name), therapist.id, client.id)
        db.session.remove()
    return made


def _copy(page, key: str):
    return page.evaluate("key => window.localStorage.getItem(key)", key)


def test_a_goal_typed_then_left_asks_first_comes_back_restored_and_is_cleared_once_saved(strict_browse, setting):
    page = strict_browse.page
    strict_browse.goto("/login")
    sign_in(strict_browse, setting.account)
    strict_browse.goto(setting.new_goal)
    expect(page.locator("form[data-keep-draft]")).to_have_count(1)
    page.get_by_label("Goal", exact=False).first.fill(TITLE)
    page.locator("textarea[name=why]").fill(WHY)
    assert TITLE in (_copy(page, setting.storage_key) or ""), "nothing was kept in this browser"

    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.accept()  # "Leave"

    page.on("dialog", answer)
    page.get_by_role("navigation", name="Client record").get_by_role("link", name="Goals").click()
    page.wait_for_url(strict_browse.server / f"clients/{setting.client_id}/goals")
    assert dialogs == ["beforeunload"], f"the browser did not ask before leaving: {dialogs}"

    strict_browse.goto(setting.new_goal)
    expect(page.locator("input[name=title]")).to_have_value(TITLE)
    expect(page.locator("textarea[name=why]")).to_have_value(WHY)
    expect(page.get_by_role("status").filter(has_text="Restored your unsaved text")).to_be_visible()

    page.get_by_role("button", name="Add goal").click()
    page.wait_for_url(lambda url: "/goals/new" not in url)
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    assert _copy(page, setting.storage_key) is None, "the copy outlived the saved goal"
    assert len(dialogs) == 1, "submitting asked as if the text were being lost"

    strict_browse.goto(setting.new_goal)
    expect(page.locator("input[name=title]")).to_have_value("")
    expect(page.get_by_text("Restored your unsaved text")).to_have_count(0)


def test_a_refused_goal_keeps_its_copy_and_still_asks_before_leaving(strict_browse, setting):
    page = strict_browse.page
    strict_browse.goto("/login")
    sign_in(strict_browse, setting.account)
    strict_browse.goto(setting.new_goal)
    page.locator("textarea[name=why]").fill(WHY)  # no title: the server refuses it
    strict_browse.allow_status(422, setting.new_goal)
    page.get_by_role("button", name="Add goal").click()
    expect(page.locator(".field-error").first).to_be_visible()
    expect(page.locator("textarea[name=why]")).to_have_value(WHY)
    assert WHY in (_copy(page, setting.storage_key) or ""), "the refused text lost its copy"

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))  # "Stay"
    page.get_by_role("navigation", name="Client record").get_by_role("link", name="Goals").click()
    expect(page.locator("textarea[name=why]")).to_have_value(WHY)
    assert dialogs == ["beforeunload"]


def test_a_copy_is_not_kept_on_a_shared_computer(strict_browse, setting):
    page = strict_browse.page
    strict_browse.goto("/login")
    page.get_by_label("This is a shared computer").check()
    sign_in(strict_browse, setting.account)
    strict_browse.goto(setting.new_goal)
    page.locator("input[name=title]").fill(TITLE)
    page.locator("textarea[name=why]").fill(WHY)
    assert _copy(page, setting.storage_key) is None
