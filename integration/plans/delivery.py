"""Finalizing, delivered versions, new versions and private share links.

Finalizing renders the PDF and the calendar file once, from one plan document, and keeps both:
downloads and share links serve those stored bytes, so "what exactly did the client receive"
always has an exact answer and no one waits for a render on click. Finalizing is one conditional
transition on the revision it rendered from (plans/lifecycle.py); revoking a link and counting a
download through it are one conditional UPDATE each. Callers commit.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..audit.log import record
from ..auth.models import Practice, User
from ..clock import utcnow
from ..extensions import db
from . import lifecycle
from .assemble import build_document
from .calendar import ics_file
from .models import Plan, PlanExport, PlanItem, ShareLink
from .review import unchecked
from .safety import crisis_lines, missing_crisis_line

SHARE_LINK_DAYS = 14


class PlanNotReady(ValueError):
    """The plan cannot be finalized yet; the message says why, in plain words."""


def finalize(plan: Plan, user: User) -> PlanExport:
    """Lock the plan and keep its PDF and calendar file, made from one plan document, as a delivered
    version. Nothing is written until both are made; then the transition `draft -> finalized` is
    one UPDATE conditional on the revision they were made from.

    :raise PlanNotReady: the plan has no practice yet.
    :raise lifecycle.PlanLocked: it is finalized already (or a finalize landed while this one rendered).
    :raise lifecycle.PlanChanged: it changed while its PDF was made; nothing is stored.
    """
    from .pdf import render_plan_pdf  # WeasyPrint is loaded only when a PDF is made

    if not plan.is_draft:
        raise lifecycle.PlanLocked()
    if not plan.items:
        raise PlanNotReady("Add at least one practice before finalizing: an empty plan would be an empty PDF.")
    refusal = not_safe_yet(plan)
    if refusal:
        raise PlanNotReady(refusal)
    with db.session.no_autoflush:  # the conditional UPDATE goes out only in land() below
        plan.status = "finalized"
        plan.finalized_at = utcnow()
        plan.finalized_by_id = user.id
        plan.finalized_by = user
        plan.revision += 1
        document = build_document(plan)
        pdf = render_plan_pdf(document)
        ics = ics_file(document.calendar, stamp=plan.finalized_at)
        export = PlanExport(plan=plan, client_id=plan.client_id, version=plan.version, pdf=pdf, size=len(pdf),
                            sha256=hashlib.sha256(pdf).hexdigest(), ics=ics, ics_sha256=hashlib.sha256(ics).hexdigest(),
                            created_by_id=user.id, created_at=plan.finalized_at)
        db.session.add(export)
    lifecycle.land(plan)
    record("finalize", obj=plan, client=plan.client, user=user, detail=f"version {plan.version}")
    record("export", obj=export, client=plan.client, user=user,
           detail=f"sha256 {export.sha256}, calendar sha256 {export.ics_sha256}")
    return export


def not_safe_yet(plan: Plan) -> str | None:
    """Why the plan may not go to the client yet (no crisis line, a caution no one looked at), or None."""
    missing = missing_crisis_line(db.session.get(Practice, plan.client.practice_id))
    if missing:
        return missing
    flagged = unchecked(plan)
    if flagged:
        titles = ", ".join(f"“{item.title}”" for item in flagged)
        return (f"Check {titles} first: its caution meets something in {plan.client.called}'s record. "
                "Confirm it, use the gentler version, or change it.")
    return None


def successor(plan: Plan) -> Plan | None:
    """The newer version made from this plan, if any."""
    return db.session.scalar(select(Plan).where(Plan.replaces_id == plan.id).order_by(Plan.id.desc()).limit(1))


def new_version(plan: Plan, user: User) -> Plan:
    """A draft copy of a finalized plan, one version up (or the draft already made from it)."""
    existing = successor(plan)
    if existing is not None:
        return existing
    copy = Plan(client_id=plan.client_id, dosing_session_id=plan.dosing_session_id, start_date=plan.start_date,
                message=plan.message, appointments=list(plan.appointments or []), large_print=plan.large_print,
                past_days=plan.past_days, reminders=plan.reminders,
                version=plan.version + 1, replaces_id=plan.id, created_by_id=user.id)
    for item in plan.items:
        copy.items.append(PlanItem(
            client_id=item.client_id, library_practice_id=item.library_practice_id, position=item.position,
            group_series_id=item.group_series_id,
            category=item.category, title=item.title, instructions=item.instructions,
            schedule_kind=item.schedule_kind, schedule_values=list(item.schedule_values or []),
            time_of_day=item.time_of_day, prompts=item.prompts,
            cautions=list(item.cautions or []), gentle_variant=item.gentle_variant,
            caution_checked_by_id=item.caution_checked_by_id, caution_checked_at=item.caution_checked_at,
            goals=list(item.goals), insights=list(item.insights),
        ))
    db.session.add(copy)
    db.session.flush()
    record("create", obj=copy, client=plan.client, user=user, detail=f"version {copy.version} of plan {plan.id}")
    return copy


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_share_link(export: PlanExport, user: User, days: int = SHARE_LINK_DAYS) -> tuple[ShareLink, str]:
    """A new private link to a delivered version; the raw token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    link = ShareLink(export=export, client_id=export.client_id, token_hash=_hash(token),
                     expires_at=utcnow() + timedelta(days=days), created_by_id=user.id)
    db.session.add(link)
    db.session.flush()
    record("share", obj=link, client=export.plan.client, user=user,
           detail=f"export {export.id}, expires {link.expires_at:%Y-%m-%d %H:%M} UTC")
    return link, token


