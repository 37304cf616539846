"""Who may do what: the capability matrix, the one access rule and the loaders built on it.

Every view that touches a client's record reaches the client through `get_client_or_404` (usually
via `@client_scoped`), and every child object through `child_or_404(model, client, id)` — never by
id alone. Circle pages reach their series through `series_or_404`. Anything outside the rule is a
404, so nobody learns whether another practice's client exists. `tests/test_access.py` walks the
url_map to prove that no route skips it.

The matrix (`CAPABILITIES`) is the single place that says which role may do what beyond the care
team rule; views (`requires`), templates (`can`) and queries read it, and the README prints it.

Minimum necessary (45 CFR 164.502(b)): reaching a client is not reading all of the record. `CONTENT`
says, for each kind of content of a record, how far each *reader* may go: a clinician on the care
team, a coach on the care team, a practice admin, and an admin who opened the record by break-glass.
`reader_of(client)` says who the signed-in user is on that record; `may`, `@reads`/`@writes` (under
`@client_scoped`), the item checks (`may_read_note`, `may_read_item`, `insight_view`) and the query
clauses (`readable_notes`, `readable_items`, `readable_insights`, `reading_scopes`) all read `CONTENT`.
"""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import abort, g, make_response
from flask_login import current_user, login_required
from sqlalchemy import (ARRAY, ColumnElement, Integer, Select, and_, any_, bindparam, exists, false, literal_column,
                        or_, select, union, union_all)
from sqlalchemy.orm import aliased

from .audit.log import record, record_shown
from .auth.models import ROLES
from .clients.models import BreakGlass, CareTeamMember, Client, Goal
from .clock import utcnow
from .extensions import db
from .groups.models import GroupSeries, group_series_facilitator
from .notes.models import DISCARD_KEEP_DAYS, Insight, Note

# capability -> (what it allows, the roles that have it). Everyone else does not.
CAPABILITIES: dict[str, tuple[str, frozenset[str]]] = {
    "practice.manage": ("Team, practice settings, plan settings, the audit log", frozenset({"admin"})),
    "templates.manage": ("Note templates: prompts and starting text for the sections of a kind of note",
                         frozenset({"admin"})),
    "clients.create": ("Add a client (and join their care team)", frozenset({"admin", "therapist", "coach"})),
    "clients.reach_all": ("Open any client of the practice without being on the care team",
                          frozenset({"admin"})),
    "care_team.manage": ("Add and remove care team members", frozenset({"admin"})),
    "circles.start": ("Start a circle (and facilitate it)", frozenset({"admin", "therapist", "coach"})),
    "circles.reach_all": ("Open any circle of the practice without facilitating it", frozenset({"admin"})),
    "library.add": ("Add practices to the practice library", frozenset({"admin", "therapist", "coach"})),
    "library.edit_any": ("Edit or retire any library entry (others: only the ones they wrote)",
                         frozenset({"admin"})),
    "records.close": ("Close a client's record they reach (read-only for everyone from then on)",
                      frozenset({"admin", "therapist"})),
    "records.reopen": ("Reopen a closed record", frozenset({"admin"})),
    "records.purge": ("Ask to purge a closed record past retention, approve another admin's request, "
                      "set the retention period", frozenset({"admin"})),
}


def can(capability: str, user=None) -> bool:
    """Whether the user (by default the signed-in one) holds this capability."""
    user = user if user is not None else current_user
    _, roles = CAPABILITIES[capability]
    return bool(getattr(user, "is_authenticated", False)) and user.role in roles


