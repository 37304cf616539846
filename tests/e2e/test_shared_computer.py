"""Unsaved note text in the browser belongs to one person (issue 9, item 10).

The editor keeps a copy of unsaved text in localStorage, under a key naming the person. When
someone else signs in on the same browser, every copy of anyone else's is removed; and who ticks
"This is a shared computer" at sign-in gets an editor that keeps no copy at all. Every page
landed on is screenshotted and axe-checked.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from integration.auth.models import User
from integration.extensions import db
from integration.notes import lifecycle
from integration.notes.models import Note
from tests.e2e.conftest import Account
from tests.factories import PASSWORD, ClientFactory, UserFactory, practice_today

SAVED = re.compile(r"^Saved \d{1,2}:\d{2} [AP]M$")
COPIES = """() => Object.keys(localStorage).filter((key) => key.startsWith("integration:")).sort()"""


def notes_for(live_server, admin_account: Account) -> tuple[Account, dict]:
    """A colleague, Cal, on Wren's care team with the admin; a draft note by each. Paths by name."""
    with live_server.app.app_context():
        ada = User.by_email(admin_account.email)
        cal = UserFactory(practice=ada.practice, role="therapist", name="Cal Rivers", email="cal@juniper.example")
        wren = ClientFactory.for_team(ada, cal, first_name="Wren", last_name="Halloway")
        notes = {person.name: lifecycle.start(Note(client_id=wren.id, kind="integration", occurred_on=practice_today()),
                                              person) for person in (ada, cal)}
        db.session.commit()
        paths = {name: f"/clients/{wren.id}/notes/{note.id}" for name, note in notes.items()}
        ids = {"ada": ada.id, "cal": cal.id, **{name: note.id for name, note in notes.items()}}
        account = Account(email=cal.email, password=PASSWORD, name=cal.name, practice=admin_account.practice)
        db.session.remove()
    return account, {"paths": paths, "ids": ids}


def test_the_next_person_at_the_browser_cannot_read_unsaved_notes(signed_in, live_server, admin_account):
    browse, page = signed_in, signed_in.page
    cal, made = notes_for(live_server, admin_account)
    ada_note = made["paths"][admin_account.name]
    ada_key = f"integration:{made['ids']['ada']}:note:{made['ids'][admin_account.name]}"

    # Ada writes while the server cannot take the save: her text stays in this browser, under her id.
    autosave = f"{ada_note}/autosave"
    browse.allow_status(503, autosave)
    page.route(browse.server / autosave, lambda route: route.fulfill(status=503, json={"error": "unavailable"}))
    browse.goto(ada_note)
    expect(page.locator("body")).to_have_attribute("data-local-copies", "on")
    page.get_by_role("textbox", name="Focus of the session", exact=True).fill("Ada's words about Wren's grief")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_contain_text("Your text is kept on this device.")
    browse.check("shared-ada-unsaved")
    # A copy from before keys named a person, and another site's key on the same origin.
    page.evaluate("""() => { localStorage.setItem("integration:note:1", "{}");
                             localStorage.setItem("elsewhere:draft", "kept"); }""")
    assert page.evaluate(COPIES) == sorted([ada_key, "integration:note:1"])

    # Ada signs out: her copy stays for her (signed out mid-sentence, she gets it back on signing in).
    page.locator("details.dropdown summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(browse.server / "login")
    assert page.evaluate(COPIES) == sorted([ada_key, "integration:note:1"])
    browse.check("shared-login-after-ada")

    # Cal signs in on the same browser, saying it is a shared computer: every copy not his is gone.
    shared = page.get_by_role("checkbox", name="This is a shared computer")
    expect(shared).not_to_be_checked()
    page.fill("input[name=email]", cal.email)
    page.fill("input[name=password]", cal.password)
    shared.check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(browse.server / "clients/")
    assert page.evaluate(COPIES) == []
    assert page.evaluate("() => localStorage.getItem('elsewhere:draft')") == "kept"
    browse.check("shared-cal-signed-in")

    # Cal's editor keeps no copy in this browser: the server alone holds his words.
    browse.goto(made["paths"][cal.name])
    expect(page.locator("body")).to_have_attribute("data-local-copies", "off")
    page.get_by_role("textbox", name="Focus of the session", exact=True).fill("Cal's notes, saved on the server")
    expect(page.locator("#save-status")).to_have_text("Not saved yet")
    assert page.evaluate(COPIES) == []
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-status")).to_have_text(SAVED)
    assert page.evaluate(COPIES) == []
    browse.check("shared-cal-note-saved")


def test_an_autosave_too_large_for_one_request_says_by_how_much(signed_in, live_server, admin_account):
    browse, page = signed_in, signed_in.page
    _, made = notes_for(live_server, admin_account)
    browse.check("clients-before-a-long-note")
    live_server.app.config["MAX_CONTENT_LENGTH"] = 30_000  # the same check as at 2 MB, with less typing
    browse.goto(made["paths"][admin_account.name])
    page.get_by_role("textbox", name="Focus of the session", exact=True).fill("w" * 40_000)
    page.get_by_role("button", name="Save draft").click()
    status = page.locator("#save-status")
    expect(status).to_contain_text(re.compile(r"^Not saved: this note is [\d,]+ characters over the limit"))
    expect(status).not_to_contain_text("Reload")
    over = int(re.search(r"is ([\d,]+) characters", status.inner_text()).group(1).replace(",", ""))
    assert 9_000 < over < 11_000
    browse.check("note-too-large-to-save")
