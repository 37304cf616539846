"""The record export through a real browser: a clinician opens "Export record", reads what is in and out
(the dosing safety record, consent and safety plan among it), and downloads both files; at 390 px nothing
scrolls sideways. Every page is axe-checked."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from playwright.sync_api import expect

from integration.dosing.models import AdverseEvent, Consent, ConsentText, VitalsReading
from integration.extensions import db
from integration.safetyplans.models import SafetyPlanVersion
from tests.e2e.conftest import Account, Browsing, sign_in
from tests.factories import (PASSWORD, ClientFactory, DosingSessionFactory, NoteFactory, PracticeFactory, UserFactory,
                             debrief_content, practice_today)


def test_a_clinician_exports_the_record(browse: Browsing, live_server):
    with live_server.app.app_context():
        practice = PracticeFactory(name="Cedar Integration Practice")
        theo = UserFactory(practice=practice, role="therapist", name="Theo Marchetti", credentials="PsyD",
                           email="theo@cedar.example")
        wren = ClientFactory.for_team(theo, first_name="Wren", last_name="Halloway")
        NoteFactory.signed(client=wren, author=theo, kind="debrief", content=debrief_content())
        NoteFactory.signed(client=wren, author=theo, kind="process", content={"text": "Only mine."})
        session = DosingSessionFactory(client=wren)
        db.session.add_all([
            VitalsReading(client_id=wren.id, dosing_session_id=session.id, taken_at=datetime(2025, 3, 3, 15),
                          point="pre", systolic=126, diastolic=80, heart_rate=72, spo2=98, resp_rate=14, moaas=5),
            AdverseEvent(client_id=wren.id, dosing_session_id=session.id, kind="nausea", severity="mild",
                         resolved=True),
            SafetyPlanVersion(client_id=wren.id, number=1, steps={"coping": "Walk to the harbour"},
                              created_by_id=theo.id)])
        text = ConsentText(practice_id=practice.id, version=1, text="I agree to ketamine-assisted therapy.")
        db.session.add(text)
        db.session.flush()
        db.session.add(Consent(client_id=wren.id, consent_text_id=text.id, signed_on=practice_today(),
                               signed_by="Wren Halloway", witnessed_by="Theo Marchetti"))
        db.session.commit()
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
    for words in ("1 safety plan version, every one in full", "1 signed consent, with the words signed",
                  "1 dosing session, with 1 vitals reading, 1 adverse event and discharge"):
        expect(page.locator("main")).to_contain_text(words)
    browse.check("export-1280")
    with page.expect_download() as pdf:
        page.get_by_role("button", name="Download the PDF", exact=True).click()
    assert pdf.value.suggested_filename.startswith("record-halloway-")
    with page.expect_download() as large:
        page.get_by_role("button", name="Download the PDF in large print").click()
    assert large.value.suggested_filename.endswith(".large-print.pdf")
    assert Path(large.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as bundle:
        page.get_by_role("button", name="Download the FHIR bundle (JSON)").click()
    assert json.loads(Path(bundle.value.path()).read_text(encoding="utf-8"))["type"] == "collection"
    page.set_viewport_size({"width": 390, "height": 844})
    browse.goto(f"/clients/{client_id}/export")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    browse.check("export-390")
