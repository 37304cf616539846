"""What backup and restore do differently on SQLite and PostgreSQL: take a consistent copy, load
one into an empty database, and read the facts a manifest records (row counts, stored files).
"""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import LargeBinary, MetaData, create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine, make_url

from .errors import OperationsError

DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def kind_of(engine: Engine) -> str:
    kind = engine.dialect.name
    if kind not in DUMP_NAMES:
        raise OperationsError(f"backups support SQLite and PostgreSQL, not {kind}")
    return kind


def table_names(connection: Connection) -> list[str]:
    return sorted(inspect(connection).get_table_names())


def row_counts(connection: Connection) -> dict[str, int]:
    """Rows per table, every table the database holds (Alembic's own included)."""
    reflected = _reflect(connection)
    return {name: connection.scalar(select(func.count()).select_from(table))
            for name, table in sorted(reflected.tables.items())}


def stored_files(connection: Connection) -> list[dict]:
    """The sha256 and size of every stored file: each non-empty value of a binary column
    (delivered plan PDFs and calendars today), named by table, column and primary key."""
    found = []
    for name, table in sorted(_reflect(connection).tables.items()):
        blobs = [column for column in table.columns if isinstance(column.type, LargeBinary)]
        keys = list(table.primary_key.columns)
        for column in blobs:
            rows = connection.execute(select(*keys, column).where(column.is_not(None)).order_by(*keys))
            for *key, data in rows:
                data = bytes(data)
                found.append({"table": name, "column": column.name, "key": key,
                              "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
    return found


def schema_revision(connection: Connection) -> str | None:
    if "alembic_version" not in table_names(connection):
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def _reflect(connection: Connection) -> MetaData:
    reflected = MetaData()
    reflected.reflect(connection)
    return reflected


# SQLite ---------------------------------------------------------------------------------------

def sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise OperationsError("an in-memory SQLite database cannot be backed up or restored")
    return path


@contextmanager
def sqlite_snapshot(engine: Engine, destination: Path) -> Iterator[Connection]:
    """Copy the live database with SQLite's online backup API (consistent even while the app
    writes), then read the copy: the manifest describes exactly the file in the archive."""
    source = sqlite3.connect(sqlite_path(engine))
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
        # One self-contained file (the live database's WAL mode would travel with its pages).
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    copy = create_engine(f"sqlite:///{destination}")
    try:
        with copy.connect() as connection:
            yield connection
    finally:
        copy.dispose()


def sqlite_load(engine: Engine, dump: Path) -> None:
    """Copy an archived database file into the (empty) database file, page by page."""
    engine.dispose()  # our own connections to the target must not hold it while pages are copied
    source = sqlite3.connect(dump)
    target = sqlite3.connect(sqlite_path(engine))
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


# PostgreSQL -----------------------------------------------------------------------------------

@contextmanager
def postgresql_snapshot(engine: Engine, destination: Path) -> Iterator[Connection]:
    """pg_dump -Fc inside one exported snapshot, and the manifest's counts read in that same
    snapshot: the archive's dump and its manifest describe one instant of the database."""
    # REPEATABLE READ: every query of this transaction sees the one snapshot pg_dump is given.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ",
                                            postgresql_readonly=True) as connection:
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        _run_client(engine, "pg_dump", ["--format=custom", "--no-owner", "--no-privileges",
                                        f"--snapshot={snapshot}", f"--file={destination}"])
        yield connection
        connection.rollback()


def postgresql_load(engine: Engine, dump: Path) -> None:
    """pg_restore into the empty database, all or nothing (one transaction, stop at the first error).

    Owners and grants are not restored: the restoring role owns what it creates, and
    `flask db-grants` gives the app's role its rights again.

    Then ANALYZE: a dump holds no planner statistics (PostgreSQL 15), and until autovacuum gathers
    them the planner guesses at every table. A search across a whole practice took 0.7-2.3 s in that
    state at 200,000 notes against 40-60 ms analyzed (README, Performance at scale); a restore is
    when a clinic needs the app back at its usual speed.
    """
    _run_client(engine, "pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error",
                                       "--single-transaction", str(dump)])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")


def _run_client(engine: Engine, program: str, arguments: list[str]) -> None:
    url = engine.url
    # libpq takes the URL without the driver name; the password goes in the environment, never
    # on a command line that `ps` shows.
    uri = make_url(url.render_as_string(hide_password=False)).set(drivername="postgresql", password=None)
    environment = {**os.environ, "PGPASSWORD": url.password or os.environ.get("PGPASSWORD", "")}
    command = [_client_program(program), f"--dbname={uri.render_as_string(hide_password=False)}", *arguments]
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        last_line = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise OperationsError(f"{program} failed: {last_line}")


def _client_program(program: str) -> str:
    """PG_BIN if set, else the PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    if os.environ.get("PG_BIN"):
        return str(Path(os.environ["PG_BIN"]) / program)
    found = shutil.which(program)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"),
                        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0)
    if not candidates:
        raise OperationsError(f"{program} was not found: install the PostgreSQL client (postgresql-client) "
                              "or set PG_BIN")
    return candidates[-1]