def requires(capability: str):
    """Decorate a view that needs a capability; without it the page answers 404, as if absent."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not can(capability):
                abort(404)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def matrix_markdown() -> str:
    """The capability matrix and the content matrix as the README's Markdown tables (a test keeps
    the README in step)."""
    roles = list(ROLES)
    lines = ["| capability | what it allows | " + " | ".join(ROLES[r] for r in roles) + " |",
             "|---|---|" + "---|" * len(roles)]
    for name, (allows, holders) in CAPABILITIES.items():
        marks = " | ".join("yes" if role in holders else "—" for role in roles)
        lines.append(f"| `{name}` | {allows} | {marks} |")
    lines += ["", "What each reader of a client's record may do with each kind of content:", "",
              "| content | what it is | " + " | ".join(READERS.values()) + " |",
              "|---|---|" + "---|" * len(READERS)]
    for kind, (what, levels) in CONTENT.items():
        marks = " | ".join(LEVELS[levels.get(reader, "")] for reader in READERS)
        lines.append(f"| `{kind}` | {what} | {marks} |")
    return "\n".join(lines)


def _one_or_404(query: Select):
    """The one row the query finds, or a 404 that says nothing about why."""
    found = db.session.scalar(query)
    if found is None:
        abort(404)
    return found


# --- clients: the one access rule -------------------------------------------------------------

def accessible_clients() -> Select:
    """A query for the clients the signed-in user may see: their care team's, within their practice."""
    query = select(Client).where(Client.practice_id == current_user.practice_id)
    if not can("clients.reach_all"):
        on_team = select(CareTeamMember.client_id).where(CareTeamMember.user_id == current_user.id)
        query = query.where(Client.id.in_(on_team))
    return query


def get_client_or_404(client_id: int) -> Client:
    """The client with this id if the signed-in user may reach it.

    :raise 404: when it does not exist or the user may not reach it.
    """
    return _one_or_404(accessible_clients().where(Client.id == client_id))


def client_scoped(view=None, *, audit_views: bool = True):
    """Decorate every view whose URL has <client_id>: resolves it by the access rule.

    The view receives `client=` instead of `client_id=`. Every answer that shows part of the
    record (a page, a fragment, a file; a 422 re-render or a refusal page as much as a GET) is
    written to the audit log here as a "view", so no view can forget it; changes are recorded by
    the view next to the change, and a request that recorded one writes no second row. A view
    that writes a more precise event for what it shows (a download) passes audit_views=False.
    """
    if view is None:
        return lambda inner: client_scoped(inner, audit_views=audit_views)

    @wraps(view)
    @login_required
    def wrapper(client_id: int, **kwargs):
        client = get_client_or_404(client_id)
        response = make_response(view(client=client, **kwargs))
        if audit_views:
            record_shown(response, client=client)
        return response

    wrapper.client_scoped = True
    wrapper.audits_views = audit_views
    return wrapper


def child_or_404(model, client: Client, object_id: int, *options):
    """A client-scoped object loaded by (client, id), never by id alone, with optional eager loads.

    :raise 404: when it does not exist or belongs to another client.
    """
    return _one_or_404(select(model).where(model.id == object_id, model.client_id == client.id).options(*options))


def practice_object_or_404(model, object_id: int, *options):
    """An object of the signed-in user's practice (a team member, a library entry), by id.

    :raise 404: when it does not exist or belongs to another practice.
    """
    return _one_or_404(select(model).where(model.id == object_id, model.practice_id == current_user.practice_id)
                       .options(*options))


# --- circles ---------------------------------------------------------------------------------

def visible_series() -> Select:
    """A query for the series the signed-in user runs (every one of the practice's, for an admin)."""
    query = select(GroupSeries).where(GroupSeries.practice_id == current_user.practice_id)
    if not can("circles.reach_all"):
        mine = select(group_series_facilitator.c.series_id).where(
            group_series_facilitator.c.user_id == current_user.id)
        query = query.where(GroupSeries.id.in_(mine))
    return query


def series_or_404(series_id: int, *options) -> GroupSeries:
    """The series if the signed-in user facilitates it or may reach every circle.

    :raise 404: when it does not exist, belongs to another practice, or the user does not run it.
    """
    return _one_or_404(visible_series().where(GroupSeries.id == series_id).options(*options))


