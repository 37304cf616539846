"""The record export through a real browser: a clinician opens "Export record", reads what is in and out,
and downloads both files; at 390 px nothing scrolls sideways. Every page is axe-checked."""
from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect

from integration.extensions import db
from tests.e2e.conftest import Account, Browsing, sign_in
from tests.factories import PASSWORD, ClientFactory, NoteFactory, PracticeFactory, UserFactory, debrief_content


def test_a_clinician_exports_the_record(browse: Browsing, live_server):
    with live_server.app.app_context():
        practice = PracticeFactory(name="Cedar Integration Practice")
        theo = UserFactory(practice=practice, role="therapist", name="Theo Marchetti", credentials="PsyD",
                           email="theo@cedar.example")
        wren = ClientFactory.for_team(theo, first_name="Wren", last_name="Halloway")
        NoteFactory.signed(client=wren, author=theo, kind="debrief", content=debrief_content())
        NoteFactory.signed(client=wren, author=theo, kind="process", content={"text": "Only mine."})
        account, client_id = Account(theo.email, PASSWORD, theo.name, practice.name), wren.id
        db.session.remove()
    page = browse.page
    browse.goto("/login")
    browse.check("export-login")
    sign_in(browse, account)
    browse.check("export-clients")
    browse.goto(f"/clients/{client_id}")
    browse.check("export-overview")
    page.get_by_role("button", name="Export record").click()
    expect(page.get_by_role("heading", name="What is not included")).to_be_visible()
    expect(page.locator("main")).to_contain_text("1 private process note.")
    browse.check("export-1280")
    with page.expect_download() as pdf:
        page.get_by_role("button", name="Download the PDF").click()
    assert pdf.value.suggested_filename.startswith("record-halloway-")
    with page.expect_download() as bundle:
        page.get_by_role("button", name="Download the FHIR bundle (JSON)").click()
    assert json.loads(Path(bundle.value.path()).read_text(encoding="utf-8"))["type"] == "collection"
    page.set_viewport_size({"width": 390, "height": 844})
    browse.goto(f"/clients/{client_id}/export")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    browse.check("export-390")
