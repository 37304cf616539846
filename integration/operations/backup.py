"""flask backup: one encrypted archive holding a consistent copy of the database and a manifest.

Inside the encryption, the archive is a gzip'd tar of two members:

- the database: `database.sqlite3` (SQLite's online backup API) or `database.pgdump` (pg_dump -Fc);
- `manifest.json`: when, which schema revision, which kind of database, the sha256 and size of
  the database file, rows per table, and the sha256 of every stored file (the delivered PDFs and
  calendars live in the database, so they travel inside it; the manifest lets a restore prove
  each one came back byte for byte).

Nothing else from the instance folder goes in: not the secret key (a restored app with another
key only signs everyone out) and never the backup key.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask

from . import archive, databases
from .errors import OperationsError

FORMAT = "integration-backup/1"
MANIFEST_NAME = "manifest.json"
SUFFIX = ".ibk"


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    key_source: str


def make_backup(app: Flask, output: str) -> BackupResult:
    """Write an encrypted backup archive into `output` (a directory, or the archive's file name)."""
    from ..extensions import db

    key, key_source = archive.backup_key(app.config.get("BACKUP_KEY", ""), app.instance_path, create=True)
    engine = db.engine
    kind = databases.kind_of(engine)
    destination = _archive_path(output)
    # The plain copy exists only for the moment it takes to encrypt it, in the instance folder,
    # which already holds the database (or, with PostgreSQL, nothing else of value).
    with tempfile.TemporaryDirectory(dir=app.instance_path, prefix="backup-") as work:
        dump = Path(work) / databases.DUMP_NAMES[kind]
        snapshot = databases.sqlite_snapshot if kind == "sqlite" else databases.postgresql_snapshot
        with snapshot(engine, dump) as connection:
            manifest = _manifest(app, kind, connection)
        manifest["files"] = {dump.name: _file_facts(dump)}
        _write_encrypted(destination, key, dump, manifest)
    return BackupResult(destination, manifest, key_source)


def migration_head(app: Flask) -> str | None:
    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def _manifest(app: Flask, kind: str, connection) -> dict:
    return {
        "format": FORMAT,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "database": kind,
        "schema_revision": databases.schema_revision(connection),
        "code_migration_head": migration_head(app),
        "row_counts": databases.row_counts(connection),
        "stored_files": databases.stored_files(connection),
    }


def _file_facts(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}


def _archive_path(output: str) -> Path:
    target = Path(output)
    if target.is_dir():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        return target / f"integration-backup-{stamp}{SUFFIX}"
    if not target.parent.is_dir():
        raise OperationsError(f"{target.parent} is not a directory")
    return target


def _write_encrypted(destination: Path, key: bytes, dump: Path, manifest: dict) -> None:
    """Encrypt into `<name>.partial` (mode 600, never over an existing file), then rename: a
    half-written archive never carries an archive's name."""
    partial = destination.with_name(destination.name + ".partial")
    if destination.exists():
        raise OperationsError(f"{destination} exists already; backups never overwrite one another")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise OperationsError(f"{partial} exists: another backup is being written, or one was cut off "
                              "(remove it if no backup is running)") from None
    try:
        with os.fdopen(fd, "wb") as sink:
            writer = archive.EncryptingWriter(sink, key)
            with tarfile.open(fileobj=writer, mode="w|gz") as bundle:
                bundle.add(dump, arcname=dump.name)
                _add_bytes(bundle, MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True).encode())
            writer.close()
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _add_bytes(bundle: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    bundle.addfile(info, io.BytesIO(data))
