"""Counting the SQL statements a page costs: the count per page is deterministic, so tests may assert it."""
from contextlib import contextmanager

from sqlalchemy import event

from integration.extensions import db


@contextmanager
def counting_queries():
    """Yields the list of statements sent to the database while the block runs."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
