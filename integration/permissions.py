"""Who may do what: the capability matrix, the one access rule and the loaders built on it.

Every view that touches a client's record reaches the client through `get_client_or_404` (usually
via `@client_scoped`), and every child object through `child_or_404(model, client, id)` — never by
id alone. Circle pages reach their series through `series_or_404`. Anything outside the rule is a
404, so nobody learns whether another practice's client exists. `tests/test_access.py` walks the
url_map to prove that no route skips it.

The matrix (`CAPABILITIES`) is the single place that says which role may do what beyond the care
team rule; views (`requires`), templates (`can`) and queries read it, and the README prints it.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, make_response
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from .audit.log import record_shown
from .auth.models import ROLES
from .clients.models import CareTeamMember, Client
from .extensions import db
from .groups.models import GroupSeries, group_series_facilitator

# capability -> (what it allows, the roles that have it). Everyone else does not.
CAPABILITIES: dict[str, tuple[str, frozenset[str]]] = {
    "practice.manage": ("Team, practice settings, plan settings, the audit log", frozenset({"admin"})),
    "clients.create": ("Add a client (and join their care team)", frozenset({"admin", "therapist", "coach"})),
    "clients.reach_all": ("Open any client of the practice without being on the care team",
                          frozenset({"admin"})),
    "care_team.manage": ("Add and remove care team members", frozenset({"admin"})),
    "circles.start": ("Start a circle (and facilitate it)", frozenset({"admin", "therapist", "coach"})),
    "circles.reach_all": ("Open any circle of the practice without facilitating it", frozenset({"admin"})),
    "library.add": ("Add practices to the practice library", frozenset({"admin", "therapist", "coach"})),
    "library.edit_any": ("Edit or retire any library entry (others: only the ones they wrote)",
                         frozenset({"admin"})),
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
    """The capability matrix as the README's Markdown table (a test keeps the two in step)."""
    roles = list(ROLES)
    lines = ["| capability | what it allows | " + " | ".join(ROLES[r] for r in roles) + " |",
             "|---|---|" + "---|" * len(roles)]
    for name, (allows, holders) in CAPABILITIES.items():
        marks = " | ".join("yes" if role in holders else "—" for role in roles)
        lines.append(f"| `{name}` | {allows} | {marks} |")
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