def revoke(link: ShareLink, user: User) -> bool:
    """Revoke a link in one conditional UPDATE (`... WHERE revoked_at IS NULL`); whether this one did."""
    client = link.export.plan.client
    revoked = db.session.execute(
        update(ShareLink).where(ShareLink.id == link.id, ShareLink.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=user.id), execution_options={"synchronize_session": False})
    if revoked.rowcount:
        record("revoke", obj=link, client=client, user=user)
    return bool(revoked.rowcount)


def live_link(token: str, now: datetime | None = None) -> ShareLink | None:
    """The share link for this raw token if it exists, is not revoked and has not expired."""
    if not token or len(token) > 200:
        return None
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == _hash(token)))
    if link is None or not link.is_live(now or utcnow()):
        return None
    return link


@dataclass
class Landing:
    """What the private link's page shows: from the delivered version and the practice's settings only."""

    client_name: str
    from_name: str
    practice_name: str
    contact: str
    reply_time: str
    crisis: list[str]
    after_hours_line: str
    version: int
    given_on: datetime
    newer_given_on: datetime | None  # a newer version was delivered (this link is superseded)


def landing(link: ShareLink) -> Landing:
    """The landing page's contents for a live link."""
    export = link.export
    plan = export.plan
    practice = db.session.get(Practice, plan.client.practice_id)
    author = plan.finalized_by or plan.created_by
    newer = db.session.scalar(select(PlanExport.created_at).join(Plan, Plan.id == PlanExport.plan_id)
                              .where(Plan.client_id == plan.client_id, PlanExport.id > export.id)
                              .order_by(PlanExport.id.desc()).limit(1))
    return Landing(client_name=plan.client.called, from_name=author.display_name if author else practice.name,
                   practice_name=practice.name,
                   contact=(practice.client_contact or (author.email if author else "")).strip(),
                   reply_time=(practice.reply_time or "").strip(), crisis=crisis_lines(practice),
                   after_hours_line=(practice.after_hours_line or "").strip(), version=export.version,
                   given_on=export.created_at, newer_given_on=newer)


def open_link(token: str, what: str, count: bool = True) -> ShareLink | None:
    """The live link for this raw token, its download counted and audited (no user: the client has
    no account); None when it is unknown, expired or revoked.

    The count is one conditional UPDATE (`... WHERE revoked_at IS NULL AND expires_at > :now`), so a
    download that races a revoke is served only when it was counted before the revoke landed.
    """
    link = live_link(token)
    if link is None:
        return None
    client = link.export.plan.client
    now = utcnow()
    # Opening the page is a use, not a download: it moves last_used_at only.
    values = {"downloads": ShareLink.downloads + 1, "last_used_at": now} if count else {"last_used_at": now}
    counted = db.session.execute(
        update(ShareLink).where(ShareLink.id == link.id, ShareLink.revoked_at.is_(None), ShareLink.expires_at > now)
        .values(**values),
        execution_options={"synchronize_session": False})
    if not counted.rowcount:
        db.session.rollback()
        return None
    record("download", obj=link.export, client=client, practice_id=client.practice_id,
           detail=f"{what} via share link {link.id}")
    return link
