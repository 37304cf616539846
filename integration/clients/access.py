"""The one access rule: every client-scoped view reaches its client through here.

A user may reach a client of their own practice when they are on its care team, or when
they are the practice's admin. Anything else, including ids that do not exist, is a 404,
so nobody can learn whether another practice's client exists.
"""
from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from ..audit.log import record
from ..extensions import db
from .models import CareTeamMember, Client


def accessible_clients() -> Select:
    """A query for the clients the signed-in user may see."""
    query = select(Client).where(Client.practice_id == current_user.practice_id)
    if not current_user.is_admin:
        on_team = select(CareTeamMember.client_id).where(CareTeamMember.user_id == current_user.id)
        query = query.where(Client.id.in_(on_team))
    return query


def get_client_or_404(client_id: int) -> Client:
    """The client with this id if the signed-in user may reach it.

    :raise 404: when it does not exist or the user may not reach it.
    """
    client = db.session.scalar(accessible_clients().where(Client.id == client_id))
    if client is None:
        abort(404)
    return client


def client_scoped(view=None, *, audit_views: bool = True):
    """Decorate every view whose URL has <client_id>: resolves it by the access rule.

    The view receives `client=` instead of `client_id=`. Reading a page of the client's
    record is written to the audit log here, so no view can forget it; changes are
    recorded by the view next to the change itself. A view that writes a more precise
    event for its GET (a download) passes audit_views=False and records it itself.
    """
    if view is None:
        return lambda inner: client_scoped(inner, audit_views=audit_views)

    @wraps(view)
    @login_required
    def wrapper(client_id: int, **kwargs):
        client = get_client_or_404(client_id)
        if request.method == "GET" and audit_views:
            record("view", client=client, detail=f"{request.endpoint} {request.path}")
            db.session.commit()
        return view(client=client, **kwargs)

    wrapper.client_scoped = True
    wrapper.audits_views = audit_views
    return wrapper


def child_or_404(model, client: Client, object_id: int):
    """A client-scoped object loaded by (client, id), never by id alone.

    :raise 404: when it does not exist or belongs to another client.
    """
    obj = db.session.scalar(select(model).where(model.id == object_id, model.client_id == client.id))
    if obj is None:
        abort(404)
    return obj
