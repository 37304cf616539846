"""full-text search: token rows per note and insight, indexed by FTS5 (SQLite) or GIN (PostgreSQL)

`note_search` and `insight_search` hold the token stream of integration/search/tokens.py (never the
text). On SQLite an FTS5 table over each (external content) is kept in step with them by triggers;
on PostgreSQL the tokens are a `simple` tsvector with a GIN index. Existing notes and insights are
indexed here, in batches, by the same token pipeline the app uses.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BATCH = 2000

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE note_search_fts USING fts5(tokens, content='note_search', content_rowid='note_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER note_search_ai AFTER INSERT ON note_search BEGIN "
    "INSERT INTO note_search_fts(rowid, tokens) VALUES (new.note_id, new.tokens); END",
    "CREATE TRIGGER note_search_ad AFTER DELETE ON note_search BEGIN "
    "INSERT INTO note_search_fts(note_search_fts, rowid, tokens) VALUES ('delete', old.note_id, old.tokens); END",
    "CREATE TRIGGER note_search_au AFTER UPDATE ON note_search BEGIN "
    "INSERT INTO note_search_fts(note_search_fts, rowid, tokens) VALUES ('delete', old.note_id, old.tokens); "
    "INSERT INTO note_search_fts(rowid, tokens) VALUES (new.note_id, new.tokens); END",
    "CREATE VIRTUAL TABLE insight_search_fts USING fts5(everything, words, content='insight_search', "
    "content_rowid='insight_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER insight_search_ai AFTER INSERT ON insight_search BEGIN "
    "INSERT INTO insight_search_fts(rowid, everything, words) VALUES (new.insight_id, new.everything, new.words); END",
    "CREATE TRIGGER insight_search_ad AFTER DELETE ON insight_search BEGIN "
    "INSERT INTO insight_search_fts(insight_search_fts, rowid, everything, words) "
    "VALUES ('delete', old.insight_id, old.everything, old.words); END",
    "CREATE TRIGGER insight_search_au AFTER UPDATE ON insight_search BEGIN "
    "INSERT INTO insight_search_fts(insight_search_fts, rowid, everything, words) "
    "VALUES ('delete', old.insight_id, old.everything, old.words); "
    "INSERT INTO insight_search_fts(rowid, everything, words) VALUES (new.insight_id, new.everything, new.words); END",
]
POSTGRESQL_DDL = [
    "CREATE INDEX ix_note_search_tokens ON note_search USING gin (tokens)",
    "CREATE INDEX ix_insight_search_everything ON insight_search USING gin (everything)",
    "CREATE INDEX ix_insight_search_words ON insight_search USING gin (words)",
]


def _tokens_type():
    return postgresql.TSVECTOR() if op.get_bind().dialect.name == 'postgresql' else sa.Text()


def upgrade():
    tokens = _tokens_type()
    op.create_table('note_search',
    sa.Column('note_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('tokens', tokens, nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['note.id'], name=op.f('fk_note_search_note_id_note'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('note_id', name=op.f('pk_note_search'))
    )
    op.create_table('insight_search',
    sa.Column('insight_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('everything', tokens, nullable=False),
    sa.Column('words', tokens, nullable=False),
    sa.ForeignKeyConstraint(['insight_id'], ['insight.id'], name=op.f('fk_insight_search_insight_id_insight'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('insight_id', name=op.f('pk_insight_search'))
    )
    postgres = op.get_bind().dialect.name == 'postgresql'
    if not postgres:  # the FTS5 index and its triggers exist before the rows, which then fill it
        for statement in SQLITE_DDL:
            op.execute(statement)
    _fill(postgres)
    if postgres:  # a GIN index is built faster once over every row than row by row
        for statement in POSTGRESQL_DDL:
            op.execute(statement)


def _fill(postgres: bool) -> None:
    """Index every existing note and insight with the app's token pipeline, BATCH rows at a time."""
    from integration.search.tokens import token_string  # the one pipeline: the app must find what it indexed

    bind = op.get_bind()
    as_tokens = "to_tsvector('simple'::regconfig, CAST({} AS TEXT))" if postgres else "{}"
    note_insert = sa.text(f"INSERT INTO note_search (note_id, tokens) VALUES (:id, {as_tokens.format(':tokens')})")
    insight_insert = sa.text("INSERT INTO insight_search (insight_id, everything, words) VALUES "
                             f"(:id, {as_tokens.format(':everything')}, {as_tokens.format(':words')})")
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, search_text FROM note WHERE id > :last ORDER BY id LIMIT :n"),
                            {"last": last, "n": BATCH}).all()
        if not rows:
            break
        bind.execute(note_insert, [{"id": row.id, "tokens": token_string(row.search_text)} for row in rows])
        last = rows[-1].id
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, text, client_words FROM insight WHERE id > :last ORDER BY id "
                                    "LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            break
        bind.execute(insight_insert, [
            {"id": row.id, "everything": token_string(f"{row.text}\n{row.client_words or ''}"),
             "words": token_string(row.client_words)} for row in rows])
        last = rows[-1].id


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # Dropping an FTS5 table drops its shadow tables; the triggers go with note_search.
        op.execute("DROP TABLE IF EXISTS insight_search_fts")
        op.execute("DROP TABLE IF EXISTS note_search_fts")
    op.drop_table('insight_search')
    op.drop_table('note_search')
