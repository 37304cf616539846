"""integration plans: practice library, plans and items, delivered exports, share links, practice plan settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('library_practice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('builtin_key', sa.String(length=60), nullable=True),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('schedule_kind', sa.String(length=20), nullable=False),
    sa.Column('schedule_values', sa.JSON(), nullable=False),
    sa.Column('time_of_day', sa.String(length=20), nullable=False),
    sa.Column('prompts', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_library_practice_created_by_id_user')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_library_practice_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_practice')),
    sa.UniqueConstraint('practice_id', 'builtin_key', name=op.f('uq_library_practice_practice_id'))
    )
    with op.batch_alter_table('library_practice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_practice_practice_id'), ['practice_id'], unique=False)

    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('dosing_session_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('appointments', sa.JSON(), nullable=False),
    sa.Column('large_print', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('finalized_at', sa.DateTime(), nullable=True),
    sa.Column('finalized_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_plan_client_id_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_plan_created_by_id_user')),
    sa.ForeignKeyConstraint(['dosing_session_id'], ['dosing_session.id'], name=op.f('fk_plan_dosing_session_id_dosing_session')),
    sa.ForeignKeyConstraint(['finalized_by_id'], ['user.id'], name=op.f('fk_plan_finalized_by_id_user')),
    sa.ForeignKeyConstraint(['replaces_id'], ['plan.id'], name=op.f('fk_plan_replaces_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan'))
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_dosing_session_id'), ['dosing_session_id'], unique=False)

    op.create_table('plan_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_plan_export_client_id_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_plan_export_created_by_id_user')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_export_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_export'))
    )
    with op.batch_alter_table('plan_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_export_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_export_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('library_practice_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('schedule_kind', sa.String(length=20), nullable=False),
    sa.Column('schedule_values', sa.JSON(), nullable=False),
    sa.Column('time_of_day', sa.String(length=20), nullable=False),
    sa.Column('prompts', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_plan_item_client_id_client')),
    sa.ForeignKeyConstraint(['library_practice_id'], ['library_practice.id'], name=op.f('fk_plan_item_library_practice_id_library_practice')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_item_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_item'))
    )
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_item_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_item_goal',
    sa.Column('plan_item_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['goal.id'], name=op.f('fk_plan_item_goal_goal_id_goal')),
    sa.ForeignKeyConstraint(['plan_item_id'], ['plan_item.id'], name=op.f('fk_plan_item_goal_plan_item_id_plan_item')),
    sa.PrimaryKeyConstraint('plan_item_id', 'goal_id', name=op.f('pk_plan_item_goal'))
    )
    with op.batch_alter_table('plan_item_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_goal_goal_id'), ['goal_id'], unique=False)

    op.create_table('plan_item_insight',
    sa.Column('plan_item_id', sa.Integer(), nullable=False),
    sa.Column('insight_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['insight_id'], ['insight.id'], name=op.f('fk_plan_item_insight_insight_id_insight')),
    sa.ForeignKeyConstraint(['plan_item_id'], ['plan_item.id'], name=op.f('fk_plan_item_insight_plan_item_id_plan_item')),
    sa.PrimaryKeyConstraint('plan_item_id', 'insight_id', name=op.f('pk_plan_item_insight'))
    )
    with op.batch_alter_table('plan_item_insight', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_insight_insight_id'), ['insight_id'], unique=False)

    op.create_table('share_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('export_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_share_link_client_id_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_share_link_created_by_id_user')),
    sa.ForeignKeyConstraint(['export_id'], ['plan_export.id'], name=op.f('fk_share_link_export_id_plan_export')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_share_link_revoked_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_share_link_token_hash'))
    )
    with op.batch_alter_table('share_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_link_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_link_export_id'), ['export_id'], unique=False)

    with op.batch_alter_table('practice', schema=None) as batch_op:
        # Server defaults so practices that already exist get the product's defaults.
        batch_op.add_column(sa.Column('integration_window_days', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('large_print_default', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('client_contact', sa.String(length=500), nullable=False, server_default=sa.text("''")))


def downgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_column('client_contact')
        batch_op.drop_column('large_print_default')
        batch_op.drop_column('integration_window_days')

    with op.batch_alter_table('share_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_link_export_id'))
        batch_op.drop_index(batch_op.f('ix_share_link_client_id'))
    op.drop_table('share_link')

    with op.batch_alter_table('plan_item_insight', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_insight_insight_id'))
    op.drop_table('plan_item_insight')

    with op.batch_alter_table('plan_item_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_goal_goal_id'))
    op.drop_table('plan_item_goal')

    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_item_client_id'))
    op.drop_table('plan_item')

    with op.batch_alter_table('plan_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_export_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_export_client_id'))
    op.drop_table('plan_export')

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_dosing_session_id'))
        batch_op.drop_index(batch_op.f('ix_plan_client_id'))
    op.drop_table('plan')

    with op.batch_alter_table('library_practice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_practice_practice_id'))
    op.drop_table('library_practice')
