"""Search pages: across every client the signed-in user may reach, and within one client's record."""
from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import select

from ..audit.log import record_many
from ..clients.models import Client
from ..extensions import db
from ..forms import query_text
from ..permissions import NOTE_CONTENT, client_scoped, reader_of, reading_scopes, reads
from . import query as search_logic

bp = Blueprint("search", __name__)


def _page() -> int:
    return request.args.get("page", 1, type=int)


def _query_terms() -> tuple[str, list[tuple[str, ...]]]:
    q = query_text(request.args.get("q"))[:search_logic.MAX_QUERY_LENGTH]
    return q, search_logic.parse_query(q)


@bp.route("/clients/<int:client_id>/search")
@client_scoped
@reads("insights", "insights.shared", *sorted(set(NOTE_CONTENT.values())))
def client(client):
    q, terms = _query_terms()
    results = search_logic.search(terms, [(reader_of(client), select(Client.id).where(Client.id == client.id))],
                                  page=_page())
    return render_template("search/client.html", client=client, q=q, results=results, search=search_logic)


@bp.route("/search")
@login_required
def index():
    """Search across every client the signed-in user may reach, as far as they may read each record."""
    q, terms = _query_terms()
    results = search_logic.search(terms, reading_scopes(), page=_page())
    # Rendered before the commit, which would expire every loaded result and reload each one.
    page = render_template("search/index.html", q=q, results=results, search=search_logic)
    shown = {n.client_id for n in results.notes} | {i.client_id for i in results.insights}
    if shown:
        # Every client whose words appear on the page has been looked at: one audit row each, all
        # written by one INSERT.
        record_many("view", sorted(shown), detail="search results")
        db.session.commit()
    return page
