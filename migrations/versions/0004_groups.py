"""group circles: series with facilitators, sessions, enrolments, attendance, the group note;
note.group_session_id (individual notes) and plan_item.group_series_id (plans that point to a circle)

Both new columns on existing tables are nullable, so existing rows need no default.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('group_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('schedule_text', sa.String(length=200), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('meets_at', sa.Time(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('video_link', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_group_series_created_by_id_user')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_group_series_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_series'))
    )
    with op.batch_alter_table('group_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_series_practice_id'), ['practice_id'], unique=False)

    op.create_table('enrollment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_enrollment_client_id_client')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_enrollment_created_by_id_user')),
    sa.ForeignKeyConstraint(['series_id'], ['group_series.id'], name=op.f('fk_enrollment_series_id_group_series')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user.id'], name=op.f('fk_enrollment_withdrawn_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment')),
    sa.UniqueConstraint('series_id', 'client_id', name=op.f('uq_enrollment_series_id'))
    )
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollment_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollment_series_id'), ['series_id'], unique=False)

    op.create_table('group_series_facilitator',
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['group_series.id'], name=op.f('fk_group_series_facilitator_series_id_group_series')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_group_series_facilitator_user_id_user')),
    sa.PrimaryKeyConstraint('series_id', 'user_id', name=op.f('pk_group_series_facilitator'))
    )
    with op.batch_alter_table('group_series_facilitator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_series_facilitator_user_id'), ['user_id'], unique=False)

    op.create_table('group_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('theme', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_group_session_created_by_id_user')),
    sa.ForeignKeyConstraint(['series_id'], ['group_series.id'], name=op.f('fk_group_session_series_id_group_series')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_session'))
    )
    with op.batch_alter_table('group_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_session_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_session_starts_at'), ['starts_at'], unique=False)

    op.create_table('group_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_session_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_group_note_author_id_user')),
    sa.ForeignKeyConstraint(['group_session_id'], ['group_session.id'], name=op.f('fk_group_note_group_session_id_group_session')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user.id'], name=op.f('fk_group_note_signed_by_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_group_note_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_note')),
    sa.UniqueConstraint('group_session_id', name=op.f('uq_group_note_group_session_id'))
    )
    op.create_table('group_session_facilitator',
    sa.Column('group_session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_session_id'], ['group_session.id'], name=op.f('fk_group_session_facilitator_group_session_id_group_session')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_group_session_facilitator_user_id_user')),
    sa.PrimaryKeyConstraint('group_session_id', 'user_id', name=op.f('pk_group_session_facilitator'))
    )
    with op.batch_alter_table('group_session_facilitator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_session_facilitator_user_id'), ['user_id'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_session_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_attendance_client_id_client')),
    sa.ForeignKeyConstraint(['group_session_id'], ['group_session.id'], name=op.f('fk_attendance_group_session_id_group_session')),
    sa.ForeignKeyConstraint(['note_id'], ['note.id'], name=op.f('fk_attendance_note_id_note')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_attendance_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('group_session_id', 'client_id', name=op.f('uq_attendance_group_session_id'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_group_session_id'), ['group_session_id'], unique=False)

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_session_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_note_group_session_id'), ['group_session_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_note_group_session_id_group_session'), 'group_session', ['group_session_id'], ['id'])

    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_series_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_item_group_series_id'), ['group_series_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_item_group_series_id_group_series'), 'group_series', ['group_series_id'], ['id'])



def downgrade():
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_item_group_series_id_group_series'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_item_group_series_id'))
        batch_op.drop_column('group_series_id')

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_note_group_session_id_group_session'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_note_group_session_id'))
        batch_op.drop_column('group_session_id')

    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_group_session_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_client_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('group_session_facilitator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_session_facilitator_user_id'))

    op.drop_table('group_session_facilitator')
    op.drop_table('group_note')
    with op.batch_alter_table('group_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_session_starts_at'))
        batch_op.drop_index(batch_op.f('ix_group_session_series_id'))

    op.drop_table('group_session')
    with op.batch_alter_table('group_series_facilitator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_series_facilitator_user_id'))

    op.drop_table('group_series_facilitator')
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_series_id'))
        batch_op.drop_index(batch_op.f('ix_enrollment_client_id'))

    op.drop_table('enrollment')
    with op.batch_alter_table('group_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_series_practice_id'))

    op.drop_table('group_series')
