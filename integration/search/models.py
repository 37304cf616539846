"""What search indexes: one row of tokens per note and per insight (never their text).

The rows hold the token stream of search/tokens.py; how the database indexes it is search/index.py's
business (an FTS5 table over these rows on SQLite, a GIN index on PostgreSQL). Rows go when their
note or insight goes (ON DELETE CASCADE), so the index never answers with something deleted.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from ..extensions import db


class TokenStream(TypeDecorator):
    """Space-separated index tokens: kept as text on SQLite (FTS5 reads it), and on PostgreSQL as a
    tsvector made by the `simple` configuration, which splits on spaces and changes no token."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(TSVECTOR() if dialect.name == "postgresql" else Text())

    def bind_expression(self, bindvalue):
        return as_tokens(bindvalue)


class as_tokens(FunctionElement):
    """A token string as the column stores it: itself on SQLite, a `simple` tsvector on PostgreSQL."""

    name = "as_tokens"
    inherit_cache = True


@compiles(as_tokens)
def _as_text(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(as_tokens, "postgresql")
def _as_tsvector(element, compiler, **kw):
    return f"to_tsvector('simple'::regconfig, CAST({compiler.process(element.clauses, **kw)} AS TEXT))"


class NoteSearch(db.Model):
    """The tokens of a note's text (Note.search_text), kept in step on every save, and its client.

    The client is the note's (a note never moves): on SQLite, FTS5 indexes it as a column of its own so a
    caseload's search can name its clients inside the MATCH; PostgreSQL indexes it beside the tokens
    (search/index.py)."""

    note_id: Mapped[int] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    client_id: Mapped[int] = mapped_column()
    tokens: Mapped[str] = mapped_column(TokenStream())


class InsightSearch(db.Model):
    """The tokens of an insight: everything a full reader searches, and the client's words alone
    (what a coach searches of an insight a clinician shared); and its client, as for a note (an
    insight never moves either)."""

    insight_id: Mapped[int] = mapped_column(ForeignKey("insight.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False)
    client_id: Mapped[int] = mapped_column()
    everything: Mapped[str] = mapped_column(TokenStream())
    words: Mapped[str] = mapped_column(TokenStream())
