"""The practitioner's worklist: what waits for them across their clients, most urgent first.

Like the record's overview, it gathers from the areas through a signal (`signals.worklist`): notes
answer unsigned notes, sessions without a debrief, open integration windows and co-signatures; measures
answer alerts and measures due; dosing answers sessions recorded without consent
and planned sessions to record. Each receiver runs a fixed number of queries over every client at once,
so the page costs the same for 3 clients as for 300. The client list shows the same items counted per
client.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import Select, insert, select, union

from . import signals
from .audit.models import AuditEvent
from .clients.models import Client
from .clock import local_today, viewer_tz
from .extensions import db
from .permissions import READ_LEVELS, level, listed, reading_scopes

bp = Blueprint("worklist", __name__)

# kind -> (urgency: lower comes first, heading, badge). Alerts first: they are about safety.
KINDS = {
    "alert": (0, "Alerts to acknowledge", "Alert"),
    "reach_out": (0, "Clients who asked to be reached", "Reach out"),
    "no_consent": (1, "Sessions recorded without consent", "No consent"),
    "to_record": (2, "Planned sessions to record", "To record"),
    "no_debrief": (3, "Sessions without a debrief", "No debrief"),
    "unsigned": (4, "Your unsigned notes", "Unsigned"),
    "cosign": (5, "Co-signatures waiting", "Co-signature"),
    "due": (6, "Measures due", "Due"),
    "window": (7, "Integration windows open", "Window open"),
    "quiet": (7, "No check-in for two days", "No check-in"),
}


@dataclass(frozen=True)
class WorkItem:
    kind: str  # a KINDS key
    client_id: int
    client_name: str
    text: str
    detail: str = ""
    url: str | None = None
    since: date | None = None  # orders items of one kind: oldest first

    @property
    def urgency(self) -> int:
        return KINDS[self.kind][0]

    @property
    def badge(self) -> str:
        return KINDS[self.kind][2]


# A care team of up to this many clients is named by its ids in each statement (one array parameter on
# PostgreSQL); a longer one by its subquery, as before (on SQLite each id is a parameter).
LISTED_UP_TO = 5000
Clients = Select | list[int]


def team_scopes(only: Select | None = None) -> list[tuple[str, Clients]]:
    """The clients whose care team the signed-in user is on, by who they are there (a worklist is
    for the care team: an admin's reach and break-glass readings are not work waiting for them).
    `only` narrows to some client ids (a page of the client list).

    Listed once, by one query: each area's statements then name the clients instead of working out the
    care team again (nested subqueries that cost PostgreSQL 2-3 ms of planning a statement, and a
    client list page runs nine)."""
    scopes = [(reader, ids) for reader, ids in reading_scopes() if reader in ("clinician", "coach")]
    if only is not None:
        scopes = [(reader, select(Client.id).where(Client.id.in_(ids), Client.id.in_(only))) for reader, ids in scopes]
    found = listed([ids for _, ids in scopes], LISTED_UP_TO)
    return [(reader, ids if named is None else named) for (reader, ids), named in zip(scopes, found)]


def clients_reading(scopes: list[tuple[str, Clients]], kind: str, levels=READ_LEVELS) -> Clients:
    """Of these scopes, the clients where the reader's level on `kind` is one of `levels`: listed if
    every scope is (for permissions.among), else a select of their ids."""
    chosen = [ids for reader, ids in scopes if level(kind, reader) in levels]
    if all(isinstance(ids, list) for ids in chosen):
        return sorted(set().union(*chosen))
    selects = [ids if isinstance(ids, Select) else select(Client.id).where(Client.id.in_(ids)) for ids in chosen]
    return union(*selects) if len(selects) > 1 else selects[0]


def work_items(scopes: list[tuple[str, Select]], today: date) -> list[WorkItem]:
    items = signals.gather(signals.worklist, current_user._get_current_object(), scopes=scopes, today=today)
    return sorted(items, key=lambda i: (i.urgency, i.since or date.min, i.client_name, i.text))


def counts_by_client(client_ids: list[int]) -> dict[int, Counter]:
    """For the client list: how many items of each kind wait on each of these clients."""
    if not client_ids:
        return {}
    only = select(Client.id).where(Client.id.in_(client_ids))
    counts: dict[int, Counter] = {}
    for item in work_items(team_scopes(only), local_today(viewer_tz())):
        counts.setdefault(item.client_id, Counter())[item.kind] += 1
    return counts


# A kind shows this many items at most, so the page stays one a person can read (and a page that does
# not grow with the caseload); the rest are counted and wait on each client's own record.
SHOWN_PER_KIND = 30


@bp.route("/worklist")
@login_required
def index():
    items = work_items(team_scopes(), local_today(viewer_tz()))
    sections = []
    for kind, (_, heading, _) in KINDS.items():
        found = [i for i in items if i.kind == kind]
        if found:
            sections.append((kind, heading, found[:SHOWN_PER_KIND], len(found)))
    shown = sorted({item.client_id for _, _, found, _ in sections for item in found})
    if shown:
        _audit_views(shown)
    return render_template("worklist.html", sections=sections)


def _audit_views(client_ids: list[int]) -> None:
    """The worklist shows part of each of these records (an alert's words, a session's date): one audit
    row each, written as one multi-row INSERT so the page's queries stay constant (audit.log.record_many
    writes one statement per client)."""
    row = {"action": "view", "user_id": current_user.id, "practice_id": current_user.practice_id,
           "object_type": "", "object_id": None, "remote_addr": (request.remote_addr or "")[:64], "detail": "worklist"}
    db.session.execute(insert(AuditEvent), [{**row, "client_id": client_id} for client_id in client_ids])
    db.session.commit()
