"""flask backup and flask restore, proved by restoring: every table row for row and every stored
PDF and calendar byte for byte, on SQLite and on PostgreSQL; and every way an archive can be
wrong (key, changed, cut off, a database file the manifest does not describe, a full target)
refused with one line before anything is touched.
"""
import io
import json
import os
import stat
import tarfile
import uuid
from contextlib import ExitStack
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from integration.audit.log import record
from integration.auth.models import User
from integration.demo import load_demo
from integration.extensions import db
from integration.operations import archive
from integration.operations.backup import FORMAT, MANIFEST_NAME
from integration.operations.errors import OperationsError
from tests.conftest import POSTGRES_URL, build_app, postgresql_database
from tests.factories import ClientFactory, PracticeFactory, UserFactory
from tests.test_migrations import restore_logging  # noqa: F401 (fixture)

KEY = archive.new_key_text()
OTHER_KEY = archive.new_key_text()
KINDS = [pytest.param("sqlite"),
         pytest.param("postgresql", marks=pytest.mark.skipif(
             not POSTGRES_URL, reason="needs TEST_DATABASE_URL on PostgreSQL (CI runs the suite there too)"))]


@pytest.fixture
def new_database(tmp_path):
    """new_database(kind): the URL of a new, empty database of that kind, removed afterwards."""
    with ExitStack() as made:
        def make(kind: str) -> str:
            if kind == "sqlite":
                return f"sqlite:///{tmp_path / f'{uuid.uuid4().hex[:8]}.db'}"
            try:
                return made.enter_context(
                    postgresql_database(f"{make_url(POSTGRES_URL).database}_backup_{uuid.uuid4().hex[:8]}"))
            except DBAPIError:
                pytest.skip("the PostgreSQL test role may not create databases")

        yield make


def _app(url: str, key: str = KEY):
    return build_app(url, BACKUP_KEY=key)


def _invoke(app, *args):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
        db.engine.dispose()
    return result


def _demo_practice_with_audit_rows(app) -> None:
    """The demo practice (every area, delivered plans with their PDFs) through the migrations, so
    migration 0009's triggers are part of what is backed up; and audit rows beside it."""
    with app.app_context():
        flask_migrate.upgrade()
        (_role, email, _password), *_others = load_demo()
        for detail in ("opened the record", "downloaded the plan"):
            record("view", user=User.by_email(email), detail=detail)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _every_row(url: str) -> dict[str, list[tuple]]:
    """Every table's rows in primary key order, values as the driver gives them (bytes for files)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = MetaData()
            tables.reflect(connection)
            return {name: [tuple(row) for row in connection.execute(
                        select(table).order_by(*(table.primary_key.columns or table.columns)))]
                    for name, table in tables.tables.items()}
    finally:
        engine.dispose()


def _stored_files(url: str) -> dict[int, tuple[bytes, bytes]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {row.id: (bytes(row.pdf), bytes(row.ics))
                    for row in connection.execute(text("SELECT id, pdf, ics FROM plan_export ORDER BY id"))}
    finally:
        engine.dispose()


def _only_archive(directory: Path) -> Path:
    [found] = directory.glob("*.ibk")
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_backup_and_restore_give_back_every_row_and_every_stored_pdf(kind, new_database, tmp_path, restore_logging):
    source_url, target_url = new_database(kind), new_database(kind)
    _demo_practice_with_audit_rows(_app(source_url))
    before, files_before = _every_row(source_url), _stored_files(source_url)

    made = _invoke(_app(source_url), "backup", "--output", str(tmp_path))
    assert made.exit_code == 0, made.output
    archive_path = _only_archive(tmp_path)
    assert stat.S_IMODE(archive_path.stat().st_mode) == 0o600
    assert b"Rowan" not in archive_path.read_bytes() and b"%PDF" not in archive_path.read_bytes()

    restored = _invoke(_app(target_url), "restore", str(archive_path))
    assert restored.exit_code == 0, restored.output
    assert "all matching the manifest" in restored.output

    after = _every_row(target_url)
    assert set(after) == set(before)
    for table in before:
        assert after[table] == before[table], f"{table} differs after the restore"
    assert _stored_files(target_url) == files_before
    assert len(files_before) >= 3, "the demo practice delivers plans: their PDFs must be in the test"
    assert all(pdf.startswith(b"%PDF") and ics.startswith(b"BEGIN:VCALENDAR") for pdf, ics in files_before.values())
    assert sum(1 for rows in before.values() if rows) >= 20, "most tables must hold rows for the comparison to mean much"
    assert len(before["audit_event"]) >= 2
    _audit_rows_still_refuse_changes(target_url)
    if kind == "postgresql":
        assert _tables_without_statistics(target_url, after) == [], "the planner must have statistics once restored"


def _tables_without_statistics(url: str, rows: dict) -> list[str]:
    """The restored tables that hold rows but no planner statistics (a dump carries none, and
    autovacuum may take a while to gather them)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            known = set(connection.scalars(text("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'public'")))
    finally:
        engine.dispose()
    return sorted(table for table, table_rows in rows.items() if table_rows and table not in known)


