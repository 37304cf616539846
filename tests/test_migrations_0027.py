"""Migration 0027 (note templates) upgrades a practice at 0026 with its notes in place: they keep their text
and start from no template; a template and a note started from it survive; downgrade keeps the notes."""
import json

import flask_migrate

from tests.test_migrations import (_execute, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)
from tests.test_migrations_0013 import NOW, _practice_at_0008


def test_0027_adds_templates_and_leaves_existing_notes_as_they_were(migration_app):
    flask_migrate.upgrade(revision="0008")
    _practice_at_0008()
    flask_migrate.upgrade(revision="0026")
    before = _rows("SELECT id, content, status, version FROM note ORDER BY id")

    flask_migrate.upgrade(revision="0027")

    after = _rows("SELECT id, content, status, version, template_version_id FROM note ORDER BY id")
    assert [(r["id"], r["status"], r["version"]) for r in after] == [(r["id"], r["status"], r["version"]) for r in before]
    assert [json.loads(r["content"]) if isinstance(r["content"], str) else r["content"] for r in after] == \
        [json.loads(r["content"]) if isinstance(r["content"], str) else r["content"] for r in before]
    assert {r["template_version_id"] for r in after} == {None}

    _execute("INSERT INTO note_template (id, practice_id, kind, created_by_id, created_at) "
             "VALUES (1, 1, 'debrief', 1, :now)", now=NOW)
    _execute("INSERT INTO note_template_version (id, template_id, number, name, sections, created_by_id, created_at) "
             "VALUES (1, 1, 1, 'First debrief', :sections, 1, :now)",
             sections=json.dumps({"experience": {"prompt": "Their first words.", "start": ""}}), now=NOW)
    _execute("UPDATE note SET template_version_id = 1 WHERE id = 3")
    assert _rows("SELECT template_version_id FROM note WHERE id = 3")[0]["template_version_id"] == 1

    flask_migrate.downgrade(revision="0026")
    assert [row["id"] for row in _rows("SELECT id FROM note ORDER BY id")] == [1, 2, 3]
    flask_migrate.upgrade(revision="0027")
    assert _rows("SELECT id FROM note_template") == []
