"""`make run` skips the upgrade only when the database is at the newest migration (migrations/at_head.py)."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "migrations" / "at_head.py"


def _alembic_heads() -> list[str]:
    return ScriptDirectory(str(ROOT / "migrations")).get_heads()


def _answer(instance: Path, **environment) -> int:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return subprocess.run([sys.executable, str(SCRIPT)], env={**env, "INSTANCE_PATH": str(instance), **environment},
                          timeout=30).returncode


def _database_at(instance: Path, revision: str) -> None:
    with sqlite3.connect(instance / "integration.db") as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES (?)", (revision,))


def test_it_reads_the_same_head_as_alembic():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import at_head
    finally:
        sys.path.remove(str(SCRIPT.parent))
    assert sorted(at_head.newest_revisions()) == sorted(_alembic_heads())


def test_a_database_at_the_head_skips_the_upgrade(tmp_path):
    [head] = _alembic_heads()
    _database_at(tmp_path, head)
    assert _answer(tmp_path) == 0


def test_anything_else_runs_the_upgrade(tmp_path):
    assert _answer(tmp_path) == 1, "no database yet"
    _database_at(tmp_path, "0001")
    assert _answer(tmp_path) == 1, "behind"
    [head] = _alembic_heads()
    with sqlite3.connect(tmp_path / "integration.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (head,))
    assert _answer(tmp_path, DATABASE_URL="postgresql+psycopg://elsewhere/db") == 1, "another database: ask it"
    (tmp_path / "integration.db").write_bytes(b"not a database")
    assert _answer(tmp_path) == 1, "unreadable"
