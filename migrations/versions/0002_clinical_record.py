"""clinical record: history, goals, check-ins, dosing sessions, notes, revisions, addenda, insights

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dosing_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('medicine', sa.String(length=60), nullable=False),
    sa.Column('route', sa.String(length=20), nullable=False),
    sa.Column('dose_mg', sa.Numeric(precision=8, scale=2, asdecimal=False), nullable=True),
    sa.Column('dose_mg_per_kg', sa.Numeric(precision=6, scale=3, asdecimal=False), nullable=True),
    sa.Column('setting', sa.String(length=300), nullable=False),
    sa.Column('intention', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_dosing_session_client_id_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_dosing_session_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dosing_session')),
    sa.UniqueConstraint('client_id', 'number', name=op.f('uq_dosing_session_client_id'))
    )
    with op.batch_alter_table('dosing_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dosing_session_client_id'), ['client_id'], unique=False)

    op.create_table('goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('how_we_know', sa.Text(), nullable=False),
    sa.Column('life_area', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_goal_client_id_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_goal_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal'))
    )
    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_client_id'), ['client_id'], unique=False)

    op.create_table('history_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('when_text', sa.String(length=100), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_history_item_client_id_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_history_item_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_history_item'))
    )
    with op.batch_alter_table('history_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_history_item_client_id'), ['client_id'], unique=False)

    op.create_table('dosing_session_practitioner',
    sa.Column('dosing_session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dosing_session_id'], ['dosing_session.id'], name=op.f('fk_dosing_session_practitioner_dosing_session_id_dosing_session')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_dosing_session_practitioner_user_id_user')),
    sa.PrimaryKeyConstraint('dosing_session_id', 'user_id', name=op.f('pk_dosing_session_practitioner'))
    )

    op.create_table('goal_check_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('rating >= 0 AND rating <= 10', name=op.f('ck_goal_check_in_rating_range')),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_goal_check_in_client_id_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_goal_check_in_created_by_id_user')),
    sa.ForeignKeyConstraint(['goal_id'], ['goal.id'], name=op.f('fk_goal_check_in_goal_id_goal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_check_in'))
    )
    with op.batch_alter_table('goal_check_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_check_in_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_goal_check_in_goal_id'), ['goal_id'], unique=False)

    op.create_table('note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('dosing_session_id', sa.Integer(), nullable=True),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_note_author_id_user')),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_note_client_id_client')),
    sa.ForeignKeyConstraint(['dosing_session_id'], ['dosing_session.id'], name=op.f('fk_note_dosing_session_id_dosing_session')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user.id'], name=op.f('fk_note_signed_by_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_note_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note'))
    )
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_dosing_session_id'), ['dosing_session_id'], unique=False)

    op.create_table('addendum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_addendum_author_id_user')),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_addendum_client_id_client')),
    sa.ForeignKeyConstraint(['note_id'], ['note.id'], name=op.f('fk_addendum_note_id_note')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_addendum'))
    )
    with op.batch_alter_table('addendum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_addendum_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_addendum_note_id'), ['note_id'], unique=False)

    op.create_table('insight',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('client_words', sa.String(length=1000), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_insight_client_id_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_insight_created_by_id_user')),
    sa.ForeignKeyConstraint(['note_id'], ['note.id'], name=op.f('fk_insight_note_id_note')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insight'))
    )
    with op.batch_alter_table('insight', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_insight_note_id'), ['note_id'], unique=False)

    op.create_table('note_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('based_on_version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_note_revision_client_id_client')),
    sa.ForeignKeyConstraint(['note_id'], ['note.id'], name=op.f('fk_note_revision_note_id_note')),
    sa.ForeignKeyConstraint(['saved_by_id'], ['user.id'], name=op.f('fk_note_revision_saved_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_revision'))
    )
    with op.batch_alter_table('note_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_revision_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_revision_note_id'), ['note_id'], unique=False)

    op.create_table('insight_goal',
    sa.Column('insight_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['goal.id'], name=op.f('fk_insight_goal_goal_id_goal')),
    sa.ForeignKeyConstraint(['insight_id'], ['insight.id'], name=op.f('fk_insight_goal_insight_id_insight')),
    sa.PrimaryKeyConstraint('insight_id', 'goal_id', name=op.f('pk_insight_goal'))
    )
    with op.batch_alter_table('insight_goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_goal_goal_id'), ['goal_id'], unique=False)

    op.create_table('insight_history_item',
    sa.Column('insight_id', sa.Integer(), nullable=False),
    sa.Column('history_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['history_item_id'], ['history_item.id'], name=op.f('fk_insight_history_item_history_item_id_history_item')),
    sa.ForeignKeyConstraint(['insight_id'], ['insight.id'], name=op.f('fk_insight_history_item_insight_id_insight')),
    sa.PrimaryKeyConstraint('insight_id', 'history_item_id', name=op.f('pk_insight_history_item'))
    )
    with op.batch_alter_table('insight_history_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_history_item_history_item_id'), ['history_item_id'], unique=False)

    op.create_table('insight_theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('insight_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_insight_theme_client_id_client')),
    sa.ForeignKeyConstraint(['insight_id'], ['insight.id'], name=op.f('fk_insight_theme_insight_id_insight')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insight_theme')),
    sa.UniqueConstraint('insight_id', 'theme', name=op.f('uq_insight_theme_insight_id'))
    )
    with op.batch_alter_table('insight_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insight_theme_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_insight_theme_insight_id'), ['insight_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_insight_theme_theme'), ['theme'], unique=False)


def downgrade():
    with op.batch_alter_table('insight_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insight_theme_theme'))
        batch_op.drop_index(batch_op.f('ix_insight_theme_insight_id'))
        batch_op.drop_index(batch_op.f('ix_insight_theme_client_id'))
    op.drop_table('insight_theme')

    with op.batch_alter_table('insight_history_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insight_history_item_history_item_id'))
    op.drop_table('insight_history_item')

    with op.batch_alter_table('insight_goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insight_goal_goal_id'))
    op.drop_table('insight_goal')

    with op.batch_alter_table('note_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_revision_note_id'))
        batch_op.drop_index(batch_op.f('ix_note_revision_client_id'))
    op.drop_table('note_revision')

    with op.batch_alter_table('insight', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insight_note_id'))
        batch_op.drop_index(batch_op.f('ix_insight_client_id'))
    op.drop_table('insight')

    with op.batch_alter_table('addendum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_addendum_note_id'))
        batch_op.drop_index(batch_op.f('ix_addendum_client_id'))
    op.drop_table('addendum')

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_dosing_session_id'))
        batch_op.drop_index(batch_op.f('ix_note_client_id'))
        batch_op.drop_index(batch_op.f('ix_note_author_id'))
    op.drop_table('note')

    with op.batch_alter_table('goal_check_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_check_in_goal_id'))
        batch_op.drop_index(batch_op.f('ix_goal_check_in_client_id'))
    op.drop_table('goal_check_in')

    op.drop_table('dosing_session_practitioner')

    with op.batch_alter_table('history_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_history_item_client_id'))
    op.drop_table('history_item')

    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_client_id'))
    op.drop_table('goal')

    with op.batch_alter_table('dosing_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dosing_session_client_id'))
    op.drop_table('dosing_session')