def _audit_rows_still_refuse_changes(url: str) -> None:
    """Migration 0009's triggers came back with the schema."""
    engine = create_engine(url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("UPDATE audit_event SET detail = 'rewritten'"))
    finally:
        engine.dispose()


# Refusals: a small SQLite source is enough (what is checked is the archive, not the database).

@pytest.fixture
def small_archive(new_database, tmp_path) -> Path:
    source = _app(new_database("sqlite"))
    with source.app_context():
        db.create_all()
        therapist = UserFactory(practice=PracticeFactory(), role="therapist")
        ClientFactory(practice=therapist.practice)
        record("view", user=therapist, detail="seen")
        db.session.commit()
    made = _invoke(source, "backup", "--output", str(tmp_path / "small.ibk"))
    assert made.exit_code == 0, made.output
    return tmp_path / "small.ibk"


def _restore_refused(new_database, archive_path: Path, key: str = KEY) -> str:
    """Restore into a new empty database; the refusal's one line. The database stays empty."""
    target_url = new_database("sqlite")
    result = _invoke(_app(target_url, key), "restore", str(archive_path))
    assert result.exit_code == 1, result.output
    assert _every_row(target_url) == {}, "a refused restore must not touch the database"
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def _changed_copy(original: Path, change) -> Path:
    data = bytearray(original.read_bytes())
    changed = original.with_name("changed.ibk")
    changed.write_bytes(bytes(change(data)))
    return changed


