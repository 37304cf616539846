"""Recording a set of vitals by keyboard alone (issue 12): Tab from field to field, type the numbers, choose
the sedation rating with the arrow keys, Enter to save; an impossible SpO2 is refused at its field with the
typed values kept, and a high but possible reading is saved and flagged. Every page is axe-checked, at
1280 and at 390 px wide."""
from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import expect

from integration.dosing.models import Consent, ConsentText
from integration.extensions import db
from tests.e2e.conftest import Account, Browsing, sign_in
from tests.factories import PASSWORD, ClientFactory, DosingSessionFactory, PracticeFactory, UserFactory, practice_today


def _type_reading(page, systolic: str, diastolic: str, heart_rate: str, spo2: str) -> None:
    page.locator("#point").focus()
    page.keyboard.press("ArrowDown")  # "During monitoring"
    for value in (systolic, diastolic, heart_rate, spo2, "14"):
        page.keyboard.press("Tab")
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
    page.keyboard.press("Tab")  # the sedation rating
    for _ in range(2):
        page.keyboard.press("ArrowDown")  # "Not rated" -> 5 -> 4


def test_a_clinician_records_vitals_by_keyboard(browse: Browsing, live_server):
    with live_server.app.app_context():
        practice = PracticeFactory(name="Cedar Integration Practice")
        theo = UserFactory(practice=practice, role="therapist", profession="therapist", name="Theo Marchetti",
                           email="theo@cedar.example")
        person = ClientFactory.for_team(theo, first_name="Wren", last_name="Halloway")
        session = DosingSessionFactory(client=person, started_at=datetime.utcnow() - timedelta(hours=1))
        text = ConsentText(practice_id=practice.id, version=1, text="I agree.", created_by_id=theo.id)
        db.session.add(text)
        db.session.flush()
        db.session.add(Consent(client_id=person.id, consent_text_id=text.id, signed_on=practice_today(),
                               signed_by="Wren Halloway", witnessed_by="Theo Marchetti"))
        db.session.commit()
        client_id, session_id = person.id, session.id
        account = Account(theo.email, PASSWORD, theo.name, practice.name)
        db.session.remove()
    page = browse.page
    browse.goto("/login")
    browse.check("dosing-login")
    sign_in(browse, account)
    browse.check("dosing-clients")
    safety = f"/clients/{client_id}/sessions/{session_id}/safety"
    browse.goto(safety)
    browse.check("dosing-safety-empty")

    browse.allow_status(422, f"/clients/{client_id}/sessions/{session_id}/vitals")  # the refused reading
    page.locator("#taken_time").fill("10:40")
    _type_reading(page, "150", "92", "88", "104")
    page.keyboard.press("Tab")  # dissociation: left "Not rated"
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save reading")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#spo2-error")).to_have_text("SpO2 cannot be above 100%.")
    expect(page.locator("#systolic")).to_have_value("150")
    browse.check("dosing-safety-refused")

    page.locator("#spo2").fill("")
    page.locator("#spo2").focus()
    page.keyboard.type("97")
    page.keyboard.press("Enter")  # from a number field, Enter submits the form
    expect(page.locator(".flash").first).to_contain_text("Reading saved.")
    expect(page.locator(".vitals-table")).to_contain_text("150/92")
    browse.check("dosing-safety-saved")

    browse.goto(f"/clients/{client_id}/sessions/{session_id}")
    expect(page.locator(".safety-summary")).to_contain_text("Consent on file")
    browse.check("dosing-session-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    browse.check("dosing-session-390")
    browse.goto(safety)
    browse.check("dosing-safety-390")
    browse.goto(f"/clients/{client_id}/consent")
    browse.check("dosing-consent-390")
    browse.goto(f"/clients/{client_id}/sessions/new?status=planned")
    browse.check("dosing-book-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    browse.goto(f"/clients/{client_id}/consent")
    browse.check("dosing-consent-1280")
    browse.goto(f"/clients/{client_id}/sessions/new?status=planned")
    browse.check("dosing-book-1280")


def test_an_admin_saves_a_new_consent_text_version(signed_in: Browsing):
    page = signed_in.page
    signed_in.check("dosing-admin-clients")
    signed_in.goto("/settings/practice")
    signed_in.check("dosing-practice-settings")
    page.get_by_role("link", name="Consent text").click()
    page.locator("#text").fill("First words of consent.")
    page.get_by_role("button", name="Save as a new version").click()
    page.locator("#text").fill("Second words of consent.")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator(".flash").first).to_contain_text("Saved as version 2.")
    expect(page.locator("main details summary").first).to_contain_text("Version 2")
    signed_in.check("dosing-consent-text-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    signed_in.check("dosing-consent-text-390")
