"""flask restore ARCHIVE: into an empty database only, and only once the whole archive has proved
itself (key, every chunk's authentication tag, the database file's sha256 from the manifest).
Afterwards the restored database is checked against the manifest: rows per table and the sha256
of every stored file.
"""
from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask

from . import archive, databases
from .backup import FORMAT, MANIFEST_NAME
from .errors import OperationsError


@dataclass
class RestoreResult:
    manifest: dict
    tables: int
    rows: int
    stored_files: int


def restore(app: Flask, archive_path: str) -> RestoreResult:
    from ..extensions import db

    key, _source = archive.backup_key(app.config.get("BACKUP_KEY", ""), app.instance_path, create=False)
    engine = db.engine
    kind = databases.kind_of(engine)
    _refuse_unless_empty(engine)
    with tempfile.TemporaryDirectory(dir=app.instance_path, prefix="restore-") as work:
        manifest, dump = _open_verified(Path(archive_path), key, Path(work), kind)
        _refuse_unknown_revision(app, manifest)
        if kind == "sqlite":
            databases.sqlite_load(engine, dump)
        else:
            databases.postgresql_load(engine, dump)
    return _check_against_manifest(engine, manifest)


def _refuse_unless_empty(engine) -> None:
    with engine.connect() as connection:
        tables = databases.table_names(connection)
    if tables:
        raise OperationsError(f"refusing to restore: the database already has {len(tables)} tables "
                              f"({engine.url.render_as_string(hide_password=True)}); restore only into an empty database")


def _open_verified(path: Path, key: bytes, work: Path, kind: str) -> tuple[dict, Path]:
    """Decrypt the archive, read its manifest, and take out the database file whose sha256 matches it."""
    if not path.is_file():
        raise OperationsError(f"{path} is not a file")
    plain = work / "archive.tar.gz"
    with path.open("rb") as source, plain.open("wb") as sink:
        archive.decrypt(source, key, sink)
    with tarfile.open(plain, mode="r:gz") as bundle:
        manifest = _read_manifest(bundle)
        if manifest.get("database") != kind:
            raise OperationsError(f"this archive holds a {manifest.get('database')} database; "
                                  f"DATABASE_URL names a {kind} one")
        dump = work / databases.DUMP_NAMES[kind]
        _extract_checked(bundle, dump, manifest)
    plain.unlink()
    return manifest, dump


def _read_manifest(bundle: tarfile.TarFile) -> dict:
    try:
        member = bundle.extractfile(MANIFEST_NAME)
    except KeyError:
        member = None
    if member is None:
        raise OperationsError("the archive has no manifest")
    manifest = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise OperationsError(f"unknown archive format {manifest.get('format')!r} (this version reads {FORMAT})")
    return manifest


def _extract_checked(bundle: tarfile.TarFile, destination: Path, manifest: dict) -> None:
    """Copy one member out by its known name (never extractall: no paths come from the archive)."""
    expected = manifest.get("files", {}).get(destination.name)
    try:
        member = bundle.extractfile(destination.name)
    except KeyError:
        member = None
    if member is None or expected is None:
        raise OperationsError(f"the archive has no {destination.name} described by its manifest")
    digest = hashlib.sha256()
    with destination.open("wb") as sink:
        for block in iter(lambda: member.read(1024 * 1024), b""):
            digest.update(block)
            sink.write(block)
    if digest.hexdigest() != expected["sha256"] or destination.stat().st_size != expected["bytes"]:
        raise OperationsError(f"{destination.name} does not match the sha256 in the manifest: do not use this archive")


def _refuse_unknown_revision(app: Flask, manifest: dict) -> None:
    revision = manifest.get("schema_revision")
    if revision is None:
        return
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    try:
        script.get_revision(revision)
    except CommandError:
        raise OperationsError(f"the archive's schema revision {revision} is unknown to this version of the app "
                              "(a newer one made it): restore with that version") from None


def _check_against_manifest(engine, manifest: dict) -> RestoreResult:
    with engine.connect() as connection:
        counts = databases.row_counts(connection)
        files = databases.stored_files(connection)
    if counts != manifest["row_counts"]:
        differing = sorted(name for name in set(counts) | set(manifest["row_counts"])
                           if counts.get(name) != manifest["row_counts"].get(name))
        raise OperationsError(f"the restored database differs from the manifest in: {', '.join(differing)}")
    if files != manifest["stored_files"]:
        raise OperationsError("the restored stored files (PDFs, calendars) differ from the manifest")
    return RestoreResult(manifest, len(counts), sum(counts.values()), len(files))
