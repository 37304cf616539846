"""group notes share the note lifecycle: group_note.text becomes group_note.content ({"text": ...},
so existing content hashes still match), and group notes gain kept revisions and addenda

Existing signed group notes get their signed copy, as every note signed from now on has one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # group_note first: SQLite rebuilds the table, which must not yet be referenced by the new ones.
    with op.batch_alter_table('group_note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))
    signed = _carry_text_into_content()
    with op.batch_alter_table('group_note', schema=None) as batch_op:
        batch_op.alter_column('content', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('text')

    op.create_table('group_note_addendum',
    sa.Column('group_note_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_group_note_addendum_author_id_user')),
    sa.ForeignKeyConstraint(['group_note_id'], ['group_note.id'], name=op.f('fk_group_note_addendum_group_note_id_group_note')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_note_addendum'))
    )
    with op.batch_alter_table('group_note_addendum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_note_addendum_group_note_id'), ['group_note_id'], unique=False)

    op.create_table('group_note_revision',
    sa.Column('group_note_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('based_on_version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_note_id'], ['group_note.id'], name=op.f('fk_group_note_revision_group_note_id_group_note')),
    sa.ForeignKeyConstraint(['saved_by_id'], ['user.id'], name=op.f('fk_group_note_revision_saved_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_note_revision'))
    )
    with op.batch_alter_table('group_note_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_note_revision_group_note_id'), ['group_note_id'], unique=False)
    if signed:
        op.bulk_insert(REVISION, signed)


GROUP_NOTE = sa.table('group_note', sa.column('id', sa.Integer), sa.column('text', sa.Text),
                      sa.column('content', sa.JSON), sa.column('status', sa.String),
                      sa.column('version', sa.Integer), sa.column('signed_by_id', sa.Integer),
                      sa.column('signed_at', sa.DateTime))
REVISION = sa.table('group_note_revision', sa.column('group_note_id', sa.Integer),
                    sa.column('based_on_version', sa.Integer), sa.column('reason', sa.String),
                    sa.column('content', sa.JSON), sa.column('saved_by_id', sa.Integer),
                    sa.column('saved_at', sa.DateTime))


def _carry_text_into_content() -> list[dict]:
    """Move each note's text into content; return the signed copies that signed notes should have."""
    connection = op.get_bind()
    signed = []
    for row in connection.execute(sa.select(GROUP_NOTE)).all():
        content = {"text": row.text or ""}
        connection.execute(GROUP_NOTE.update().where(GROUP_NOTE.c.id == row.id).values(content=content))
        if row.status == "signed":
            signed.append(dict(group_note_id=row.id, based_on_version=row.version, reason="signed",
                               content=content, saved_by_id=row.signed_by_id, saved_at=row.signed_at))
    return signed


def downgrade():
    with op.batch_alter_table('group_note_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_note_revision_group_note_id'))
    op.drop_table('group_note_revision')
    with op.batch_alter_table('group_note_addendum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_note_addendum_group_note_id'))
    op.drop_table('group_note_addendum')

    with op.batch_alter_table('group_note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=False, server_default=''))
    connection = op.get_bind()
    for row in connection.execute(sa.select(GROUP_NOTE.c.id, GROUP_NOTE.c.content)).all():
        connection.execute(GROUP_NOTE.update().where(GROUP_NOTE.c.id == row.id)
                           .values(text=(row.content or {}).get("text", "")))
    with op.batch_alter_table('group_note', schema=None) as batch_op:
        batch_op.alter_column('text', existing_type=sa.Text(), server_default=None)
        batch_op.drop_column('content')
