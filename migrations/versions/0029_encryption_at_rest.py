"""clinical text encrypted at rest; the search index holds keyed tokens (a blind index)

Every column that integration/crypto/columns.py types as encrypted is rewritten, BATCH rows at a
time, as `enc1:<key id>:<Fernet token>` under the app's first encryption key (read the way the app
reads it: ENCRYPTION_KEYS, or instance/encryption_keys made now). Contact fields and insights were
VARCHARs and become TEXT (a token is longer than its text). Values already encrypted are left as they
are, so a run that stopped half-way can be run again. The search index is then rebuilt with keyed
tokens (SEARCH_INDEX_KEY), kept in their rows on PostgreSQL (toast_tuple_target: a keyed tsvector
passes 2 KB, and a search fetching it out of line took twice as long). Downgrade decrypts every value and rebuilds the index with plain stems.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01

"""
import json
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

BATCH = 1000
log = logging.getLogger('alembic.runtime.migration')

# (table, column, holds JSON)
ENCRYPTED = [
    ('client', 'email', False), ('client', 'phone', False), ('client', 'emergency_contact', False),
    ('goal', 'why', False), ('goal', 'how_we_know', False), ('goal_check_in', 'note', False),
    ('history_item', 'detail', False), ('dosing_session', 'intention', False), ('dosing_session', 'notes', False),
    ('note', 'content', True), ('note', 'search_text', False), ('note_revision', 'content', True),
    ('addendum', 'text', False), ('insight', 'text', False), ('insight', 'client_words', False),
    ('group_note', 'content', True), ('group_note_revision', 'content', True), ('group_note_addendum', 'text', False),
    ('dosing_session', 'notes_before_vitals', False), ('dosing_session', 'discharged_with', False),
    ('adverse_event', 'detail', False), ('adverse_event', 'action', False),
    ('measure_alert', 'acknowledgement', False), ('safety_plan_version', 'steps', True),
    ('safety_plan_version', 'change_note', False), ('client_check_in', 'stayed_with', False),
    ('client_check_in', 'comment', False),
]
# Columns that were VARCHAR(n) and become TEXT.
WIDENED = {'client': [('email', 254), ('phone', 40), ('emergency_contact', 300)],
           'insight': [('text', 1000), ('client_words', 1000)],
           'adverse_event': [('detail', 300)], 'dosing_session': [('discharged_with', 200)]}


def _keyring():
    from integration.crypto.keys import keyring  # the app's keys: the migration runs in its context
    return keyring()


def _postgres() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def _rewrite(change) -> None:
    """Every encrypted column's values passed through `change(value, is_json)` (None: leave it)."""
    bind = op.get_bind()
    for table, column, is_json in ENCRYPTED:
        read = f'CAST("{column}" AS TEXT)' if is_json and _postgres() else f'"{column}"'
        write = 'CAST(:value AS JSON)' if is_json and _postgres() else ':value'
        update = sa.text(f'UPDATE "{table}" SET "{column}" = {write} WHERE id = :id')
        last, changed = 0, 0
        while True:
            rows = bind.execute(sa.text(f'SELECT id, {read} AS value FROM "{table}" WHERE id > :last '
                                        f'ORDER BY id LIMIT :n'), {'last': last, 'n': BATCH}).all()
            if not rows:
                break
            values = [{'id': row.id, 'value': new} for row in rows
                      if row.value not in (None, '') and (new := change(row.value, is_json)) is not None]
            if values:
                bind.execute(update, values)
            changed += len(values)
            last = rows[-1].id
        log.info('%s.%s: %d values rewritten', table, column, changed)


def _encrypt(value: str, is_json: bool):
    from integration.crypto.keys import is_encrypted
    keyring = _keyring()
    if is_json:
        loaded = json.loads(value)
        return None if is_encrypted(loaded) else json.dumps(keyring.encrypt(json.dumps(loaded)))
    return None if is_encrypted(value) else keyring.encrypt(value)


def _decrypt(value: str, is_json: bool):
    from integration.crypto.keys import is_encrypted
    keyring = _keyring()
    if is_json:
        loaded = json.loads(value)
        return keyring.decrypt(loaded) if is_encrypted(loaded) else None
    return keyring.decrypt(value) if is_encrypted(value) else None


def _widen(to_text: bool) -> None:
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns:
                old, new = (sa.String(length), sa.Text()) if to_text else (sa.Text(), sa.String(length))
                batch_op.alter_column(column, existing_type=old, type_=new, existing_nullable=False)


def _reindex() -> None:
    """The search index rebuilt from the (decrypted) text with the token pipeline in force."""
    from integration.search.tokens import token_string  # the one pipeline: the app must find what it indexed

    bind = op.get_bind()
    keyring = _keyring()
    as_tokens = "to_tsvector('simple'::regconfig, CAST({} AS TEXT))" if _postgres() else "{}"
    bind.execute(sa.text('DELETE FROM note_search'))
    bind.execute(sa.text('DELETE FROM insight_search'))
    note_insert = sa.text(f"INSERT INTO note_search (note_id, tokens) VALUES (:id, {as_tokens.format(':tokens')})")
    insight_insert = sa.text("INSERT INTO insight_search (insight_id, everything, words) VALUES "
                             f"(:id, {as_tokens.format(':everything')}, {as_tokens.format(':words')})")
    last = 0
    while rows := bind.execute(sa.text('SELECT id, search_text FROM note WHERE id > :last ORDER BY id LIMIT :n'),
                               {'last': last, 'n': BATCH}).all():
        bind.execute(note_insert, [{'id': row.id, 'tokens': token_string(keyring.decrypt(row.search_text or ''))}
                                   for row in rows])
        last = rows[-1].id
    last = 0
    while rows := bind.execute(sa.text('SELECT id, text, client_words FROM insight WHERE id > :last ORDER BY id '
                                       'LIMIT :n'), {'last': last, 'n': BATCH}).all():
        texts = [(row.id, keyring.decrypt(row.text or ''), keyring.decrypt(row.client_words or '')) for row in rows]
        bind.execute(insight_insert, [{'id': id_, 'everything': token_string(f'{text}\n{words}'),
                                       'words': token_string(words)} for id_, text, words in texts])
        last = rows[-1].id


def upgrade():
    _widen(to_text=True)
    _rewrite(_encrypt)
    if _postgres():  # keyed tsvectors pass 2 KB: kept in their row, not TOASTed (search/index.py)
        op.execute('ALTER TABLE note_search SET (toast_tuple_target = 8160)')
    _reindex()


def downgrade():
    from integration.search.tokens import plain_tokens

    _rewrite(_decrypt)
    _widen(to_text=False)
    if _postgres():
        op.execute('ALTER TABLE note_search RESET (toast_tuple_target)')
    with plain_tokens():
        _reindex()
