"""The safety plan as the client reads it: a SafetyPlanSheet for the PDF (its own, or pages of the plan).

Only the client's own words of the steps reach it, with the practice's crisis lines: never the change
notes, who saved it, or anything else of the record.
"""
from __future__ import annotations

from ..auth.models import Practice
from ..clients.models import Client
from ..clock import local_day
from ..extensions import db
from ..plans.document import PlanDocument, SafetyPlanSheet, SafetyPlanStep
from ..plans.safety import crisis_lines
from .models import REASONS, STEPS, SafetyPlanVersion

TITLE = "My safety plan"


def sheet(version: SafetyPlanVersion | None, practice: Practice) -> SafetyPlanSheet:
    """The steps in order with the client's lines (a version of None: every step blank, to fill in)."""
    def step(key: str, heading: str, hint: str) -> SafetyPlanStep:
        return SafetyPlanStep(heading, hint, version.lines(key) if version else [])

    return SafetyPlanSheet(
        steps=[step(key, heading, hint) for key, (heading, hint) in STEPS.items()],
        reasons=step("reasons", *REASONS),
        version=version.number if version else 0,
        saved_on=local_day(version.created_at, practice.timezone) if version else None,
    )


def document(client: Client, version: SafetyPlanVersion | None, practitioner_name: str,
             large_print: bool = False) -> PlanDocument:
    """The safety plan printed on its own: help first, then the steps. Same renderer and rules as the plan."""
    practice = db.session.get(Practice, client.practice_id)
    the_sheet = sheet(version, practice)
    return PlanDocument(
        title=TITLE,
        client_name=client.called,
        practitioner_name=practitioner_name,
        practice_name=practice.name,
        practitioner_contact=(practice.client_contact or "").strip(),
        crisis_lines=crisis_lines(practice),
        after_hours_line=(practice.after_hours_line or "").strip(),
        reply_time=(practice.reply_time or "").strip(),
        version=the_sheet.version,
        issued_on=the_sheet.saved_on,
        paper_size=practice.paper_size if practice.paper_size in ("letter", "a4") else "letter",
        large_print=large_print,
        safety_plan=the_sheet,
        kind="safety_plan",
    )
