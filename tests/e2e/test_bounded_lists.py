"""The audit log a page at a time, through a real browser (issue 14, points 2 and 3): "Older →" and
"← Newer" walk by the rows' keys, and the export's days are checked at the field with a pointer to them.
Every page landed on is axe-checked."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import insert

from integration.audit.models import AuditEvent
from integration.auth.models import User
from integration.clock import utcnow
from integration.extensions import db
from tests.factories import practice_today


def test_the_admin_walks_the_audit_log_and_is_told_when_the_export_days_are_wrong(signed_in, live_server,
                                                                                   admin_account):
    browse, page = signed_in, signed_in.page
    with live_server.app.app_context():
        admin = User.by_email(admin_account.email)
        start = utcnow() - timedelta(hours=1)
        db.session.execute(insert(AuditEvent), [
            {"at": start - timedelta(minutes=n), "practice_id": admin.practice_id, "user_id": admin.id,
             "action": "change", "object_type": "", "remote_addr": "", "detail": f"row-{n:04d}"}
            for n in range(70)])
        db.session.commit()
        db.session.remove()

    browse.check("client-list")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_text("row-0000", exact=True)).to_be_visible()
    browse.check("audit-first-page")
    pages = page.get_by_role("navigation", name="Audit log pages")
    pages.get_by_role("link", name="Older →").click()
    expect(page.get_by_text("row-0069", exact=True)).to_be_visible()
    expect(page.get_by_text("row-0000", exact=True)).to_have_count(0)
    browse.check("audit-older-page")
    pages.get_by_role("link", name="← Newer").click()
    expect(page.get_by_text("row-0000", exact=True)).to_be_visible()
    browse.check("audit-newer-page")

    today = practice_today()
    refused = f"/audit/export.csv?since={today.isoformat()}&until={(today - timedelta(days=2)).isoformat()}"
    browse.allow_status(422, refused)  # the point of the test: the days are refused, at the field
    browse.allow_status(422, refused + "#export")
    export = page.locator("#export")
    export.get_by_label("From").fill(today.isoformat())
    export.get_by_label("To").fill((today - timedelta(days=2)).isoformat())
    export.get_by_role("button", name="Export CSV").click()
    expect(page.get_by_role("alert").filter(has_text="The export needs other days")).to_be_visible()
    expect(export.get_by_text("Choose a first day on or before the last day.")).to_be_visible()
    browse.check("audit-export-days-refused")
