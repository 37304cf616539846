"""client check-ins: the client's check-ins and measures through the private link (issue 13)

Existing data: links made before this have no check-in code (code_hash NULL): they keep serving the plan,
and a new link gives the client a code. Every measure response entered so far was entered by staff
(share_link_id NULL).

Revision ID: 0026
Revises: 0025
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('client_check_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('share_link_id', sa.Integer(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('mood', sa.Integer(), nullable=False),
    sa.Column('sleep', sa.String(length=10), nullable=False),
    sa.Column('practices', sa.JSON(), nullable=False),
    sa.Column('stayed_with', sa.Text(), nullable=False),
    sa.Column('reach_out', sa.Boolean(), nullable=False),
    sa.Column('reach_when', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('comment_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('mood >= 0 AND mood <= 10', name=op.f('ck_client_check_in_mood_range')),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['user.id'], name=op.f('fk_client_check_in_acknowledged_by_id_user')),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_client_check_in_client_id_client')),
    sa.ForeignKeyConstraint(['comment_by_id'], ['user.id'], name=op.f('fk_client_check_in_comment_by_id_user')),
    sa.ForeignKeyConstraint(['share_link_id'], ['share_link.id'], name=op.f('fk_client_check_in_share_link_id_share_link')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_check_in')),
    sa.UniqueConstraint('share_link_id', 'checked_on', name=op.f('uq_client_check_in_share_link_id'))
    )
    with op.batch_alter_table('client_check_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_check_in_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_check_in_share_link_id'), ['share_link_id'], unique=False)

    with op.batch_alter_table('share_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_hash', sa.String(length=64), nullable=True))

    with op.batch_alter_table('measure_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_link_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_measure_response_share_link_id'), ['share_link_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_measure_response_share_link_id_share_link'), 'share_link',
                                    ['share_link_id'], ['id'])


def downgrade():
    with op.batch_alter_table('measure_response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_measure_response_share_link_id_share_link'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_measure_response_share_link_id'))
        batch_op.drop_column('share_link_id')

    with op.batch_alter_table('share_link', schema=None) as batch_op:
        batch_op.drop_column('code_hash')

    with op.batch_alter_table('client_check_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_check_in_share_link_id'))
        batch_op.drop_index(batch_op.f('ix_client_check_in_client_id'))

    op.drop_table('client_check_in')
