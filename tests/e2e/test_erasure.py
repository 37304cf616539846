"""Erasure through a real browser (issue 15, point 3): a clinician closes a record; years later one
practice admin asks to purge it after the dry run, and a second admin approves. Every page is
axe-checked and shot at a desk's width and a phone's."""
from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import expect

from integration.clients.models import Client
from integration.extensions import db
from tests.e2e.conftest import Account, Browsing, sign_in
from tests.factories import PASSWORD, ClientFactory, GoalFactory, NoteFactory, PracticeFactory, UserFactory


def _accounts(live_server):
    with live_server.app.app_context():
        practice = PracticeFactory(name="Cedar Integration Practice")
        people = [UserFactory(practice=practice, role=role, name=name, email=email) for role, name, email in (
            ("therapist", "Theo Marchetti", "theo@cedar.example"), ("admin", "Morgan Ellery", "morgan@cedar.example"),
            ("admin", "Dana Okafor", "dana@cedar.example"))]
        wren = ClientFactory.for_team(people[0], first_name="Wren", last_name="Halloway")
        GoalFactory(client=wren)
        NoteFactory.signed(client=wren, author=people[0], kind="integration")
        accounts = [Account(p.email, PASSWORD, p.name, practice.name) for p in people]
        wren_id = wren.id
        db.session.remove()
    return accounts, wren_id


def _sign_out(browse: Browsing):
    browse.page.context.clear_cookies()
    browse.goto("/login")


def _sign_in(browse: Browsing, account: Account, name: str):
    browse.check(f"erasure-login-{name}")
    sign_in(browse, account)
    browse.check(f"erasure-clients-{name}")


def test_close_then_two_admins_purge(browse: Browsing, live_server):
    (theo, morgan, dana), wren_id = _accounts(live_server)
    page = browse.page
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        browse.goto("/login")
        if width == 1280:
            _sign_in(browse, theo, "theo")
            browse.goto(f"/clients/{wren_id}")
            browse.check(f"erasure-record-{width}")
            page.get_by_role("button", name="Close this record…").click()
            browse.check(f"erasure-close-{width}")
            page.get_by_role("checkbox").check()
            page.get_by_role("button", name="Close the record").click()
            expect(page.locator(".record-closed")).to_contain_text("may be purged after")
            browse.check(f"erasure-closed-record-{width}")
            with live_server.app.app_context():  # eight years pass
                db.session.get(Client, wren_id).closed_at = datetime.now() - timedelta(days=365 * 8)
                db.session.commit()
                db.session.remove()
            _sign_out(browse)
            _sign_in(browse, morgan, "morgan")
            browse.goto(f"/clients/{wren_id}/purge")
            expect(page.locator(".purge-counts")).to_contain_text("notes")
            browse.check(f"erasure-dry-run-{width}")
            page.get_by_role("button", name="Ask to purge this record").click()
            browse.check(f"erasure-requested-{width}")
            _sign_out(browse)
            _sign_in(browse, dana, "dana")
        browse.goto("/records")
        expect(page.get_by_role("button", name="Approve and purge")).to_be_visible()
        browse.check(f"erasure-waiting-{width}")
    page.get_by_role("button", name="Approve and purge").click()
    expect(page.locator(".flash-success")).to_contain_text("The record is purged")
    browse.check("erasure-purged-390")
    with live_server.app.app_context():
        assert db.session.get(Client, wren_id) is None
        db.session.remove()
