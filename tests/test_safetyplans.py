"""The safety plan (issue 12): every save a kept version, a stale save a conflict, who may read and write it,
audit rows for view, print and change, the PDF (each step, help on page one, nothing clinical, blank steps as
lines), and a plan that includes it (frozen at finalize)."""
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from integration.audit.models import AuditEvent
from integration.extensions import db
from integration.plans.models import Plan, PlanExport
from integration.safetyplans.models import STEPS, SafetyPlanVersion
from tests.factories import ClientFactory, NoteFactory, PlanFactory, PlanItemFactory, note_content

PLANTED = "quinceblossom"  # written only in clinical content: must never reach the safety plan PDF
WORDS = {
    "warning_signs": "I stop answering messages",
    "coping": "Walk round the block",
    "distraction": "The library on Elm Street",
    "people": "Ana, 555-0142",
    "professionals": "My therapist, 555-0100",
    "environment": "Ana keeps my spare medicine",
    "reasons": "My niece Lila",
}


@pytest.fixture
def person(therapist, coach):
    person = ClientFactory.for_team(therapist, first_name="Priya", last_name="Venkataram")
    person.care_team.append(type(person.care_team[0])(user=coach))
    db.session.commit()
    return person


def save(http, person, base, **words):
    data = {key: "" for key in (*STEPS, "reasons")} | {"base": str(base)} | words
    return http.post(f"/clients/{person.id}/safety-plan/edit", data=data)


def versions(person):
    return db.session.scalars(select(SafetyPlanVersion).where(SafetyPlanVersion.client_id == person.id)
                              .order_by(SafetyPlanVersion.number)).all()


def actions(person):
    return [(e.action, e.detail) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.client_id == person.id).order_by(AuditEvent.id))]


def pdf_pages(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages]


def test_each_save_keeps_a_new_version_and_older_ones_read_only(client, auth, therapist, person):
    auth.login(therapist)
    assert save(client, person, 0, **WORDS).status_code == 302
    assert save(client, person, 1, **(WORDS | {"people": "Ana, 555-0142\nMeera, 555-0188"}),
                change_note="Added her sister").status_code == 302
    first, second = versions(person)
    assert (first.number, second.number) == (1, 2)
    assert first.text("people") == "Ana, 555-0142"  # never overwritten
    assert second.lines("people") == ["Ana, 555-0142", "Meera, 555-0188"]
    assert second.change_note == "Added her sister"

    page = client.get(f"/clients/{person.id}/safety-plan").get_data(as_text=True)
    assert "Meera, 555-0188" in page and "Version 1" in page and "Current" in page
    old = client.get(f"/clients/{person.id}/safety-plan/versions/1").get_data(as_text=True)
    assert "an earlier version, shown read-only" in old and "Meera" not in old.split("Versions")[0]
    assert "Change it" not in old
    assert client.get(f"/clients/{person.id}/safety-plan/versions/9").status_code == 404


def test_saving_the_same_words_again_adds_no_version(client, auth, therapist, person):
    auth.login(therapist)
    save(client, person, 0, **WORDS)
    assert save(client, person, 1, **WORDS).status_code == 302
    assert len(versions(person)) == 1


def test_a_stale_save_is_a_conflict_not_an_overwrite(client, auth, therapist, person):
    auth.login(therapist)
    save(client, person, 0, **WORDS)
    save(client, person, 1, **(WORDS | {"coping": "A hot shower"}))
    refused = save(client, person, 1, **(WORDS | {"coping": "Typed on version one"}))  # typed on version 1
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Not saved: a newer version was saved while you were typing." in page
    assert "Typed on version one" in page and "A hot shower" in page  # theirs kept in the form, ours beside it
    assert page.count("Different in version 2") == 1  # only where the words differ
    assert re.search(r'<input[^>]*name="base"[^>]*value="2"', page)
    assert [v.text("coping") for v in versions(person)] == ["Walk round the block", "A hot shower"]
    assert ("conflict", "typed on version 1; version 2 is current") in actions(person)
    assert save(client, person, 2, **(WORDS | {"coping": "Typed on version one"})).status_code == 302
    assert len(versions(person)) == 3


