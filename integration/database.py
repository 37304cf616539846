"""Database engine settings that SQLAlchemy's URL cannot express."""
import logging
import os
import sqlite3
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# SQLite's advice for connections that live long (the pool keeps ours for the life of a worker): run
# `PRAGMA optimize` every few hours, and when a connection closes; analysis_limit keeps each ANALYZE it
# decides on to a sample, so that it costs milliseconds at any size (sqlite.org/lang_analyze.html).
OPTIMIZE_EVERY_SECONDS = 3600
ANALYSIS_LIMIT = 400

# PostgreSQL's `integer`, the type of every id, version and count column. A number beyond it
# names nothing that exists: looking it up must answer "not found", not a database error.
MAX_INTEGER = 2**31 - 1


def configure_sqlite(engine: Engine) -> None:
    """SQLite: a database file only its owner reads, foreign keys enforced, WAL so readers never block
    the writer, a wait when busy."""
    if engine.dialect.name != "sqlite":
        return
    create_private_file(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.close()
        record.info["optimized_at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _now_and_then(dbapi_connection, record):
        if dbapi_connection is not None and time.monotonic() - record.info.get("optimized_at", 0) > OPTIMIZE_EVERY_SECONDS:
            optimize(dbapi_connection)
            record.info["optimized_at"] = time.monotonic()

    @event.listens_for(engine, "close")
    def _before_closing(dbapi_connection, _record):
        optimize(dbapi_connection)


def create_private_file(database: str | None) -> None:
    """Create a new SQLite database file with mode 0600 before SQLite does (it would follow the umask,
    usually 0644: every account on the machine could read the record). Its -wal and -shm files take the
    database file's mode. An existing file is left as it is."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except (FileExistsError, FileNotFoundError):
        return  # there already, or its directory is missing: SQLite's own error says so


def optimize(dbapi_connection) -> None:
    """Let SQLite refresh the statistics the planner used and that have gone stale: usually nothing.
    Upkeep, after the request was answered: a busy database only means "next time"."""
    try:
        dbapi_connection.execute("PRAGMA optimize")
        dbapi_connection.commit()
    except sqlite3.Error as failed:
        log.info("PRAGMA optimize skipped: %s", failed.__class__.__name__)
