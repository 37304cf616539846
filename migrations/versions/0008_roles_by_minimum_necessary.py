"""roles by minimum necessary: clinicians' profession, licence and supervisor; coaches' sharing flags
on insights, sensitive goals and history; break-glass; co-signatures; the care-team setting

Existing data, carried over safely:
- every user keeps their role; users with the stored role "therapist" are clinicians, profession
  "therapist"; coaches stay coaches;
- an admin who has written or signed a client's note is marked a clinician (profession "therapist"),
  so they keep reading the records of the care teams they are on; other admins lose clinical access
  (break-glass remains), and the team page tells the practice (roles_notice_dismissed_at stays NULL);
- insights already linked to a plan are marked shared with the coach (their words were already in
  the coach's plan); every other insight, goal and history item starts unshared.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('break_glass',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_break_glass_client_id_client')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_break_glass_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_break_glass'))
    )
    with op.batch_alter_table('break_glass', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_break_glass_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_break_glass_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sensitive', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('shared_with_coach', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('history_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_with_coach', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('insight', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_with_coach', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cosigner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cosigned_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_note_cosigner_id'), ['cosigner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_note_cosigner_id_user'), 'user', ['cosigner_id'], ['id'])

    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clinicians_add_to_care_team', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('roles_notice_dismissed_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profession', sa.String(length=20), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column('licence', sa.String(length=120), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column('supervisor_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_user_supervisor_id_user'), 'user', ['supervisor_id'], ['id'])

    _carry_roles_over()


def _carry_roles_over():
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('role', sa.String),
                    sa.column('profession', sa.String))
    note = sa.table('note', sa.column('author_id', sa.Integer), sa.column('signed_by_id', sa.Integer))
    insight = sa.table('insight', sa.column('id', sa.Integer), sa.column('shared_with_coach', sa.Boolean))
    plan_item_insight = sa.table('plan_item_insight', sa.column('insight_id', sa.Integer))
    op.execute(user.update().where(user.c.role == 'therapist').values(profession='therapist'))
    wrote_notes = sa.or_(user.c.id.in_(sa.select(note.c.author_id)),
                         user.c.id.in_(sa.select(note.c.signed_by_id).where(note.c.signed_by_id.is_not(None))))
    op.execute(user.update().where(user.c.role == 'admin', wrote_notes).values(profession='therapist'))
    op.execute(insight.update().where(insight.c.id.in_(sa.select(plan_item_insight.c.insight_id)))
               .values(shared_with_coach=sa.true()))


def downgrade():
    # Profession, licence, supervisors, sharing flags, co-signatures and break-glass openings are
    # dropped; the audit log keeps every break-glass and co-signature that was recorded.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_supervisor_id_user'), type_='foreignkey')
        batch_op.drop_column('supervisor_id')
        batch_op.drop_column('licence')
        batch_op.drop_column('profession')

    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_column('roles_notice_dismissed_at')
        batch_op.drop_column('clinicians_add_to_care_team')

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_note_cosigner_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_note_cosigner_id'))
        batch_op.drop_column('cosigned_at')
        batch_op.drop_column('cosigner_id')

    with op.batch_alter_table('insight', schema=None) as batch_op:
        batch_op.drop_column('shared_with_coach')

    with op.batch_alter_table('history_item', schema=None) as batch_op:
        batch_op.drop_column('shared_with_coach')

    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.drop_column('shared_with_coach')
        batch_op.drop_column('sensitive')

    with op.batch_alter_table('break_glass', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_break_glass_user_id'))
        batch_op.drop_index(batch_op.f('ix_break_glass_client_id'))

    op.drop_table('break_glass')
