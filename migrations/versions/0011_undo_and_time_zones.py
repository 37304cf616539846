"""undo and time zones: discarded drafts, insights removed or retracted, a member's own time zone

Existing data, carried over as it is:
- every note keeps its status (draft or signed); none is discarded, so discarded_at stays NULL;
- every insight stays in place: not removed, not retracted, an empty retraction reason;
- every member reads times in their practice's zone (timezone "" means "the practice's"), as before;
  practices keep the zone they have (America/New_York unless someone changed it in the database).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('insight', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('retracted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('retracted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retraction_reason', sa.String(length=300), server_default=sa.text("''"), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_insight_retracted_by_id_user'), 'user', ['retracted_by_id'], ['id'])

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discarded_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default=sa.text("''"), nullable=False))


def downgrade():
    # The code before 0011 knows drafts and signed notes only: a discarded draft goes back to being a
    # draft (nothing typed is lost; it shows again under "needs attention"). Removed and retracted
    # insights show again too, since the columns that hid them go.
    op.execute("UPDATE note SET status = 'draft' WHERE status = 'discarded'")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('timezone')

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_column('discarded_at')

    with op.batch_alter_table('insight', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_insight_retracted_by_id_user'), type_='foreignkey')
        batch_op.drop_column('retraction_reason')
        batch_op.drop_column('retracted_by_id')
        batch_op.drop_column('retracted_at')
        batch_op.drop_column('removed_at')
