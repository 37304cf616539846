"""Client list and search, client record pages, care teams."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..audit.log import record
from ..auth.models import User
from ..auth.views import admin_required
from ..extensions import db
from .access import accessible_clients, child_or_404, client_scoped
from .forms import CareTeamForm, ClientForm
from .models import CareTeamMember, Client

bp = Blueprint("clients", __name__, url_prefix="/clients")


@bp.route("/")
@login_required
def index():
    q = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "active")
    query = accessible_clients().options(selectinload(Client.care_team).selectinload(CareTeamMember.user))
    if status in ("active", "archived"):
        query = query.where(Client.status == status)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(*(db.func.lower(col).like(pattern) for col in
                                  (Client.first_name, Client.last_name, Client.preferred_name))))
    query = query.order_by(db.func.lower(Client.last_name), db.func.lower(Client.first_name), Client.id)
    page = db.paginate(query, per_page=current_app.config["CLIENTS_PER_PAGE"], error_out=False)
    return render_template("clients/index.html", page=page, q=q, status=status)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = ClientForm()
    if form.validate_on_submit():
        client = Client(practice_id=current_user.practice_id)
        form.populate_obj(client)
        # Whoever opens a client's record cares for them, until an admin says otherwise.
        client.care_team.append(CareTeamMember(user_id=current_user.id))
        db.session.add(client)
        db.session.flush()
        record("create", obj=client, client=client)
        db.session.commit()
        flash(f"{client.full_name} is added.", "success")
        return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/form.html", form=form, client=None)


@bp.route("/<int:client_id>")
@client_scoped
def show(client):
    return render_template("clients/show.html", client=client, team_form=_care_team_form(client))


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@client_scoped
def edit(client):
    form = ClientForm(obj=client)
    if form.validate_on_submit():
        form.populate_obj(client)
        record("change", obj=client, client=client)
        db.session.commit()
        flash("Saved.", "success")
        return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/form.html", form=form, client=client)


def _care_team_form(client: Client) -> CareTeamForm | None:
    """The add-to-care-team form for admins, offering active colleagues not yet on the team."""
    if not current_user.is_admin:
        return None
    on_team = {m.user_id for m in client.care_team}
    candidates = db.session.scalars(
        select(User).where(User.practice_id == client.practice_id, User.active.is_(True)).order_by(User.name)
    ).all()
    form = CareTeamForm()
    form.user_id.choices = [(u.id, f"{u.display_name} ({u.role_label})") for u in candidates if u.id not in on_team]
    return form


@bp.route("/<int:client_id>/care-team", methods=["POST"])
@client_scoped
@admin_required
def add_to_care_team(client):
    form = _care_team_form(client)
    if form.validate_on_submit():
        member = CareTeamMember(client=client, user_id=form.user_id.data)
        db.session.add(member)
        db.session.flush()
        record("change", obj=member, client=client, detail=f"care team: added user {form.user_id.data}")
        db.session.commit()
        flash("Added to the care team.", "success")
    else:
        flash("Choose a practitioner to add.", "error")
    return redirect(url_for("clients.show", client_id=client.id, _anchor="care-team"))


@bp.route("/<int:client_id>/care-team/<int:member_id>/remove", methods=["POST"])
@client_scoped
@admin_required
def remove_from_care_team(client, member_id: int):
    member = child_or_404(CareTeamMember, client, member_id)
    record("change", obj=member, client=client, detail=f"care team: removed user {member.user_id}")
    db.session.delete(member)
    db.session.commit()
    flash("Removed from the care team.", "success")
    return redirect(url_for("clients.show", client_id=client.id, _anchor="care-team"))
