"""Column types whose values the database holds encrypted (see keys.py for the format).

Transparent to the ORM and Core alike: every page, PDF, export and erasure reads and writes plain
values. Empty stays empty ('' and None are stored as they are), so "is blank" filters such as
`Insight.client_words != ''` keep working; that is all they leak (whether a field is empty), with
the ciphertext's length (roughly the text's). An encrypted column cannot be filtered or sorted by
its text in SQL: none is (client names, which lists sort and filter by, stay plaintext).
"""
from __future__ import annotations

import json
from functools import cache

from sqlalchemy import JSON, Text
from sqlalchemy.orm import defer
from sqlalchemy.types import TypeDecorator

from .keys import is_encrypted, keyring


class EncryptedText(TypeDecorator):
    """Text stored as `enc1:<key id>:<token>`."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return value
        return keyring().encrypt(value)

    def process_result_value(self, value, dialect):
        if not value:
            return value
        return keyring().decrypt(value)


class EncryptedJSON(TypeDecorator):
    """A JSON value (a note's sections) stored as one encrypted JSON string: the column stays of
    the JSON type, holding `"enc1:…"` instead of the sections."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return value
        return keyring().encrypt(json.dumps(value))

    def process_result_value(self, value, dialect):
        if is_encrypted(value):
            return json.loads(keyring().decrypt(value))
        return value  # written before migration 0029


ENCRYPTED_TYPES = (EncryptedText, EncryptedJSON)


def unread_encrypted(model, *shown) -> tuple:
    """Loader options that leave every encrypted column of the model unread but those in `shown`.

    A column is decrypted as its row is loaded, whether or not the page shows it: a search page
    loading each result's client and note decrypted every client's contact details and every note's
    sections for a name and a date (about 100 decryptions a page, half its time). A deferred column is
    loaded, and decrypted, if it is read after all, at the cost of one query."""
    return _unread(model, frozenset(attribute.key for attribute in shown))


@cache
def _unread(model, keep: frozenset[str]) -> tuple:
    """Made once for each model and columns kept: options never change once made, and a results page
    made a hundred of them for every search."""
    return tuple(defer(getattr(model, column.key)) for column in model.__mapper__.column_attrs
                 if column.key not in keep and isinstance(column.columns[0].type, ENCRYPTED_TYPES))


def encrypted_columns(metadata) -> list[tuple[str, str, bool]]:
    """(table, column, is JSON) for every encrypted column of the models, in table order."""
    return [(table.name, column.name, isinstance(column.type, EncryptedJSON))
            for table in metadata.sorted_tables for column in table.columns
            if isinstance(column.type, ENCRYPTED_TYPES)]
