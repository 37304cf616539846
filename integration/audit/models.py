"""Audit events. Rows are only ever inserted; the ORM refuses updates and deletes."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db

if TYPE_CHECKING:  # the audit log sits below every area; the mapper finds User by name
    from ..auth.models import User

# Every action the code records, with the words the audit page shows for it. A test scans
# the source for record("...") calls, so an action cannot be written without being listed here.
ACTIONS: dict[str, str] = {
    "view": "Opened",
    "create": "Created",
    "change": "Changed",
    "conflict": "Saved-version conflict",
    "sign": "Signed",
    "cosign": "Co-signed",
    "acknowledge": "Alert acknowledged",
    "break-glass": "Emergency access to a clinical record (break-glass)",
    "delete": "Deleted draft",
    "discard": "Discarded draft",
    "remove": "Removed",
    "archive": "Archived",
    "retract": "Retracted",
    "finalize": "Finalized",
    "export": "Exported",
    "record-export": "Record exported for the client (right of access)",
    "share": "Shared by link",
    "revoke": "Link revoked",
    "download": "Downloaded",
    "client-checkin": "Check-in sent by the client (private link)",
    "client-measure": "Measure filled in by the client (private link)",
    "checkin-code-wrong": "Wrong check-in code on a private link",
    "retire": "Retired from library",
    "restore": "Restored",
    "sign-in": "Signed in",
    "sign-out": "Signed out",
    "sign-in-failed": "Sign-in failed",
    "sign-in-paused": "Sign-in refused: paused after failures",
    "sign-out-everywhere": "Signed out on all devices",
    "password-change": "Password changed",
    "reset-link": "Password reset link made",
    "password-reset": "Password set with a reset link",
    "two-step-on": "Two-step sign-in turned on",
    "two-step-off": "Two-step sign-in turned off",
    "two-step-reset": "Second step reset by an admin",
    "recovery-codes": "New recovery codes made",
    "deactivate": "Account deactivated",
    "reactivate": "Account reactivated",
    # erasure/
    "close": "Record closed",
    "reopen": "Record reopened",
    "purge-request": "Purge requested",
    "purge-cancel": "Purge request cancelled",
    "purge": "Record purged (tombstone)",
}


class AuditEvent(db.Model):
    # The page's filters, each followed by its order (newest first by at, id): see migration 0023.
    __table_args__ = (Index("ix_audit_event_practice_at", "practice_id", "at", "id"),
                      Index("ix_audit_event_client_at", "client_id", "at", "id"),
                      Index("ix_audit_event_user_at", "user_id", "at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practice.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(30), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None]
    # No foreign key: the trail must outlive anything it mentions.
    client_id: Mapped[int | None]
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")

    user: Mapped["User | None"] = relationship("User")


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit row."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_changes(mapper, connection, target):
    raise AppendOnlyError("audit events are append-only")
