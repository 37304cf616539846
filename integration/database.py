"""Database engine settings that SQLAlchemy's URL cannot express."""
from sqlalchemy import event
from sqlalchemy.engine import Engine

# PostgreSQL's `integer`, the type of every id, version and count column. A number beyond it
# names nothing that exists: looking it up must answer "not found", not a database error.
MAX_INTEGER = 2**31 - 1


def configure_sqlite(engine: Engine) -> None:
    """SQLite: enforce foreign keys, use WAL so readers never block the writer, wait when busy."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
