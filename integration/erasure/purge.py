"""Purging a client's record: every row that reaches the client through foreign keys, found from
the models' metadata, so tables that areas add later go too without an edit here.

A table "reaches" the client when one of its foreign keys points at client.id, or at a table that
reaches the client (a note's revisions, an insight's themes, a delivered PDF's links, the search
index's token rows). Rows are deleted children first (the reverse of `metadata.sorted_tables`),
each table by one DELETE whose WHERE names the client through its parents, so the parents must
still be there: the order matters and is the metadata's own.

Left alone on purpose: the audit log (no foreign key to client.id; append-only; ids and actions,
no clinical text) and purge_request (no foreign key either: the approved request is the tombstone).
Circle series, sessions and group notes belong to the circle, not to one member; the member's
enrolment, attendance and own notes go. SQLite's full-text tables (search/index.py) are not
models: their triggers forget a note's or an insight's tokens when its token row is deleted here.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, Table, delete, func, or_, select

from ..extensions import db

CLIENT_TABLE = "client"

# Plain words for the tables a person sees counted; others show their table name.
KIND_WORDS = {
    "client": "client record", "care_team_member": "care team memberships", "break_glass": "break-glass openings",
    "history_item": "history items", "goal": "goals", "goal_check_in": "goal check-ins",
    "dosing_session": "dosing sessions", "dosing_session_practitioner": "session practitioners",
    "note": "notes", "note_revision": "note revisions", "addendum": "addenda", "note_search": "note search entries",
    "insight": "insights", "insight_theme": "insight themes", "insight_goal": "insight–goal links",
    "insight_history_item": "insight–history links", "insight_search": "insight search entries",
    "plan": "plans", "plan_item": "plan items", "plan_item_goal": "plan item–goal links",
    "plan_item_insight": "plan item–insight links", "plan_export": "delivered PDFs and calendars",
    "share_link": "private links", "enrollment": "circle enrolments", "attendance": "circle attendance",
    "measure_response": "measures taken", "measure_schedule": "measure schedules", "measure_alert": "measure alerts",
    "vitals_reading": "vitals readings", "adverse_event": "adverse events", "consent": "signed consents",
    "safety_plan_version": "safety plan versions", "client_check_in": "check-ins sent by the client",
}


def kind_words(table: str) -> str:
    return KIND_WORDS.get(table, table.replace("_", " "))


def client_tables(metadata=None) -> list[tuple[Table, list]]:
    """Every table that reaches client.id, with its ways there [(column, the referenced column)],
    parents before children (client itself first, with no ways: its own id)."""
    metadata = metadata if metadata is not None else db.metadata
    client = metadata.tables[CLIENT_TABLE]
    reach: dict[Table, list] = {client: []}
    ordered = [client]
    for table in metadata.sorted_tables:
        if table is client:
            continue
        ways = [(fk.parent, fk.column) for fk in table.foreign_keys
                if fk.column.table is not table and fk.column.table in reach
                and (fk.column.table is not client or fk.column.name == "id")]
        if ways:
            reach[table] = ways
            ordered.append(table)
    return [(table, reach[table]) for table in ordered]


def _where(table: Table, ways_of: dict, client_id: int) -> ColumnElement:
    """The rows of `table` that belong to the client, through any of its ways there."""
    if not ways_of[table]:
        return table.c.id == client_id
    clauses = []
    for column, referenced in ways_of[table]:
        parent = referenced.table
        if parent.name == CLIENT_TABLE:
            clauses.append(column == client_id)
        else:
            clauses.append(column.in_(select(referenced).where(_where(parent, ways_of, client_id))))
    return or_(*clauses)


def dry_run(client_id: int) -> dict[str, int]:
    """What a purge would delete: {table: rows}, tables with no rows left out."""
    tables = client_tables()
    ways_of = dict(tables)
    counts = {}
    for table, _ in tables:
        found = db.session.scalar(select(func.count()).select_from(table).where(_where(table, ways_of, client_id)))
        if found:
            counts[table.name] = found
    return counts


def delete_everything(client_id: int) -> dict[str, int]:
    """Delete every row of the client, children first, in the caller's transaction: {table: rows}."""
    db.session.flush()
    tables = client_tables()
    ways_of = dict(tables)
    deleted = {}
    for table, _ in reversed(tables):
        result = db.session.execute(delete(table).where(_where(table, ways_of, client_id)))
        if result.rowcount:
            deleted[table.name] = result.rowcount
    db.session.expire_all()
    return deleted
