"""Clinical text encrypted at rest (issue 15, point 1): the database holds no typed word, in the
encrypted columns or in the search index, and the app reads, finds and highlights everything as before;
keys are read or made apart from the database, rotated, and a wrong one is a clear error."""
import json
import os
import stat

import pytest
from sqlalchemy import text

from integration import create_app
from integration.crypto import EncryptionKeyError
from integration.crypto.keys import PREFIX, Keyring, key_id, new_key_text
from integration.extensions import db
from integration.notes.models import Addendum, Note
from tests.conftest import SETTINGS
from tests.factories import (CheckInFactory, ClientFactory, DosingSessionFactory, GoalFactory, HistoryItemFactory, InsightFactory,
                             NoteFactory, UserFactory)

TYPED = {"lighthouse", "marmalade", "accordion", "tangerine", "origami", "zeppelin", "carousel", "lanternfish",
         "quince", "juniper", "harbour", "0100"}


@pytest.fixture
def record(therapist):
    """A client whose every encrypted field holds words that appear nowhere else."""
    client = ClientFactory.for_team(therapist, first_name="Wren", email="wren@juniper.example", phone="555 0100",
                                    emergency_contact="Ash, the quince sister")
    note = NoteFactory.signed(client=client, author=therapist, text="The lighthouse and the accordion by the harbour.")
    db.session.add(note.new_addendum(author_id=therapist.id, reason="late", text="A tangerine on the table."))
    InsightFactory(note=note, text="Origami slows the hands.", client_words="I fold zeppelin shapes")
    goal = GoalFactory(client=client, why="The carousel never stops.", how_we_know="Fewer quince nights.")
    CheckInFactory(goal=goal, note="Carousel slower this week.")
    session = DosingSessionFactory(client=client, intention="To meet the lighthouse keeper.", notes="Origami after.",
                                   notes_before_vitals="BP fine, quince tea.", discharged_with="Juniper, a friend")
    _safety_record(client, session, therapist)
    HistoryItemFactory(client=client, detail="Lanternfish in the harbour, marmalade at breakfast.")
    NoteFactory(client=client, author=therapist, text="Harbour walks again; the lighthouse at dusk.")
    db.session.commit()
    return client


def _safety_record(client, session, therapist) -> None:
    """The dosing, measures, safety plan and check-in parts, each holding typed words (issue 12, 13)."""
    from integration.checkins.models import ClientCheckIn
    from integration.dosing.models import AdverseEvent
    from integration.measures.models import MeasureAlert
    from integration.safetyplans.models import SafetyPlanVersion
    from tests.factories import practice_today

    link = _share_link(client, therapist)
    db.session.add_all([
        AdverseEvent(client_id=client.id, dosing_session_id=session.id, kind="other", severity="mild",
                     detail="Felt like a carousel", action="Sat with the accordion music off"),
        MeasureAlert(client_id=client.id, kind="item9", detail="PHQ-9 item 9", acknowledgement="Called; marmalade plan"),
        SafetyPlanVersion(client_id=client.id, number=1, steps={"warning_signs": "Zeppelin thoughts"},
                          change_note="Written with the tangerine list", created_by_id=therapist.id),
        ClientCheckIn(client_id=client.id, share_link_id=link.id, checked_on=practice_today(), mood=6, sleep="well",
                      stayed_with="The lanternfish dream", comment="Origami again?")])


