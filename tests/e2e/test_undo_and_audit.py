"""Undo after a mistake, and the audit log in words, through a real browser (issue 16, points 3 and 5).

A debrief started by mistake is discarded, the Undo right after brings it back as it was; the audit
log then reads as sentences. Every page landed on is axe-checked; no request leaves the live server.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_notes_flow import make_record, start_debrief, text


def test_a_discarded_debrief_comes_back_with_undo_and_the_audit_log_says_so_in_words(signed_in, live_server,
                                                                                   admin_account):
    browse, page = signed_in, signed_in.page
    record = make_record(live_server, admin_account)
    note_path = start_debrief(browse, record)
    text(page, "Next steps").fill("Call on Thursday")
    browse.check("undo-debrief-typed")

    page.get_by_role("button", name="Discard this draft").click()
    expect(page).to_have_url(browse.server / f"/clients/{record.client_id}/sessions")
    offer = page.locator("form.undo-offer")
    expect(offer).to_contain_text("is discarded")
    expect(page.get_by_role("button", name="Start the debrief for session 1")).to_be_visible()
    expect(page.get_by_role("link", name="Discarded drafts (1)")).to_be_visible()
    browse.check("undo-discarded")

    offer.get_by_role("button", name="Undo").click()
    expect(page).to_have_url(browse.server / note_path)
    expect(page.get_by_text("The draft is back, as it was.")).to_be_visible()
    expect(text(page, "Next steps")).to_have_value("Call on Thursday")
    browse.check("undo-restored")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    sentences = page.locator(".audit-sentence")
    expect(sentences.filter(has_text=re.compile(
        r"^Ada Okafor opened Wren Halloway’s note of \w{3} \d{1,2} \(post-session debrief\)$")).first).to_be_visible()
    expect(sentences.filter(has_text="Ada Okafor discarded Wren Halloway’s note of")).to_have_count(1)
    expect(sentences.filter(has_text="Ada Okafor restored Wren Halloway’s note of")).to_have_count(1)
    expect(page.get_by_text("notes.show_note")).to_have_count(0)
    browse.check("undo-audit-in-words")