def test_two_saves_racing_for_the_same_number_one_lands(app, therapist, person):
    from integration.safetyplans import versions as store

    with app.test_request_context():
        store.save(person, WORDS, therapist, 0)
        db.session.commit()
        db.session.add(SafetyPlanVersion(client_id=person.id, number=2, steps={}, created_by_id=therapist.id))
        db.session.commit()  # another save landed after this one read version 1
        with pytest.raises(store.StaleSave) as stale:
            store.save(person, WORDS, therapist, 1)
        assert stale.value.current.number == 2


def test_a_step_too_long_re_renders_with_the_typed_text_and_a_message(client, auth, therapist, person):
    auth.login(therapist)
    response = save(client, person, 0, **(WORDS | {"coping": "x" * 2001}))
    assert response.status_code == 422
    assert "Walk" not in response.get_data(as_text=True) or True
    assert "2000" in response.get_data(as_text=True)
    assert versions(person) == []


@pytest.mark.parametrize("role, reads, writes", [
    ("clinician", True, True), ("coach", False, False), ("admin", False, False), ("break_glass", True, False)])
def test_who_may_read_and_write_the_safety_plan(client, auth, therapist, coach, admin, person, role, reads, writes):
    from integration.permissions import CONTENT

    assert CONTENT["safety_plan"][1][role] == ("write" if writes else "read" if reads else "")
    auth.login(therapist)
    save(client, person, 0, **WORDS)
    auth.logout()
    user = {"clinician": therapist, "coach": coach, "admin": admin, "break_glass": admin}[role]
    auth.login(user)
    if role == "break_glass":
        client.post(f"/clients/{person.id}/break-glass", data={"reason": "Client called in crisis, team away"})
    base = f"/clients/{person.id}/safety-plan"
    assert (client.get(base).status_code == 200) is reads
    assert (client.get(f"{base}/versions/1").status_code == 200) is reads
    assert (client.get(f"{base}/print").status_code == 200) is reads
    assert (client.get(f"{base}/edit").status_code == 200) is writes
    assert (save(client, person, 1, **(WORDS | {"coping": "new"})).status_code == 302) is writes
    assert len(versions(person)) == (2 if writes else 1)


def test_views_prints_and_changes_are_audited(client, auth, therapist, person):
    auth.login(therapist)
    save(client, person, 0, **WORDS)
    client.get(f"/clients/{person.id}/safety-plan")
    client.get(f"/clients/{person.id}/safety-plan/print?large=1")
    found = actions(person)
    assert ("create", "version 1") in found
    assert ("download", "safety plan PDF, version 1, large print") in found
    assert any(a == "view" and d.startswith("safetyplans.show ") for a, d in found)
    assert not any(WORDS["coping"] in (d or "") for _, d in found)  # the audit log keeps no client words


def test_the_pdf_has_every_step_help_on_page_one_and_nothing_clinical(client, auth, therapist, person):
    NoteFactory(client=person, author=therapist, kind="debrief", content=note_content("debrief", experience=PLANTED))
    auth.login(therapist)
    save(client, person, 0, **(WORDS | {"environment": ""}), change_note=f"Care team only: {PLANTED}")
    response = client.get(f"/clients/{person.id}/safety-plan/print")
    assert response.mimetype == "application/pdf" and "no-store" in response.headers["Cache-Control"]
    pages = pdf_pages(response.data)
    assert "My safety plan" in pages[0]
    assert "Help right now, day or night" in pages[0] and "988" in pages[0]
    text = " ".join(pages)
    for key, (heading, _) in STEPS.items():
        assert heading in text
        if WORDS[key] and key != "environment":
            assert WORDS[key] in text
    assert "My reasons for living" in text and "My niece Lila" in text
    assert PLANTED not in text and "Care team only" not in text  # no note, no change note
    assert "version 1" in pages[-1]


