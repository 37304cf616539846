"""Closing a record, and purging it after the practice's retention period by two admins.

- Close: the record becomes read-only for everyone (permissions.py asks `is_closed`); its private
  plan links are revoked at once. A practice admin may reopen it (a mistaken close), which clears the
  closed date, so the retention period starts again at the next close.
- Purge: allowed once `closed_at` plus the practice's retention years has passed. One admin
  requests (the request stores the dry run), another admin of the practice approves within
  REQUEST_DAYS days; either may cancel. Approval is one conditional UPDATE
  (`... WHERE status = 'requested' AND expires_at > now AND requested_by_id != approver`) whose row
  count decides who won: two approvals at once, or an approval against a cancel, decide once. The
  winner deletes every row of the client (purge.py) in the same transaction and writes one audit
  row, the tombstone: ids, times and counts per kind, no name and no clinical text.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from ..audit.log import record
from ..auth.models import User
from ..clients.models import Client
from ..clock import local_day, utcnow
from ..extensions import db
from ..permissions import is_closed
from ..plans.models import ShareLink
from . import purge
from .models import REQUEST_DAYS, PurgeRequest

DEFAULT_RETENTION_YEARS = 7
MIN_RETENTION_YEARS, MAX_RETENTION_YEARS = 1, 50


class PurgeRefused(Exception):
    """The purge cannot happen (now): the message says why, in words for the admin."""


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def purge_after(client: Client, tz_name: str) -> date | None:
    """The first day the closed record may be purged (closed day + the practice's retention years)."""
    if not is_closed(client) or client.closed_at is None:
        return None
    return add_years(local_day(client.closed_at, tz_name), client.practice.retention_years)


def past_retention(client: Client, today: date, tz_name: str) -> bool:
    after = purge_after(client, tz_name)
    return after is not None and today >= after


def close(client: Client, user: User) -> int:
    """Close the record and revoke its live private links; the caller commits. Links revoked."""
    now = utcnow()
    client.status, client.closed_at, client.closed_by_id = "closed", now, user.id
    revoked = db.session.execute(
        update(ShareLink).where(ShareLink.client_id == client.id, ShareLink.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=user.id), execution_options={"synchronize_session": False}).rowcount
    record("close", obj=client, client=client, user=user,
           detail=f"record closed; {revoked} private link{'s' if revoked != 1 else ''} revoked")
    return revoked


def reopen(client: Client, user: User) -> None:
    """Reopen a closed record (active again); open purge requests for it are cancelled."""
    client.status, client.closed_at, client.closed_by_id = "active", None, None
    _cancel_open(client, user)
    record("reopen", obj=client, client=client, user=user, detail="record reopened")


def _cancel_open(client: Client, user: User) -> None:
    db.session.execute(update(PurgeRequest).where(PurgeRequest.client_id == client.id,
                                                  PurgeRequest.status == "requested")
                       .values(status="cancelled", decided_by_id=user.id, decided_at=utcnow()),
                       execution_options={"synchronize_session": False})


def open_request(client_id: int, now: datetime | None = None) -> PurgeRequest | None:
    now = now or utcnow()
    return db.session.scalar(select(PurgeRequest).where(
        PurgeRequest.client_id == client_id, PurgeRequest.status == "requested", PurgeRequest.expires_at > now))


def request_purge(client: Client, user: User, today: date, tz_name: str) -> PurgeRequest:
    """An admin asks to purge a closed record past retention; the request keeps the dry run.

    :raise PurgeRefused: not closed, not past retention yet, or a request is already waiting.
    """
    if not is_closed(client):
        raise PurgeRefused("Only a closed record can be purged.")
    if not past_retention(client, today, tz_name):
        raise PurgeRefused(f"This record may be purged from {purge_after(client, tz_name):%B %-d, %Y}, "
                           f"{client.practice.retention_years} years after it was closed.")
    if open_request(client.id) is not None:
        raise PurgeRefused("A purge of this record is already waiting for a second admin.")
    now = utcnow()
    request = PurgeRequest(practice_id=client.practice_id, client_id=client.id, requested_by_id=user.id,
                           requested_at=now, expires_at=now + timedelta(days=REQUEST_DAYS),
                           counts=purge.dry_run(client.id))
    db.session.add(request)
    db.session.flush()
    record("purge-request", obj=request, client=client, user=user, detail=_counts_words(request.counts))
    return request


def approve(request: PurgeRequest, user: User, today: date, tz_name: str) -> dict[str, int]:
    """A second admin approves: decide once, then delete everything of the client and write the tombstone.

    The caller commits (the deletion, the request's new state and the audit row are one transaction).
    :raise PurgeRefused: the approver asked for it themselves, it was decided or lapsed meanwhile,
        or the record is no longer closed and past retention.
    """
    if request.requested_by_id == user.id:
        raise PurgeRefused("Another admin must approve a purge you asked for.")
    client = db.session.get(Client, request.client_id)
    if client is None or client.practice_id != user.practice_id or not past_retention(client, today, tz_name):
        raise PurgeRefused("This record can no longer be purged: it was reopened or is not past retention.")
    now = utcnow()
    won = db.session.execute(
        update(PurgeRequest).where(PurgeRequest.id == request.id, PurgeRequest.status == "requested",
                                   PurgeRequest.expires_at > now, PurgeRequest.requested_by_id != user.id)
        .values(status="purged", decided_by_id=user.id, decided_at=now),
        execution_options={"synchronize_session": False}).rowcount
    if not won:
        db.session.rollback()
        raise PurgeRefused("This request was already decided (approved or cancelled) or has lapsed.")
    client_id = client.id
    deleted = purge.delete_everything(client_id)
    db.session.execute(update(PurgeRequest).where(PurgeRequest.id == request.id).values(counts=deleted),
                       execution_options={"synchronize_session": False})
    tombstone = record("purge", obj=request, user=user, practice_id=user.practice_id,
                       detail=f"requested by user {request.requested_by_id} on {request.requested_at:%Y-%m-%d %H:%M} "
                              f"UTC, approved by user {user.id}; deleted: " + _counts_words(deleted))
    tombstone.client_id = client_id  # the audit log finds the tombstone with the record's older rows
    return deleted


def cancel(request: PurgeRequest, user: User) -> bool:
    """Either admin cancels a waiting request, in one conditional UPDATE; whether this one did."""
    cancelled = db.session.execute(
        update(PurgeRequest).where(PurgeRequest.id == request.id, PurgeRequest.status == "requested")
        .values(status="cancelled", decided_by_id=user.id, decided_at=utcnow()),
        execution_options={"synchronize_session": False}).rowcount
    if cancelled:
        event = record("purge-cancel", obj=request, user=user, practice_id=user.practice_id)
        event.client_id = request.client_id
    return bool(cancelled)


def _counts_words(counts: dict[str, int]) -> str:
    """"notes 3, addenda 1, …": counts only, never content (fits the audit row's 500 characters)."""
    words = ", ".join(f"{purge.kind_words(name)} {n}" for name, n in sorted(counts.items()))
    return (words or "nothing")[:400]
