"""Re-encrypting under a new key, and rebuilding the blind index under a new index key.

Both walk their tables by id, `batch` rows at a time, each batch its own transaction, and say how
far they are: stopped half-way, run again, they carry on (rows already done are skipped or, for the
index, simply rewritten). A rotation writes a row only if it still holds what was read (a save made
meanwhile was encrypted with the first key already), so it can run while the practice works.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Text, bindparam, cast, func, select, update

from ..extensions import db
from ..notes.models import Insight, Note
from ..search import index
from .columns import encrypted_columns
from .keys import is_encrypted, keyring

Progress = Callable[[str], None]


def rotate(progress: Progress = lambda line: None, batch: int = 500) -> int:
    """Every encrypted value not under the first key (or still plaintext) written again under it;
    returns how many."""
    ring, rewritten = keyring(), 0
    for table_name, column_name, is_json in encrypted_columns(db.metadata):
        table = db.metadata.tables[table_name]
        column = table.c[column_name]
        raw = cast(column, Text)  # what is stored, never through the encrypting type
        total = db.session.scalar(select(func.count()).select_from(table))
        statement = (update(table).where(table.c.id == bindparam("row_id"), raw == bindparam("old", type_=Text))
                     .values({column_name: bindparam("new", type_=column.type)}))
        last, seen, done = 0, 0, 0
        while rows := db.session.execute(select(table.c.id, raw.label("raw")).where(table.c.id > last)
                                         .order_by(table.c.id).limit(batch)).all():
            stale = []
            for row in rows:
                stored = json.loads(row.raw) if is_json and row.raw is not None else row.raw
                if not ring.is_current(stored):
                    plain = ring.decrypt(stored) if isinstance(stored, str) else stored
                    new = json.loads(plain) if is_json and is_encrypted(stored) else plain
                    stale.append({"row_id": row.id, "old": row.raw, "new": new})
            if stale:
                db.session.execute(statement, stale)
            db.session.commit()
            last, seen, done = rows[-1].id, seen + len(rows), done + len(stale)
            progress(f"{table_name}.{column_name}: {seen} of {total} read, {done} re-encrypted")
        rewritten += done
    return rewritten


def reindex(progress: Progress = lambda line: None, batch: int = 2000) -> tuple[int, int]:
    """The whole search index written again with the blind-index key in force; (notes, insights)."""
    notes = _walk(select(Note.id, Note.client_id, Note.search_text), Note.id, index.write_notes, "notes", progress,
                  batch)
    insights = _walk(select(Insight.id, Insight.client_id, Insight.text, Insight.client_words), Insight.id,
                     index.write_insights, "insights", progress, batch)
    return notes, insights


def _walk(query, key, write, name: str, progress: Progress, batch: int) -> int:
    total = db.session.scalar(select(func.count()).select_from(key.table))
    last, done = 0, 0
    while rows := db.session.execute(query.where(key > last).order_by(key).limit(batch)).all():
        write(db.session.connection(), [tuple(row) for row in rows])
        db.session.commit()
        last, done = rows[-1][0], done + len(rows)
        progress(f"{name}: {done} of {total} indexed")
    return done