def series_child_or_404(model, series: GroupSeries, object_id: int, *options):
    """A session or enrolment loaded by (series, id), never by id alone.

    :raise 404: when it does not exist or belongs to another series.
    """
    return _one_or_404(select(model).where(model.id == object_id, model.series_id == series.id).options(*options))


def can_open_series(series: GroupSeries) -> bool:
    """Whether the signed-in user may open this series' pages (for links from a client's record)."""
    return series.practice_id == current_user.practice_id and (
        can("circles.reach_all") or any(u.id == current_user.id for u in series.facilitators))


def facilitates(series: GroupSeries) -> bool:
    """Whether the signed-in user facilitates this series (the group note is theirs alone)."""
    return any(u.id == current_user.id for u in series.facilitators)


def group_scoped(view):
    """Decorate every view whose URL has <series_id>: the view receives `series=`; every answer
    that shows the circle's pages is audited, as client_scoped does for a client's record."""

    @wraps(view)
    @login_required
    def wrapper(series_id: int, **kwargs):
        series = series_or_404(series_id)
        response = make_response(view(series=series, **kwargs))
        record_shown(response, obj=series)
        return response

    wrapper.group_scoped = True
    return wrapper


# --- the practice library --------------------------------------------------------------------

def may_change_library_entry(entry) -> bool:
    """Editing or retiring a library entry: anyone with library.edit_any, else its own author."""
    return can("library.edit_any") or (entry.created_by_id is not None and entry.created_by_id == current_user.id)


# --- minimum necessary: who reads what of a client's record ------------------------------------

# Who someone is on one client's record (reader_of). Facilitators of a circle who are not on a
# member's care team are none of these: they reach the member's name and attendance on the circle's
# pages only, never the record.
READERS = {
    "clinician": "Clinician on the care team",
    "coach": "Coach on the care team",
    "admin": "Practice admin",
    "break_glass": "Admin with break-glass",
}
# How far a reader may go with one kind of content.
LEVELS = {
    "write": "read and write",
    "read": "read",
    "shared": "what a clinician shared",
    "own": "the author only",
    "": "—",
}
READ_LEVELS = ("write", "read")
BREAK_GLASS_MINUTES = 60


def _levels(clinician: str = "", coach: str = "", admin: str = "", break_glass: str = "") -> dict[str, str]:
    return {"clinician": clinician, "coach": coach, "admin": admin, "break_glass": break_glass}


# kind of content -> (what it is, level by reader). Break-glass reads the clinical record, never writes it.
CONTENT: dict[str, tuple[str, dict[str, str]]] = {
    "details": ("Name, preferred name, pronouns, contacts, care team",
                _levels("write", "write", "write", "write")),
    "goals": ("Goals not marked sensitive, their check-ins and score trend",
              _levels("write", "write", "", "read")),
    "goals.sensitive": ("Goals marked sensitive", _levels("write", "shared", "", "read")),
    "history": ("Personal history not marked sensitive", _levels("write", "read", "", "read")),
    "history.sensitive": ("Personal history marked sensitive", _levels("write", "shared", "", "read")),
    "sessions": ("Dosing sessions: medicine, route, dose, setting, intention; vitals, sedation and dissociation, "
                 "adverse events, discharge; consent to treatment",
                 _levels("write", "", "", "read")),
    "notes.clinical": ("Debriefs, integration and circle notes, safety checks included",
                       _levels("write", "", "", "read")),
    "notes.coaching": ("Coaching notes (focus, what we practised, next step)",
                       _levels("read", "write", "", "read")),
    "notes.process": ("Private process notes (psychotherapy notes, 45 CFR 164.501)", _levels("own")),
    "insights": ("Insights: the practitioner's statement, themes and links", _levels("write", "", "", "read")),
    "insights.shared": ("The client's words of insights a clinician marked “may be shared”",
                        _levels("write", "read", "", "read")),
    "plans": ("Plans: build, preview, finalize, deliver", _levels("write", "write", "", "read")),
    "circles": ("Circle attendance on the record", _levels("read", "read", "read", "read")),
    "measures": ("Measures item by item (PHQ-9, GAD-7, PCL-5, the practice's own), alerts and their "
                 "acknowledgements, schedules", _levels("write", "", "", "read")),
    "measures.scores": ("Measures' total scores over time: the trend, without items or alerts",
                        _levels("write", "read", "", "read")),
    # Right of access (45 CFR 164.524): a copy of the whole record for the client, made by a clinician
    # on the care team. Break-glass is for an emergency, not for releasing a record. Process notes
    # are never in it (exports/record.py).
    "export": ("The client's record exported for them: a PDF and a FHIR bundle (private process notes "
               "never included)", _levels("read")),
    "safety_plan": ("Safety plan: the six steps and reasons for living, written with the client, every version",
                    _levels("write", "", "", "read")),
    "checkins": ("Check-ins the client sent through their private link: mood, sleep, plan practices done",
                 _levels("write", "read", "", "read")),
    "checkins.words": ("The client's own line in a check-in and their requests to be reached",
                       _levels("write", "", "", "read")),
}
# Which kind of content each kind of note is.
NOTE_CONTENT = {"debrief": "notes.clinical", "integration": "notes.clinical", "group": "notes.clinical",
                "coaching": "notes.coaching", "process": "notes.process"}
