"""Every answer that shows a client's record is audited, whatever the method or status.

A 422 re-render of a signed note, a refusal page, an htmx fragment: each shows the record as
much as a GET does. The walker posts empty forms to every client-scoped route (plain and as
htmx) and checks that every answer carrying the client's name or record words left an audit row
naming the client, exactly one "view" row at most — and that answers showing nothing (redirects,
empty answers, JSON status lines) left no "view" row, so the log does not fill with noise.
"""
import secrets

from sqlalchemy import func, select

from integration.audit.models import AuditEvent
from integration.extensions import db
from tests.factories import ClientFactory, practice_today
from tests.routes import build_url, client_scoped_rules, full_record

PLANTED = ("Quillfeather", "lanternfish", "Lanternfish")


def _record_with_planted_words(therapist) -> dict:
    person = ClientFactory.for_team(therapist, first_name="Marisol", last_name="Quillfeather")
    record = full_record(person, therapist)
    record["signed_note"].content = {"focus": "Spoke of the lanternfish dream"}
    record["note"].content = {"experience": "A lanternfish in deep water"}
    record["insight"].text = "The lanternfish lights its own way"
    record["item"].title = "Lanternfish evening walk"
    record["link"].token_hash = secrets.token_hex(32)  # full_record's fixed hash is free for the next one
    db.session.commit()
    return record


def _without_exports(record: dict) -> None:
    """full_record's draft plan holds an export so export routes have ids; real drafts never do."""
    db.session.delete(record["link"])
    db.session.delete(record["export"])
    db.session.commit()


def _last_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def _rows_after(before: int) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)).all()


def _walk(app, client, therapist, methods: set[str]) -> tuple[list[str], list[str], list[str]]:
    """(answers that showed the record, those without a row naming the client, noisy view rows)."""
    shown, unaudited, noisy = [], [], []
    for rule in client_scoped_rules(app):
        for method in sorted((rule.methods & methods) - {"HEAD", "OPTIONS"}):
            for headers in ({}, {"HX-Request": "true"}):
                # A fresh record each time: an empty POST may discard a draft or revoke a link.
                target = _record_with_planted_words(therapist)
                if rule.endpoint == "plans.delete":
                    _without_exports(target)
                url = build_url(app, rule, target)
                with client.session_transaction() as session:
                    session.pop("_flashes", None)  # an earlier answer's message may name the record
                before = _last_id()
                response = client.open(url, method=method, data={}, headers=headers)
                body = response.get_data(as_text=True)
                rows = _rows_after(before)
                label = f"{method} {url} {'htmx ' if headers else ''}-> {response.status_code}"
                views = [row for row in rows if row.action == "view"]
                if any(word in body for word in PLANTED):
                    shown.append(label)
                    if not any(row.client_id == target["client"].id and row.user_id == therapist.id
                               for row in rows):
                        unaudited.append(label)
                    if len(views) > 1:
                        noisy.append(f"{label}: {len(views)} view rows")
                if views and (response.is_json or 300 <= response.status_code < 400 or not body):
                    noisy.append(f"{label}: a view row for an answer that shows nothing")
    return shown, unaudited, noisy


def test_every_post_answer_that_shows_the_record_is_audited(app, client, auth, therapist):
    auth.login(therapist)
    shown, unaudited, noisy = _walk(app, client, therapist, {"POST"})
    assert unaudited == []
    assert noisy == [], noisy
    # The walker did reach the kinds of answer the security review named: form re-renders,
    # refusal pages (an addendum to a draft) and htmx fragments.
    assert any("/edit -> 422" in line for line in shown)
    assert any("/addenda -> 409" in line for line in shown)
    assert any("htmx -> 200" in line for line in shown)


def test_every_get_answer_that_shows_the_record_is_audited_once(app, client, auth, therapist):
    auth.login(therapist)
    shown, unaudited, noisy = _walk(app, client, therapist, {"GET"})
    assert shown and unaudited == [] and noisy == []


def test_a_refused_addendum_is_one_view_row_naming_the_request(app, client, auth, therapist):
    target = _record_with_planted_words(therapist)
    auth.login(therapist)
    before = _last_id()
    response = client.post(f"/clients/{target['client'].id}/notes/{target['signed_note'].id}/addenda", data={})
    assert response.status_code == 422 and "lanternfish" in response.get_data(as_text=True)
    [row] = _rows_after(before)
    assert (row.action, row.client_id, row.user_id) == ("view", target["client"].id, therapist.id)
    assert row.detail.endswith("(POST, 422)")


def test_a_change_is_one_row_not_a_change_and_a_view(app, client, auth, therapist):
    target = _record_with_planted_words(therapist)
    auth.login(therapist)
    before = _last_id()
    response = client.post(f"/clients/{target['client'].id}/goals/{target['goal'].id}/check-ins",
                           data={"checked_on": practice_today().isoformat(), "rating": "7"})
    assert response.status_code == 302
    assert [row.action for row in _rows_after(before)] == ["create"]


def test_what_a_failed_view_left_behind_is_not_committed_with_the_view_row(app, client, auth, therapist):
    """A re-render after a refused form must not carry the view's half-done changes into the log's commit."""
    target = _record_with_planted_words(therapist)
    auth.login(therapist)
    response = client.post(f"/clients/{target['client'].id}/edit",
                           data={"first_name": "Changed", "last_name": "", "status": "active"})
    assert response.status_code in (200, 422)
    db.session.expire_all()
    assert target["client"].first_name == "Marisol"
