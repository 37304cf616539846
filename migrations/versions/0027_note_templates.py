"""note templates: a practice's prompts and starting text for the sections of a kind of note (issue 16.7)

Two tables (a template and its versions, each version kept as it was saved) and one nullable column on
note: the template version a note started from. Existing notes started blank, so they keep NULL and
nothing else about them changes. Downgrade drops the column and the tables (the notes keep their text:
starting text was copied into them).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 01:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('note_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_note_template_created_by_id_user')),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_note_template_practice_id_practice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_template'))
    )
    with op.batch_alter_table('note_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_template_practice_id'), ['practice_id'], unique=False)

    op.create_table('note_template_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_note_template_version_created_by_id_user')),
    sa.ForeignKeyConstraint(['template_id'], ['note_template.id'], name=op.f('fk_note_template_version_template_id_note_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_template_version')),
    sa.UniqueConstraint('template_id', 'number', name=op.f('uq_note_template_version_template_id'))
    )
    with op.batch_alter_table('note_template_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_template_version_template_id'), ['template_id'], unique=False)

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_note_template_version_id_note_template_version'),
                                    'note_template_version', ['template_version_id'], ['id'])


def downgrade():
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_note_template_version_id_note_template_version'), type_='foreignkey')
        batch_op.drop_column('template_version_id')

    with op.batch_alter_table('note_template_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_template_version_template_id'))
    op.drop_table('note_template_version')

    with op.batch_alter_table('note_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_template_practice_id'))
    op.drop_table('note_template')
