"""safety plan: a client's safety plan, every saved version kept; a plan may include it (issue 12)

New table safety_plan_version (one row per saved version, (client_id, number) unique: the conditional
write of a save). Existing plans: include_safety_plan false (nothing they delivered changes) and no
frozen safety plan version.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('safety_plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_safety_plan_version_client_id_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_safety_plan_version_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_plan_version')),
    sa.UniqueConstraint('client_id', 'number', name=op.f('uq_safety_plan_version_client_id'))
    )
    with op.batch_alter_table('safety_plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_plan_version_client_id'), ['client_id'], unique=False)

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('include_safety_plan', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('safety_plan_version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_plan_safety_plan_version_id_safety_plan_version'),
                                    'safety_plan_version', ['safety_plan_version_id'], ['id'])


def downgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_safety_plan_version_id_safety_plan_version'), type_='foreignkey')
        batch_op.drop_column('safety_plan_version_id')
        batch_op.drop_column('include_safety_plan')

    with op.batch_alter_table('safety_plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_plan_version_client_id'))

    op.drop_table('safety_plan_version')
