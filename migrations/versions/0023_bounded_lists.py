"""indexes for bounded lists: the audit log by practice, client or person and time; a client's notes by day

The audit page reads the newest 50 rows of one practice (or of one client, or of one person) from
where the last page ended, by (at, id): each filter has an index that starts with it and then runs in
that order, so a page is an index range scan whatever the size of the log. They replace the single-
column indexes on practice_id, client_id and user_id, which they cover (one index fewer to write on
every audited request). A client's notes list walks (client_id, occurred_on, id) the same way.

Only indexes change: no row is read or written (the append-only triggers of 0009 stay as they are).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

AUDIT = (("ix_audit_event_practice_at", "practice_id", "ix_audit_event_practice_id"),
         ("ix_audit_event_client_at", "client_id", "ix_audit_event_client_id"),
         ("ix_audit_event_user_at", "user_id", "ix_audit_event_user_id"))


def upgrade():
    for name, column, single in AUDIT:
        op.create_index(name, "audit_event", [column, "at", "id"])
        op.drop_index(single, table_name="audit_event")
    op.create_index("ix_note_client_day", "note", ["client_id", "occurred_on", "id"])


def downgrade():
    op.drop_index("ix_note_client_day", table_name="note")
    for name, column, single in AUDIT:
        op.create_index(single, "audit_event", [column])
        op.drop_index(name, table_name="audit_event")