# Which kinds of note a reader starts from the record's "new note" page (circle notes start from a circle).
NEW_NOTE_KINDS = ("debrief", "integration", "coaching", "process")


def level(kind: str, reader: str | None) -> str:
    """How far this reader may go with this kind of content ("" for not at all)."""
    return CONTENT[kind][1].get(reader, "") if reader else ""


def reader_of(client: Client, user=None) -> str | None:
    """Who the user (by default the signed-in one) is on this client's record, or None if nobody.

    A clinician or a coach on the care team; an admin reads as a clinician when they are one and on
    the care team, as "break_glass" while a break-glass they opened is running, else as "admin".
    """
    user = user if user is not None else current_user
    if not getattr(user, "is_authenticated", False) or user.practice_id != client.practice_id:
        return None
    cache = g.setdefault("readers", {})
    key = (user.id, client.id)
    if key not in cache:
        cache[key] = _reader(client, user)
    return cache[key]


def _reader(client: Client, user) -> str | None:
    on_team = any(member.user_id == user.id for member in client.care_team)  # pages show the team anyway
    if on_team and user.is_clinician:
        return "clinician"
    if on_team and user.role == "coach":
        return "coach"
    if user.role == "admin":
        return "break_glass" if open_break_glass(client, user) is not None else "admin"
    return None


def may(action: str, kind: str, client: Client) -> bool:
    """Whether the signed-in user may "read" or "write" this kind of content on this client's record.

    "shared" and "own" levels answer yes here (some items may be readable); the item checks decide.
    A closed record is read-only for everyone.
    """
    found = level(kind, reader_of(client))
    return bool(found) if action == "read" else found in ("write", "own") and not is_closed(client)


def is_closed(client: Client) -> bool:
    """A closed record (erasure/lifecycle.py) takes no new notes, plans, links or changes from anyone."""
    return client.status == "closed"


def _content_rule(action: str, kinds: tuple[str, ...]):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, client, **kwargs):
            if not any(may(action, kind, client) for kind in kinds):
                abort(404)
            return view(*args, client=client, **kwargs)

        wrapper.content = (action, kinds)
        return wrapper

    return decorate


def reads(*kinds: str):
    """Under @client_scoped: the view shows one of these kinds of content; others get a 404."""
    return _content_rule("read", kinds)


def writes(*kinds: str):
    """Under @client_scoped: the view changes one of these kinds of content; others get a 404."""
    return _content_rule("write", kinds)


# --- notes, history and goals, insights: item by item and as query clauses