def _flip_byte(data: bytearray) -> bytearray:
    data[len(data) // 2] ^= 0x01
    return data


def test_a_wrong_key_is_named_as_such(small_archive, new_database):
    assert "wrong backup key" in _restore_refused(new_database, small_archive, key=OTHER_KEY)


@pytest.mark.parametrize("change, words", [
    (_flip_byte, "was changed or damaged"),
    (lambda data: data[:len(data) // 2], "incomplete"),
    (lambda data: data + b"more", "bytes follow its last chunk"),
    (lambda data: b"PK\x03\x04 not a backup" + data[40:], "not an integration backup archive"),
], ids=["a byte changed", "cut off", "bytes added", "another kind of file"])
def test_a_changed_archive_is_refused_before_anything_is_touched(small_archive, new_database, change, words):
    assert words in _restore_refused(new_database, _changed_copy(small_archive, change))


def test_a_database_file_that_does_not_match_its_manifest_is_refused(small_archive, new_database, tmp_path):
    """Even inside a correctly encrypted archive (made with the key), the sha256 must match."""
    members = _members(small_archive)
    members["database.sqlite3"] += b"\0" * 512
    forged = tmp_path / "forged.ibk"
    _write_archive(forged, members)
    assert "does not match the sha256 in the manifest" in _restore_refused(new_database, forged)


def test_an_archive_of_the_other_kind_of_database_is_refused(small_archive, new_database, tmp_path):
    members = _members(small_archive)
    manifest = json.loads(members[MANIFEST_NAME])
    manifest["database"] = "postgresql"
    members[MANIFEST_NAME] = json.dumps(manifest).encode()
    other = tmp_path / "other.ibk"
    _write_archive(other, members)
    assert "holds a postgresql database" in _restore_refused(new_database, other)


def test_an_archive_from_a_newer_version_of_the_app_is_refused(small_archive, new_database, tmp_path):
    members = _members(small_archive)
    manifest = json.loads(members[MANIFEST_NAME])
    manifest["schema_revision"] = "9999"
    members[MANIFEST_NAME] = json.dumps(manifest).encode()
    newer = tmp_path / "newer.ibk"
    _write_archive(newer, members)
    assert "revision 9999 is unknown to this version" in _restore_refused(new_database, newer)


def test_restore_refuses_a_database_that_is_not_empty(small_archive, new_database):
    target_url = new_database("sqlite")
    target = _app(target_url)
    with target.app_context():
        db.create_all()
        PracticeFactory(name="Already here")
        db.session.commit()
        db.session.remove()
    result = _invoke(target, "restore", str(small_archive))
    assert result.exit_code == 1
    assert result.output.startswith("Error: refusing to restore: the database already has")
    assert len(result.output.strip().splitlines()) == 1
    assert [row[1] for row in _every_row(target_url)["practice"]] == ["Already here"]


def test_the_manifest_describes_the_archive(small_archive):
    manifest = json.loads(_members(small_archive)[MANIFEST_NAME])
    assert manifest["format"] == FORMAT and manifest["database"] == "sqlite"
    assert manifest["row_counts"]["client"] == 1 and manifest["row_counts"]["audit_event"] == 1
    assert set(manifest["files"]) == {"database.sqlite3"}
    assert len(manifest["files"]["database.sqlite3"]["sha256"]) == 64
    assert manifest["created_at"].endswith("+00:00")


def _members(archive_path: Path) -> dict[str, bytes]:
    plain = io.BytesIO()
    with archive_path.open("rb") as source:
        archive.decrypt(source, archive.parse_key(KEY), plain)
    plain.seek(0)
    with tarfile.open(fileobj=plain, mode="r:gz") as bundle:
        return {member.name: bundle.extractfile(member).read() for member in bundle.getmembers()}


def _write_archive(path: Path, members: dict[str, bytes]) -> None:
    with path.open("wb") as sink:
        writer = archive.EncryptingWriter(sink, archive.parse_key(KEY))
        with tarfile.open(fileobj=writer, mode="w|gz") as bundle:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                bundle.addfile(info, io.BytesIO(data))
        writer.close()


# The archive format, over several chunks.

@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(archive, "CHUNK_BYTES", 1000)


def _sealed(data: bytes, key: bytes) -> bytes:
    sink = io.BytesIO()
    writer = archive.EncryptingWriter(sink, key)
    writer.write(data)
    writer.close()
    return sink.getvalue()


def _opened(sealed: bytes, key: bytes) -> bytes:
    plain = io.BytesIO()
    archive.decrypt(io.BytesIO(sealed), key, plain)
    return plain.getvalue()


def _chunks(sealed: bytes) -> tuple[bytes, list[bytes]]:
    header, rest, chunks = sealed[:archive.HEADER_BYTES], sealed[archive.HEADER_BYTES:], []
    while rest:
        length = int.from_bytes(rest[:4], "big")
        chunks.append(rest[:4 + length])
        rest = rest[4 + length:]
    return header, chunks


def test_the_archive_format_round_trips_over_many_chunks(small_chunks):
    key, data = archive.parse_key(KEY), os.urandom(4500)
    sealed = _sealed(data, key)
    assert len(_chunks(sealed)[1]) == 5
    assert _opened(sealed, key) == data


def test_chunks_in_another_order_or_a_missing_last_chunk_are_refused(small_chunks):
    key = archive.parse_key(KEY)
    header, chunks = _chunks(_sealed(os.urandom(4500), key))
    with pytest.raises(OperationsError, match="chunk 1 fails"):
        _opened(header + chunks[1] + chunks[0] + b"".join(chunks[2:]), key)
    with pytest.raises(OperationsError, match="incomplete"):
        _opened(header + b"".join(chunks[:-1]), key)


def test_two_archives_of_the_same_data_differ(small_chunks):
    key, data = archive.parse_key(KEY), b"the same bytes" * 100
    assert _sealed(data, key) != _sealed(data, key)


# The key.

def test_the_key_file_is_made_once_with_mode_600_and_restore_never_makes_one(tmp_path):
    with pytest.raises(OperationsError, match="no backup key"):
        archive.backup_key("", str(tmp_path), create=False)
    made, source = archive.backup_key("", str(tmp_path), create=True)
    assert "made now" in source
    assert stat.S_IMODE((tmp_path / "backup_key").stat().st_mode) == 0o600
    again, source = archive.backup_key("", str(tmp_path), create=True)
    assert again == made and "made now" not in source
    assert archive.backup_key("", str(tmp_path), create=False)[0] == made


def test_backup_key_from_the_environment_wins_and_must_be_valid(tmp_path):
    assert archive.backup_key(KEY, str(tmp_path), create=True) == (archive.parse_key(KEY), "BACKUP_KEY")
    assert not (tmp_path / "backup_key").exists()
    for bad in ("too-short", KEY[:-4], "!" * 44):
        with pytest.raises(OperationsError, match="not valid"):
            archive.parse_key(bad)
