"""the practice's clients indexed with their ids: the care-team check reads the index alone

Every page across clients (search, the client list, the worklist) lists the signed-in person's care
team and checks each client is of their practice (permissions.reading_scopes, an EXISTS). Indexed by
practice alone, PostgreSQL hashed every client of the practice to check Ines's 103 (5,005 rows: 2.4 ms,
and 2.1 ms of planning a page); with the id in the index each client is one index-only probe
(0.3 ms). SQLite keeps a rowid in every index entry already and plans as before.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_index('ix_client_practice_id')
        batch_op.create_index('ix_client_practice_id', ['practice_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_index('ix_client_practice_id')
        batch_op.create_index('ix_client_practice_id', ['practice_id'], unique=False)
