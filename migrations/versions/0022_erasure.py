"""erasure and retention: a closed record (who closed it, when), the practice's retention period
(7 years unless it sets its own) and purge requests (the approved one is the tombstone)

Existing clients keep their status (active or archived: neither is closed); existing practices get 7
years. Downgrade turns closed records into archived ones (the nearest state before this) and drops
the requests.

Revision ID: 0022
Revises: 0015
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('purge_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_purge_request_decided_by_id_user')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_purge_request_practice_id_practice')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_purge_request_requested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purge_request'))
    )
    with op.batch_alter_table('purge_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purge_request_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purge_request_practice_id'), ['practice_id'], unique=False)

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_client_closed_by_id_user'), 'user', ['closed_by_id'], ['id'])

    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_years', sa.Integer(), server_default='7', nullable=False))



def downgrade():
    op.execute("UPDATE client SET status = 'archived' WHERE status = 'closed'")
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_column('retention_years')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_client_closed_by_id_user'), type_='foreignkey')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('closed_at')

    with op.batch_alter_table('purge_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purge_request_practice_id'))
        batch_op.drop_index(batch_op.f('ix_purge_request_client_id'))

    op.drop_table('purge_request')
