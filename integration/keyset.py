"""Keyset pagination: "Older →" and "← Newer" by the key of the last row shown, never OFFSET, never a count.

A page of a list costs the same on its first page and its thousandth: the database walks an index
from the key in the link (e.g. the last row's time and id) and stops after one more row than the page
shows (that row only says whether there is a next page). Nothing counts the whole list.

The key travels in the URL as an opaque cursor (base64 of a small JSON list). A cursor that does not
decode, has the wrong shape or the wrong kinds of values is treated as no cursor: the first page,
never an error page — a stale bookmark or a hand-edited link shows the newest rows.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, tuple_

from .extensions import db

MAX_CURSOR = 400  # characters; a real cursor is well under 100


def _to_json(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


_PARSERS = {
    "datetime": lambda v: datetime.fromisoformat(v) if isinstance(v, str) else _refuse(),
    "date": lambda v: date.fromisoformat(v) if isinstance(v, str) else _refuse(),
    "str": lambda v: v if isinstance(v, str) and len(v) <= 200 else _refuse(),
    "int": lambda v: v if isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2 ** 62 else _refuse(),
}


def _refuse():
    raise ValueError("not a cursor")


@dataclass(frozen=True)
class Keyset:
    """The order of a list: SQL expressions (the last one unique, usually the id), the kind of each
    value ("datetime", "date", "str", "int"), all descending (newest first) or all ascending."""

    columns: tuple
    kinds: tuple[str, ...]
    descending: bool = True

    def encode(self, values) -> str:
        raw = json.dumps([_to_json(v) for v in values], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str | None):
        """The key in a cursor, or None for a missing or unreadable one."""
        if not cursor or len(cursor) > MAX_CURSOR:
            return None
        try:
            values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            if not isinstance(values, list) or len(values) != len(self.kinds):
                return None
            return tuple(_PARSERS[kind](value) for kind, value in zip(self.kinds, values))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
            return None


@dataclass
class KeysetPage:
    """One page: its items, and the cursors of the pages after it (older) and before it (newer)."""

    items: list
    after: str | None = None  # the next page in the list's order ("Older →")
    before: str | None = None  # the previous page ("← Newer")
    keys: list = field(default_factory=list, repr=False)

    @property
    def has_after(self) -> bool:
        return self.after is not None

    @property
    def has_before(self) -> bool:
        return self.before is not None

    @property
    def is_first(self) -> bool:
        return self.before is None


def paginate(query: Select, keyset: Keyset, *, per_page: int, after: str | None = None,
             before: str | None = None) -> KeysetPage:
    """The page of `query` (a select of one entity, without ORDER BY) after or before a cursor.

    One SELECT with LIMIT per_page + 1; the key columns ride along on each row so that the cursors
    are the database's own values (lower() of a name is the database's lower, not Python's).
    """
    after_key = keyset.decode(after)
    before_key = None if after_key is not None else keyset.decode(before)
    key = tuple_(*keyset.columns)
    backwards = before_key is not None
    ascending = keyset.descending == backwards  # walking towards newer rows of a newest-first list
    query = query.add_columns(*keyset.columns)
    if after_key is not None:
        query = query.where(key < tuple_(*after_key) if keyset.descending else key > tuple_(*after_key))
    elif backwards:
        query = query.where(key > tuple_(*before_key) if keyset.descending else key < tuple_(*before_key))
    query = query.order_by(*(column.asc() if ascending else column.desc() for column in keyset.columns))
    rows = db.session.execute(query.limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    items = [row[0] for row in rows]
    keys = [tuple(row[1:]) for row in rows]
    page = KeysetPage(items, keys=keys)
    if rows:
        if backwards:  # came from an older page: there is one after, and more before if any was left
            page.after, page.before = keyset.encode(keys[-1]), keyset.encode(keys[0]) if more else None
        else:
            page.after = keyset.encode(keys[-1]) if more else None
            page.before = keyset.encode(keys[0]) if after_key is not None else None
    return page