def may_read_note(note, client: Client | None = None) -> bool:
    """A note's author always reads it; others as CONTENT says for its kind (process notes: nobody)."""
    if note.author_id == current_user.id:
        return True
    return level(NOTE_CONTENT.get(note.kind, "notes.clinical"), reader_of(client or note.client)) in READ_LEVELS


def may_write_note(note, client: Client | None = None) -> bool:
    """Saving a draft or adding an addendum: writers of its kind on the care team, and its author."""
    reader = reader_of(client or note.client)
    if reader not in ("clinician", "coach") or is_closed(client or note.client):
        return False
    return note.author_id == current_user.id or level(NOTE_CONTENT.get(note.kind, "notes.clinical"),
                                                      reader) == "write"


def note_kinds_to_start(client: Client) -> list[str]:
    """The kinds of note the signed-in user may start on this record."""
    return [kind for kind in NEW_NOTE_KINDS if may("write", NOTE_CONTENT[kind], client)]


def readable_notes(reader: str | None, note=Note):
    """A clause on Note (or an alias of it): the notes this reader may read (their own always,
    process notes only then)."""
    kinds = [kind for kind, content in NOTE_CONTENT.items() if level(content, reader) in READ_LEVELS]
    # A discarded draft is out of the record for everyone, its author included (their own list of
    # discarded drafts reads them through discarded_note_or_404's query instead).
    own = note.author_id == current_user.id
    # A reader of no kind (an admin) reads their own notes: a plain `author_id = …`, which the planner
    # answers from ix_note_author_id (an empty IN inside the OR hid it from SQLite's).
    return and_(note.status != "discarded", or_(note.kind.in_(kinds), own) if kinds else own)


def _item_kinds(model) -> tuple[str, str]:
    return ("goals", "goals.sensitive") if model is Goal else ("history", "history.sensitive")


def readable_items(model, reader: str | None):
    """A clause on Goal or HistoryItem: the ones this reader may see (sensitive ones only if shared)."""
    plain, sensitive = (level(kind, reader) for kind in _item_kinds(model))
    shown = []
    if plain:
        shown.append(model.sensitive.is_(False))
    if sensitive in READ_LEVELS:
        shown.append(model.sensitive.is_(True))
    elif sensitive == "shared":
        shown.append(and_(model.sensitive.is_(True), model.shared_with_coach.is_(True)))
    return or_(*shown) if shown else false()


def may_read_item(item, client: Client | None = None) -> bool:
    """A goal or history item: by its sensitivity, and for "shared" levels whether a clinician shared it."""
    plain, sensitive = _item_kinds(type(item))
    found = level(sensitive if item.sensitive else plain, reader_of(client or item.client))
    return found in READ_LEVELS or (found == "shared" and item.shared_with_coach)


def may_write_item(item, client: Client | None = None) -> bool:
    if is_closed(client or item.client):
        return False
    plain, sensitive = _item_kinds(type(item))
    return level(sensitive if item.sensitive else plain, reader_of(client or item.client)) == "write"


def item_or_404(model, client: Client, object_id: int, *options, write: bool = False):
    """A goal or history item by (client, id) that the signed-in user may read (or change).

    :raise 404: when it does not exist, belongs to another client, or is not theirs to see.
    """
    item = child_or_404(model, client, object_id, *options)
    if not (may_write_item(item, client) if write else may_read_item(item, client)):
        abort(404)
    return item


def note_or_404(client: Client, note_id: int, *options, write: bool = False) -> Note:
    """A note by (client, id) that the signed-in user may read (or save, add to).

    :raise 404: when it does not exist, belongs to another client, or is not theirs to see.
    """
    note = child_or_404(Note, client, note_id, *options)
    if note.is_discarded or not (may_write_note(note, client) if write else may_read_note(note, client)):
        abort(404)
    return note


def discarded_drafts(client: Client) -> Select:
    """A query for the signed-in user's own discarded drafts on this record that may still be restored."""
    since = utcnow() - timedelta(days=DISCARD_KEEP_DAYS)
    return select(Note).where(Note.client_id == client.id, Note.status == "discarded",
                              Note.author_id == current_user.id, Note.discarded_at > since)