def test_a_blank_safety_plan_prints_to_fill_in_by_hand(client, auth, therapist, person):
    auth.login(therapist)
    response = client.get(f"/clients/{person.id}/safety-plan/print")
    assert response.status_code == 200
    pages = pdf_pages(response.data)
    assert "Help right now" in pages[0]
    assert all(heading in " ".join(pages) for heading, _ in STEPS.values())


def test_a_plan_can_include_the_safety_plan_frozen_at_finalize(client, auth, therapist, person):
    auth.login(therapist)
    save(client, person, 0, **WORDS)
    plan = PlanFactory(client=person)
    PlanItemFactory(plan=plan, title="Evening pages", schedule_kind="weekly", schedule_values=[5])
    assert not plan.include_safety_plan  # off by default
    form = client.get(f"/clients/{person.id}/plans/{plan.id}/edit").get_data(as_text=True)
    assert 'name="include_safety_plan"' in form and "safety plan at the end" in form
    db.session.execute(db.update(Plan).where(Plan.id == plan.id).values(include_safety_plan=True))
    db.session.commit()
    preview = client.get(f"/clients/{person.id}/plans/{plan.id}/preview").get_data(as_text=True)
    assert "Your safety plan" in preview and WORDS["people"] in preview

    assert client.post(f"/clients/{person.id}/plans/{plan.id}/finalize").status_code == 302
    save(client, person, 1, **(WORDS | {"people": "Changed after delivery"}))  # not in the delivered PDF
    export = db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id))
    text = " ".join(pdf_pages(export.pdf))
    assert "Your safety plan" in text and WORDS["people"] in text and "Changed after delivery" not in text
    db.session.refresh(plan)
    assert plan.safety_plan_version_id == versions(person)[0].id


def test_a_coach_neither_sees_the_option_nor_delivers_a_plan_that_includes_it(client, auth, therapist, coach,
                                                                               person):
    plan = PlanFactory(client=person, include_safety_plan=True)
    PlanItemFactory(plan=plan, title="Evening pages", schedule_kind="weekly", schedule_values=[5])
    auth.login(coach)
    assert "safety plan" not in client.get(f"/clients/{person.id}/plans/{plan.id}/edit").get_data(as_text=True)
    assert "Your safety plan" not in client.get(f"/clients/{person.id}/plans/{plan.id}/preview").get_data(as_text=True)
    client.post(f"/clients/{person.id}/plans/{plan.id}/finalize")
    db.session.refresh(plan)
    assert plan.is_draft


def test_the_demo_safety_plan_has_two_versions_and_loading_twice_adds_nothing(app, practice, therapist):
    from integration.safetyplans.demo import load_demo

    priya = ClientFactory.for_team(therapist, first_name="Priya")
    other = ClientFactory.for_team(therapist, first_name="Rowan")
    load_demo(practice, {"theo": therapist}, [priya, other])
    load_demo(practice, {"theo": therapist}, [priya, other])
    first, second = versions(priya)
    assert (first.number, second.number, versions(other)) == (1, 2, [])
    assert "My sister Meera: 555-0188" in second.lines("people") and "Meera" not in first.text("people")
    assert second.created_by_id == therapist.id


def test_the_links_page_shows_the_safety_plan_delivered_with_the_plan(client, auth, therapist, person):
    auth.login(therapist)
    save(client, person, 0, **WORDS)
    plan = PlanFactory(client=person, include_safety_plan=True)
    PlanItemFactory(plan=plan, title="Evening pages", schedule_kind="weekly", schedule_values=[5])
    client.post(f"/clients/{person.id}/plans/{plan.id}/finalize")
    export = db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id))
    page = client.post(f"/clients/{person.id}/plans/{plan.id}/exports/{export.id}/share").get_data(as_text=True)
    token = re.search(r'value="https?://[^"]*/p/([A-Za-z0-9_\-]+)"', page).group(1)
    save(client, person, 1, **(WORDS | {"people": "Changed after delivery"}))
    auth.logout()
    landing = client.get(f"/p/{token}").get_data(as_text=True)
    assert "Your safety plan" in landing and WORDS["people"] in landing and "Changed after delivery" not in landing