def _share_link(client, therapist):
    from datetime import datetime, timedelta

    from integration.plans.models import Plan, PlanExport, ShareLink

    plan = Plan(client_id=client.id, start_date=datetime.now().date(), created_by_id=therapist.id)
    export = PlanExport(plan=plan, client_id=client.id, version=1, pdf=b"%PDF-1.7", size=8, sha256="0" * 64,
                        ics=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", ics_sha256="1" * 64)
    link = ShareLink(export=export, client_id=client.id, token_hash="0" * 64,
                     expires_at=datetime.now() + timedelta(days=14))
    db.session.add_all([plan, export, link])
    db.session.flush()
    return link


def _raw(sql: str) -> str:
    with db.engine.connect() as connection:
        return "\n".join(str(value) for row in connection.execute(text(sql)) for value in row).lower()


ENCRYPTED_COLUMNS = [("client", "email, phone, emergency_contact"), ("note", "CAST(content AS TEXT), search_text"),
                     ("note_revision", "CAST(content AS TEXT)"), ("addendum", "text"),
                     ("insight", "text, client_words"), ("goal", "why, how_we_know"), ("goal_check_in", "note"),
                     ("history_item", "detail"),
                     ("dosing_session", "intention, notes, notes_before_vitals, discharged_with"),
                     ("adverse_event", "detail, action"), ("measure_alert", "acknowledgement"),
                     ("safety_plan_version", "CAST(steps AS TEXT), change_note"),
                     ("client_check_in", "stayed_with, comment")]


@pytest.mark.parametrize("table, columns", ENCRYPTED_COLUMNS, ids=[table for table, _ in ENCRYPTED_COLUMNS])
def test_the_raw_rows_hold_none_of_the_typed_words(app, record, table, columns):
    raw = _raw(f"SELECT {columns} FROM {table}")
    assert raw.strip(), f"{table} has rows"
    assert not [word for word in TYPED if word in raw]
    assert PREFIX in raw


def test_the_search_index_holds_no_typed_word(app, record):
    raw = _raw("SELECT tokens FROM note_search") + _raw("SELECT everything, words FROM insight_search")
    assert not [word for word in TYPED | {"lighthous", "harbour", "accordion", "slow"} if word in raw]
    if db.engine.dialect.name == "sqlite":  # FTS5's own pages hold its vocabulary
        with db.engine.connect() as connection:
            pages = b"".join(bytes(row[0]) for row in connection.execute(text("SELECT block FROM note_search_fts_data"))
                             if row[0] is not None)
        assert b"lighthous" not in pages and b"harbour" not in pages and b"accordion" not in pages


def test_the_app_reads_every_field_back(app, record):
    db.session.expire_all()
    assert (record.email, record.phone, record.emergency_contact) == (
        "wren@juniper.example", "555 0100", "Ash, the quince sister")
    note = db.session.scalars(db.select(Note).where(Note.client_id == record.id, Note.status == "signed")).one()
    assert "lighthouse and the accordion" in json.dumps(note.content)
    assert note.addenda[0].text == "A tangerine on the table."
    assert note.insights[0].client_words == "I fold zeppelin shapes"


def test_empty_stays_empty_so_blank_filters_work(app, therapist):
    client = ClientFactory.for_team(therapist, email="", phone="")
    assert _raw(f"SELECT email, phone FROM client WHERE id = {client.id}") == "\n"


@pytest.mark.parametrize("query, shown, not_shown", [
    ("accordion", ["The lighthouse and the <mark>accordion</mark> by the harbour."], ["Harbour walks"]),  # rare
    ("harbour", ["<mark>Harbour</mark> walks again", "accordion by the <mark>harbour</mark>"], []),  # in both
    ('"lighthouse at dusk"', ["the <mark>lighthouse</mark> <mark>at</mark> <mark>dusk</mark>"], ["accordion"]),
], ids=["rare", "common", "phrase"])
def test_search_still_finds_and_highlights(client, auth, therapist, record, query, shown, not_shown):
    auth.login(therapist)
    page = client.get(f"/clients/{record.id}/search", query_string={"q": query}).get_data(as_text=True)
    assert all(snippet in page for snippet in shown), page
    assert not any(words in page for words in not_shown)


def test_a_missing_key_is_a_clear_error_not_garbage(make_app, app, record):
    other = make_app(ENCRYPTION_KEYS=new_key_text())
    with other.app_context():
        with pytest.raises(EncryptionKeyError, match=f"encrypted with key {key_id(SETTINGS['ENCRYPTION_KEYS'])}, "
                                                     "which is not among the keys"):
            db.session.scalars(db.select(Addendum)).all()


def test_a_changed_value_is_refused_not_decrypted():
    ring = Keyring([new_key_text()])
    stored = ring.encrypt("lighthouse")
    forged = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    with pytest.raises(EncryptionKeyError, match="does not decrypt"):
        ring.decrypt(forged)


def test_a_malformed_key_stops_the_app_with_its_reason(tmp_path):
    with pytest.raises(EncryptionKeyError, match="ENCRYPTION_KEYS: a key is not valid"):
        create_app({**SETTINGS, "ENCRYPTION_KEYS": "not-a-key", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_without_settings_the_keys_are_made_once_in_instance_mode_600(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    settings = {**SETTINGS, "ENCRYPTION_KEYS": "", "SEARCH_INDEX_KEY": "",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}
    first = create_app(settings)
    keys, index_key = (tmp_path / "encryption_keys").read_text(), (tmp_path / "search_index_key").read_text()
    for name in ("encryption_keys", "search_index_key"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600
    assert keys != index_key and SETTINGS["SECRET_KEY"] not in keys
    second = create_app(settings)  # a second worker reads the same keys
    assert (tmp_path / "encryption_keys").read_text() == keys
    assert (first.extensions["crypto"]["keyring"].primary == second.extensions["crypto"]["keyring"].primary
            == key_id(keys.strip()))


def test_rotation_puts_everything_under_the_new_key_and_the_old_one_can_go(make_app, app, therapist, record):
    old, new = SETTINGS["ENCRYPTION_KEYS"], new_key_text()
    email, search_url = therapist.email, f"/clients/{record.id}/search"  # read now: later the old key is gone
    both = make_app(ENCRYPTION_KEYS=f"{new},{old}")
    with both.app_context():
        result = both.test_cli_runner().invoke(args=["rotate-keys", "--batch", "2"])
        assert result.exit_code == 0, result.output
        assert "client.email: 1 of 1 read, 1 re-encrypted" in result.output  # progress, table by table
        assert "Done:" in result.output
        again = both.test_cli_runner().invoke(args=["rotate-keys"])  # idempotent: nothing left to do
        assert "Done: 0 values re-encrypted" in again.output
    raw = _raw("SELECT email, phone, emergency_contact FROM client WHERE email != ''") + _raw(
        "SELECT text FROM addendum") + _raw("SELECT CAST(content AS TEXT) FROM note")
    assert f"{PREFIX}{key_id(new)}:" in raw and f"{PREFIX}{key_id(old)}:" not in raw
    only_new = make_app(ENCRYPTION_KEYS=new, WTF_CSRF_ENABLED=False)
    with only_new.app_context():
        assert db.session.scalars(db.select(Addendum)).one().text == "A tangerine on the table."
    http = only_new.test_client()
    from tests.factories import PASSWORD
    http.post("/login", data={"email": email, "password": PASSWORD})
    page = http.get(search_url, query_string={"q": "accordion"})
    assert "<mark>accordion</mark>" in page.get_data(as_text=True)


def test_a_new_search_key_finds_nothing_until_the_index_is_rebuilt(make_app, app, therapist, record):
    rekeyed = make_app(SEARCH_INDEX_KEY=new_key_text())
    from tests.factories import PASSWORD
    http = rekeyed.test_client()
    http.post("/login", data={"email": therapist.email, "password": PASSWORD})
    url = f"/clients/{record.id}/search"
    assert "<mark>accordion</mark>" not in http.get(url, query_string={"q": "accordion"}).get_data(as_text=True)
    with rekeyed.app_context():
        result = rekeyed.test_cli_runner().invoke(args=["reindex-search", "--batch", "1"])
    assert result.exit_code == 0 and "notes: 2 of 2 indexed" in result.output, result.output
    assert "<mark>accordion</mark>" in http.get(url, query_string={"q": "accordion"}).get_data(as_text=True)


def test_names_stay_plaintext_for_sorting_and_finding_by_name(app, record):
    assert "wren" in _raw(f"SELECT first_name FROM client WHERE id = {record.id}")


def test_the_key_command_prints_a_fresh_key(runner):
    first, second = (runner.invoke(args=["encryption-key"]).output.strip() for _ in range(2))
    assert first != second and Keyring([first]).decrypt(Keyring([first]).encrypt("x")) == "x"


def test_another_user_of_the_same_practice_is_unaffected(app, record, therapist):
    UserFactory(practice_id=therapist.practice_id)  # nothing about users is encrypted
    assert _raw("SELECT email FROM \"user\"").count("@") >= 2
