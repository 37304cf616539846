"""Exit 0 when the default SQLite database is already at the newest migration, 1 otherwise.

`make run` asks this before `flask db upgrade`: the upgrade imports the whole app (about 2 s) to find
nothing to do on most starts, and this answers in a fraction of that without importing the app. Any
doubt answers 1 and the upgrade runs as before: a DATABASE_URL (PostgreSQL or a file elsewhere; the
app's config reads it), no database file yet, or an unreadable one."""
import os
import re
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database_file() -> Path | None:
    if os.environ.get("DATABASE_URL"):
        return None
    return Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance") / "integration.db"


def stored_revision(path: Path) -> str | None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def newest_revisions() -> set[str]:
    """The revisions no other migration builds on, read from the files' `revision = ...` and
    `down_revision = ...` lines (loading them would import the app: some migrations use its code)."""
    revisions, built_on = set(), set()
    for script in (ROOT / "migrations" / "versions").glob("*.py"):
        text = script.read_text()
        revisions.update(re.findall(r"^revision = ['\"]([^'\"]+)['\"]", text, re.M))
        for line in re.findall(r"^down_revision = (.+)$", text, re.M):
            built_on.update(re.findall(r"['\"]([^'\"]+)['\"]", line))
    return revisions - built_on


def main() -> int:
    path = database_file()
    if path is None or not path.exists():
        return 1
    stored = stored_revision(path)
    return 0 if stored is not None and {stored} == newest_revisions() else 1


if __name__ == "__main__":
    sys.exit(main())
