"""an index of what the access rule reads of a note (client, kind, author), for search

Search lists the notes a reader of a few clients may read from this index alone, before looking
each full-text match up in it (integration/search/query.py, _candidates).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_note_reader", "note", ["client_id", "kind", "author_id"])


def downgrade():
    op.drop_index("ix_note_reader", table_name="note")