def discarded_note_or_404(client: Client, note_id: int) -> Note:
    """One of the signed-in user's discarded drafts on this record, while it may be restored.

    :raise 404: when it does not exist, is not discarded, is someone else's, or was discarded more
        than DISCARD_KEEP_DAYS days ago (after that it is no longer offered).
    """
    note = _one_or_404(discarded_drafts(client).where(Note.id == note_id))
    if not may_write_note(note, client):  # they may since have left the care team
        abort(404)
    return note


def may_mark_sensitive(client: Client) -> bool:
    """Marking history and goals sensitive, and sharing them with the coach, is for clinicians."""
    return may("write", "history.sensitive", client)


def insight_view(insight, client: Client | None = None) -> str | None:
    """"full" (statement, words, themes, links), "words" (the client's words only) or None."""
    client = client or insight.note.client
    reader = reader_of(client)
    if insight.removed_at is not None or insight.note.is_discarded:
        return None
    if level("insights", reader) in READ_LEVELS and may_read_note(insight.note, client):
        return "full"
    if level("insights.shared", reader) in READ_LEVELS and insight.shared_with_coach \
            and (insight.client_words or "").strip() and not insight.is_retracted:
        return "words"
    return None


def readable_insights(reader: str | None):
    """A clause on Insight: the insights this reader sees in full, or by the client's words.

    Never one removed from its draft; a retracted one only in full (struck through, with its reason).
    """
    note = aliased(Note)  # the caller's query may join Note itself
    if level("insights", reader) in READ_LEVELS:
        return and_(Insight.removed_at.is_(None), exists().where(note.id == Insight.note_id,
                                                                 readable_notes(reader, note)))
    if level("insights.shared", reader) in READ_LEVELS:
        return and_(Insight.removed_at.is_(None), Insight.retracted_at.is_(None),
                    Insight.shared_with_coach.is_(True), Insight.client_words != "",
                    exists().where(note.id == Insight.note_id, note.status != "discarded"))
    return false()


def plannable_insights():
    """A clause on Insight for plans: neither removed nor retracted (nor on a discarded draft)."""
    return and_(Insight.removed_at.is_(None), Insight.retracted_at.is_(None))


def reading_scopes() -> list[tuple[str, Select]]:
    """Every client the signed-in user reaches, split by who they are there: [(reader, client ids)].

    For pages across clients (search, circle pages), which must read as the record does.
    """
    me = current_user
    # From the person's own care-team rows, each client checked to be of their practice by EXISTS: SQLite
    # then cannot start at every client of the practice (ix_client_practice_id, its choice for a join
    # with no statistics: 2 ms at 5,000 clients, and a search's statement reads this list up to eight
    # times; 0.1 ms this way), and PostgreSQL estimates the list from the person's own rows (an
    # expression such as `practice_id + 0` it guessed at 25 clients of 5,005, and tested every note of
    # a 5,000-client team one by one: 1 s a search instead of a GIN bitmap).
    of_practice = exists().where(Client.id == CareTeamMember.client_id, Client.practice_id == me.practice_id)
    team = select(CareTeamMember.client_id).where(CareTeamMember.user_id == me.id, of_practice)
    scopes = []
    if me.is_clinician:
        scopes.append(("clinician", team))
    elif me.role == "coach":
        scopes.append(("coach", team))
    if me.role == "admin":
        now = utcnow()
        grants = (select(BreakGlass.client_id).join(Client, Client.id == BreakGlass.client_id)
                  .where(Client.practice_id == me.practice_id, BreakGlass.user_id == me.id,
                         BreakGlass.opened_at <= now, BreakGlass.expires_at > now))
        if me.is_clinician:
            grants = grants.where(BreakGlass.client_id.not_in(team))
        rest = select(Client.id).where(Client.practice_id == me.practice_id, Client.id.not_in(grants))
        if me.is_clinician:
            rest = rest.where(Client.id.not_in(team))
        scopes += [("break_glass", grants), ("admin", rest)]
    return scopes


