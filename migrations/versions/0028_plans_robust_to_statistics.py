"""indexes robust to statistics: a note's mostly empty links indexed where set; no index on client alone

With statistics (`ANALYZE`, or the sample `PRAGMA optimize` takes), SQLite chose indexes that looked
cheaper and were not:

- a client's Notes tab asks for the notes with no dosing session (`dosing_session_id IS NULL`); the full
  index on dosing_session_id answers that too, and a sample that saw few NULLs made it look selective:
  the page then read every loose note of the practice and sorted them (10 ms -> 148 ms at 200,000 notes).
  The index now holds only the notes that have a session (and so for a circle session and a co-signer):
  it still serves every lookup by session, and can no longer answer `IS NULL`.
- a client's overview read all of a client's notes through ix_note_client_id and sorted them, instead of
  walking ix_note_client_day (client_id, occurred_on, id), which starts with the same column and gives
  the order. The single-column index goes: the two composite ones serve every lookup by client.

Only indexes change: no row is read or written.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

SET_ONLY = ("dosing_session_id", "group_session_id", "cosigner_id")


def upgrade():
    for column in SET_ONLY:
        op.drop_index(f"ix_note_{column}", table_name="note")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(f"ix_note_{column}", "note", [column], sqlite_where=where, postgresql_where=where)
    op.drop_index("ix_note_client_id", table_name="note")


def downgrade():
    op.create_index("ix_note_client_id", "note", ["client_id"])
    for column in SET_ONLY:
        op.drop_index(f"ix_note_{column}", table_name="note")
        op.create_index(f"ix_note_{column}", "note", [column])
