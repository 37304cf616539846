"""Migration 0029 (encryption at rest) upgrades a practice at 0028 with its record in place: every named
column then holds only ciphertext, the search index only keyed tokens, and the app reads and finds
everything as before; downgrade gives back the plaintext and a plain-stem index."""
import json
from datetime import datetime

import flask_migrate

from integration.crypto.keys import PREFIX
from integration.extensions import db
from integration.notes.models import Note
from tests.test_migrations import (_execute, _rows, empty_database_url, migration_app,  # noqa: F401 (fixtures)
                                   restore_logging)
from tests.test_migrations_0013 import _practice_at_0008

NOW = datetime(2026, 11, 1, 12, 0)
SECRET_WORDS = ["lighthouse", "marmalade", "accordion", "tangerine", "origami", "zeppelin", "carousel",
                "lanternfish", "harbour"]


def _record_at_0028() -> None:
    _practice_at_0008()  # notes 1-3 (debriefs: "Floating.")
    _execute("UPDATE client SET email = 'juniper@lighthouse.example', phone = '555 0100', "
             "emergency_contact = 'Ash (marmalade sister)' WHERE id = 1")
    content = json.dumps({"experience": "The accordion played by the lighthouse."})
    _execute("UPDATE note SET content = :content, search_text = 'the accordion played by the lighthouse.' "
             "WHERE id = 1", content=content)
    _execute("INSERT INTO addendum (id, note_id, client_id, author_id, reason, text, created_at) "
             "VALUES (1, 1, 1, 1, 'late', 'A tangerine was on the table.', :now)", now=NOW)
    _execute("INSERT INTO note_revision (id, note_id, client_id, based_on_version, reason, content, saved_at) "
             "VALUES (1, 1, 1, 1, 'signed', :content, :now)", content=content, now=NOW)
    _execute("INSERT INTO insight (id, client_id, note_id, text, client_words, shared_with_coach, created_at, "
             "retraction_reason) VALUES (1, 1, 1, 'Origami as a way of slowing down.', 'I fold zeppelin shapes', "
             ":no, :now, '')", no=False, now=NOW)
    _execute("INSERT INTO goal (id, client_id, title, client_title, why, how_we_know, life_area, status, sensitive, "
             "shared_with_coach, archived, created_at) VALUES (1, 1, 'Rest', '', 'The carousel never stops.', '', "
             "'other', 'active', :no, :no, :no, :now)", no=False, now=NOW)
    _execute("INSERT INTO history_item (id, client_id, category, title, detail, when_text, sensitive, "
             "shared_with_coach, archived, created_at) VALUES (1, 1, 'family', 'Summers', "
             "'Lanternfish in the harbour.', '', :no, :no, :no, :now)", no=False, now=NOW)
    _execute("INSERT INTO note_search (note_id, tokens) VALUES (1, 'the accordion play by the lighthous')")


def _dump() -> str:
    """Every encrypted column's raw text, and the token rows, as one string."""
    parts = []
    for table, columns in [("client", "email, phone, emergency_contact"), ("note", "search_text"),
                           ("addendum", "text"), ("insight", "text, client_words"), ("goal", "why"),
                           ("history_item", "detail")]:
        parts += [str(value) for row in _rows(f"SELECT {columns} FROM {table}") for value in row.values()]
    for table in ("note", "note_revision"):
        parts += [str(row["c"]) for row in _rows(f"SELECT CAST(content AS TEXT) AS c FROM {table}")]
    parts += [str(value) for row in _rows("SELECT * FROM note_search") for value in row.values()]
    parts += [str(value) for row in _rows("SELECT * FROM insight_search") for value in row.values()]
    return "\n".join(parts).lower()


def test_0029_encrypts_the_record_and_keys_the_index_and_downgrade_gives_it_back(migration_app):
    flask_migrate.upgrade(revision="0028")
    _record_at_0028()

    flask_migrate.upgrade(revision="0029")

    raw = _dump()
    # The whole phone number: three digits alone turn up by chance in ciphertext and keyed tokens.
    assert not [word for word in SECRET_WORDS + ["lighthous", "floating", "555 0100"] if word in raw]
    [client] = _rows("SELECT email, phone, emergency_contact FROM client")
    assert all(value.startswith(PREFIX) for value in client.values())
    # The app reads it all back, and search finds through the keyed index.
    note = db.session.get(Note, 1)
    assert note.content == {"experience": "The accordion played by the lighthouse."}
    assert note.client.email == "juniper@lighthouse.example"
    assert note.addenda[0].text == "A tangerine was on the table."
    assert note.insights[0].client_words == "I fold zeppelin shapes"
    from integration.search import index
    from integration.search.query import parse_query
    from sqlalchemy import select
    match = index.note_match(db.engine.dialect.name, parse_query("lighthouse accordion"))
    found = db.session.scalars(select(Note.id).join(match.target, match.onclause).where(match.where)).all()
    assert found == [1]
    db.session.remove()

    flask_migrate.upgrade(revision="0029")  # nothing left to do: values already encrypted stay as they are
    assert _dump() == raw

    flask_migrate.downgrade(revision="0028")
    assert _rows("SELECT email, phone, emergency_contact FROM client") == [
        {"email": "juniper@lighthouse.example", "phone": "555 0100", "emergency_contact": "Ash (marmalade sister)"}]
    assert json.loads(_rows("SELECT CAST(content AS TEXT) AS c FROM note WHERE id = 1")[0]["c"]) == {
        "experience": "The accordion played by the lighthouse."}
    assert _rows("SELECT text FROM addendum") == [{"text": "A tangerine was on the table."}]
    tokens = " ".join(str(row["tokens"]) for row in _rows("SELECT tokens FROM note_search WHERE note_id = 1"))
    assert "lighthous" in tokens and "accordion" in tokens


def test_0029_encrypts_every_column_the_models_type_as_encrypted():
    """A column made encrypted in a model later needs a migration of its own; this one covers today's."""
    import importlib.util
    from pathlib import Path

    from integration.crypto.columns import encrypted_columns

    path = Path(__file__).resolve().parent.parent / "migrations" / "versions" / "0029_encryption_at_rest.py"
    spec = importlib.util.spec_from_file_location("migration_0029", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert sorted(migration.ENCRYPTED) == sorted(encrypted_columns(db.metadata))