def listed(selects: list[Select], up_to: int) -> list[list[int] | None]:
    """The client ids of each select, up to `up_to` of each (None: more), all read by one query.

    A page whose statements name a care team's clients as a list plans each of them in a fraction of
    the time one that works the team out again in nested subqueries takes (PostgreSQL: 2-3 ms of
    planning for each such statement, nine of them on the client list)."""
    if not selects:
        return []
    arms = [select(literal_column(str(i)).label("scope"), first.c[0])
            for i, chosen in enumerate(selects) for first in [chosen.limit(up_to + 1).subquery()]]
    found: list[list[int]] = [[] for _ in selects]
    for i, client_id in db.session.execute(union_all(*arms) if len(arms) > 1 else arms[0]):
        found[i].append(client_id)
    return [ids if len(ids) <= up_to else None for ids in found]


def among(column, clients: Select | list[int]) -> ColumnElement:
    """`column` is one of these clients: listed, one array parameter on PostgreSQL (the same statement
    whatever the list's length), otherwise IN."""
    if isinstance(clients, list) and db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, clients, type_=ARRAY(Integer)))
    return column.in_(clients)


def clients_where(action: str, kind: str) -> Select:
    """The ids of the clients on whose record the signed-in user may read (or write) this kind."""
    wanted = READ_LEVELS + ("shared", "own") if action == "read" else ("write", "own")
    chosen = [ids for reader, ids in reading_scopes() if level(kind, reader) in wanted]
    if not chosen:
        return select(Client.id).where(false())
    return union(*chosen) if len(chosen) > 1 else chosen[0]


# --- break-glass: an admin opens a clinical record in an emergency ---------------------------------

def open_break_glass(client: Client, user=None) -> BreakGlass | None:
    """The user's break-glass on this client that is running now, if any."""
    user = user if user is not None else current_user
    now = utcnow()
    return db.session.scalar(select(BreakGlass).where(
        BreakGlass.client_id == client.id, BreakGlass.user_id == user.id, BreakGlass.opened_at <= now,
        BreakGlass.expires_at > now).order_by(BreakGlass.expires_at.desc()).limit(1))


def may_break_glass(client: Client) -> bool:
    return current_user.role == "admin" and reader_of(client) == "admin"


def break_glass(client: Client, reason: str) -> BreakGlass:
    """Open the client's clinical record to the signed-in admin for BREAK_GLASS_MINUTES, audited.

    The caller commits. Process notes stay closed: they are their author's alone.
    """
    now = utcnow()
    grant = BreakGlass(client_id=client.id, user_id=current_user.id, reason=reason, opened_at=now,
                       expires_at=now + timedelta(minutes=BREAK_GLASS_MINUTES))
    db.session.add(grant)
    db.session.flush()
    record("break-glass", obj=grant, client=client, detail=f"for {BREAK_GLASS_MINUTES} minutes: {reason}")
    g.pop("readers", None)
    return grant


def recent_break_glass(client: Client, days: int = 90) -> list[BreakGlass]:
    """Break-glass openings of this record in the last `days` days, newest first (shown to its care team)."""
    return list(db.session.scalars(select(BreakGlass).where(
        BreakGlass.client_id == client.id, BreakGlass.opened_at >= utcnow() - timedelta(days=days))
        .order_by(BreakGlass.opened_at.desc())))


# --- care teams ----------------------------------------------------------------------------------

def may_add_to_care_team(client: Client) -> bool:
    """Admins always; clinicians on the care team when the practice's setting lets them. Not on a closed record."""
    if is_closed(client):
        return False
    if can("care_team.manage"):
        return True
    return bool(client.practice.clinicians_add_to_care_team) and reader_of(client) == "clinician"
