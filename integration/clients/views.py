"""Client list and search, the client overview, care teams, personal history, goals and check-ins."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..audit.log import record
from ..auth.models import User
from ..clock import local_today, viewer_tz
from ..crypto.columns import unread_encrypted
from ..extensions import db
from ..forms import query_text
from ..keyset import Keyset, paginate
from ..permissions import (BREAK_GLASS_MINUTES, accessible_clients, break_glass, child_or_404, client_scoped,
                           item_or_404, may_add_to_care_team, may_break_glass, may_mark_sensitive,
                           may_write_item, open_break_glass, reader_of, readable_items, reads,
                           recent_break_glass, requires, writes)
from . import record as client_record
from .forms import (BreakGlassForm, CareTeamForm, CareTeamSettingForm, CheckInForm, ClientForm, GoalForm,
                    HistoryItemForm, for_reader)
from .models import CLIENT_STATUSES, GOAL_STATUSES, HISTORY_CATEGORIES, CareTeamMember, Client, Goal, GoalCheckIn, HistoryItem

bp = Blueprint("clients", __name__, url_prefix="/clients")
# The list by last name, then first name, a page at a time by keyset (integration/keyset.py), no count.
BY_NAME = Keyset((db.func.lower(Client.last_name), db.func.lower(Client.first_name), Client.id),
                 ("str", "str", "int"), descending=False)


@bp.route("/")
@login_required
def index():
    q = query_text(request.args.get("q"))[:100]
    status = request.args.get("status", "active")
    # The list shows names, never contact details: those stay encrypted, unread (crypto/columns.py).
    query = accessible_clients().options(selectinload(Client.care_team).selectinload(CareTeamMember.user),
                                         *unread_encrypted(Client))
    if status in CLIENT_STATUSES:
        query = query.where(Client.status == status)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(*(db.func.lower(col).like(pattern) for col in
                                  (Client.first_name, Client.last_name, Client.preferred_name))))
    page = paginate(query, BY_NAME, per_page=current_app.config["CLIENTS_PER_PAGE"],
                    after=request.args.get("after"), before=request.args.get("before"))
    from ..worklist import KINDS, counts_by_client  # the worklist gathers from areas above clients/

    return render_template("clients/index.html", page=page, q=q, status=status, work_kinds=KINDS,
                           work=counts_by_client([c.id for c in page.items]))


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
    return _overview(client)


def _overview(client: Client, break_glass_form: BreakGlassForm | None = None, status: int = 200):
    """The record's overview: details, care team, break-glass, and the timeline as far as the reader may see."""
    tz_name = viewer_tz()
    entries = client_record.timeline(client, tz_name)
    reader = reader_of(client)
    return render_template("clients/show.html", client=client, team_form=_care_team_form(client),
                           days=client_record.by_day(entries), timeline_limit=client_record.TIMELINE_LIMIT,
                           timeline_full=len(entries) >= client_record.TIMELINE_LIMIT,
                           attention=client_record.attention(client, tz_name), reader=reader,
                           may_break_glass=may_break_glass(client),
                           break_glass_form=break_glass_form or BreakGlassForm(formdata=None),
                           break_glass_minutes=BREAK_GLASS_MINUTES,
                           running_break_glass=open_break_glass(client) if reader == "break_glass" else None,
                           break_glass_log=recent_break_glass(client) if reader in ("clinician", "coach") else []
                           ), status


@bp.route("/<int:client_id>/break-glass", methods=["POST"])
@client_scoped
def open_clinical_record(client):
    """An admin opens the clinical record in an emergency: a reason, one hour, audited, shown to the care team."""
    if not may_break_glass(client):
        abort(404)
    form = BreakGlassForm()
    if not form.validate_on_submit():
        return _overview(client, form, 422)
    break_glass(client, form.reason.data.strip())
    db.session.commit()
    flash(f"The clinical record is open to you for {BREAK_GLASS_MINUTES} minutes. Every page you open is "
          "recorded, and the care team sees that you opened it and why.", "success")
    return redirect(url_for("clients.show", client_id=client.id))


@bp.route("/care-team-setting", methods=["POST"])
@requires("practice.manage")
def care_team_setting():
    """The practice's setting: whether clinicians on a care team may add colleagues to it."""
    form = CareTeamSettingForm()
    if form.validate_on_submit():
        practice = current_user.practice
        practice.clinicians_add_to_care_team = bool(form.clinicians_add_to_care_team.data)
        record("change", obj=practice, detail="clinicians may add to care teams: "
                                              + ("yes" if practice.clinicians_add_to_care_team else "no"))
        db.session.commit()
        flash("Saved. " + ("Clinicians on a care team may now add colleagues to it."
                           if practice.clinicians_add_to_care_team else
                           "Only practice admins change care teams now."), "success")
    return redirect(url_for("auth.team", _anchor="care-teams"))


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@client_scoped
@writes("details")
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
    """The add-to-care-team form (admins; clinicians on the team when the practice allows it),
    offering active colleagues not yet on the team."""
    if not may_add_to_care_team(client):
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
def add_to_care_team(client):
    form = _care_team_form(client)
    if form is None:
        abort(404)
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
@requires("care_team.manage")
def remove_from_care_team(client, member_id: int):
    member = child_or_404(CareTeamMember, client, member_id)
    record("change", obj=member, client=client, detail=f"care team: removed user {member.user_id}")
    db.session.delete(member)
    db.session.commit()
    flash("Removed from the care team.", "success")
    return redirect(url_for("clients.show", client_id=client.id, _anchor="care-team"))


# ---------------------------------------------------------------- personal history

@bp.route("/<int:client_id>/history")
@client_scoped
@reads("history", "history.sensitive")
def history(client):
    show_archived = request.args.get("archived") == "1"
    items = db.session.scalars(
        select(HistoryItem).where(HistoryItem.client_id == client.id,
                                  readable_items(HistoryItem, reader_of(client)))
        .order_by(HistoryItem.title, HistoryItem.id)
    ).all()
    archived_count = sum(1 for item in items if item.archived)
    shown = [item for item in items if show_archived or not item.archived]
    groups = [(label, [item for item in shown if item.category == key]) for key, label in HISTORY_CATEGORIES.items()]
    groups += [("Not sorted", [item for item in shown if item.category not in HISTORY_CATEGORIES])]
    counts = client_record.insight_counts(client, of="history")
    return render_template("clients/history.html", client=client, groups=[g for g in groups if g[1]],
                           show_archived=show_archived, archived_count=archived_count, counts=counts,
                           any_items=bool(items))


@bp.route("/<int:client_id>/history/new", methods=["GET", "POST"])
@client_scoped
@writes("history")
def new_history(client):
    form = for_reader(HistoryItemForm(), may_mark_sensitive(client))
    if request.method == "GET" and request.args.get("category") in HISTORY_CATEGORIES:
        form.category.data = request.args["category"]
    item = HistoryItem(client_id=client.id, created_by_id=current_user.id)
    return _save_or_show_form(client, item, form, "Added to their history.", "clients/history_form.html")


@bp.route("/<int:client_id>/history/<int:history_id>")
@client_scoped
@reads("history", "history.sensitive")
def show_history(client, history_id: int):
    item = item_or_404(HistoryItem, client, history_id)
    insights = client_record.linked_insights(client, history_item=item)
    return render_template("clients/history_item.html", client=client, item=item, insights=insights,
                           active_tab="clients.history")


@bp.route("/<int:client_id>/history/<int:history_id>/edit", methods=["GET", "POST"])
@client_scoped
@writes("history")
def edit_history(client, history_id: int):
    item = item_or_404(HistoryItem, client, history_id, write=True)
    form = for_reader(HistoryItemForm(obj=item), may_mark_sensitive(client))
    return _save_or_show_form(client, item, form, "Saved.", "clients/history_form.html")


@bp.route("/<int:client_id>/history/<int:history_id>/archive", methods=["POST"])
@client_scoped
@writes("history")
def archive_history(client, history_id: int):
    item = item_or_404(HistoryItem, client, history_id, write=True)
    return _archive_or_restore(client, item, "Back in their history.")


# A history item and a goal are kept the same way: one form to add or change them, archived
# rather than deleted.

def _page_of(obj) -> str:
    if isinstance(obj, Goal):
        return url_for("clients.show_goal", client_id=obj.client_id, goal_id=obj.id)
    return url_for("clients.show_history", client_id=obj.client_id, history_id=obj.id)


def _save_or_show_form(client: Client, obj, form, saved_message: str, template: str):
    """Save a new or changed history item or goal and go to its page; else the form again, as typed."""
    if form.validate_on_submit():
        is_new = obj.id is None
        form.populate_obj(obj)
        if is_new:
            db.session.add(obj)
            db.session.flush()
        record("create" if is_new else "change", obj=obj, client=client)
        db.session.commit()
        flash(saved_message, "success")
        return redirect(_page_of(obj))
    shown = None if obj.id is None else obj
    return render_template(template, client=client, form=form, item=shown, goal=shown), \
        422 if form.errors else 200


def _archive_or_restore(client: Client, obj, restored_message: str):
    """Archive or bring back a history item or goal; nothing in the record is ever deleted."""
    archived = request.form.get("archived") != "0"
    if obj.archived != archived:
        obj.archived = archived
        record("change", obj=obj, client=client, detail="archived" if archived else "unarchived")
        db.session.commit()
    flash("Archived. It stays linked to its insights." if obj.archived else restored_message, "success")
    return redirect(_page_of(obj))


# ---------------------------------------------------------------- goals

@bp.route("/<int:client_id>/goals")
@client_scoped
@reads("goals", "goals.sensitive")
def goals(client):
    show_archived = request.args.get("archived") == "1"
    all_goals = db.session.scalars(
        select(Goal).where(Goal.client_id == client.id, readable_items(Goal, reader_of(client)))
        .options(selectinload(Goal.check_ins))
        .order_by(Goal.target_date.is_(None), Goal.target_date, Goal.title, Goal.id)
    ).all()
    shown = [goal for goal in all_goals if show_archived or not goal.archived]
    groups = [(label, [goal for goal in shown if goal.status == key]) for key, label in GOAL_STATUSES.items()]
    counts = client_record.insight_counts(client, of="goal")
    return render_template("clients/goals.html", client=client, groups=[g for g in groups if g[1]],
                           show_archived=show_archived, counts=counts, any_goals=bool(all_goals),
                           archived_count=sum(1 for goal in all_goals if goal.archived))


@bp.route("/<int:client_id>/goals/new", methods=["GET", "POST"])
@client_scoped
@writes("goals")
def new_goal(client):
    goal = Goal(client_id=client.id, created_by_id=current_user.id)
    form = for_reader(GoalForm(), may_mark_sensitive(client))
    return _save_or_show_form(client, goal, form, "Goal added.", "clients/goal_form.html")


def _goal_page(client: Client, goal_id: int, checkin_form: CheckInForm, status: int = 200):
    goal = item_or_404(Goal, client, goal_id, selectinload(Goal.check_ins))
    chart = client_record.checkin_chart(goal.title, goal.check_ins)
    insights = client_record.linked_insights(client, goal=goal)
    return render_template("clients/goal.html", client=client, goal=goal, chart=chart, insights=insights,
                           checkin_form=checkin_form, may_change=may_write_item(goal, client),
                           active_tab="clients.goals"), status


@bp.route("/<int:client_id>/goals/<int:goal_id>")
@client_scoped
@reads("goals", "goals.sensitive")
def show_goal(client, goal_id: int):
    form = CheckInForm(formdata=None, checked_on=local_today(viewer_tz()))
    return _goal_page(client, goal_id, form)


@bp.route("/<int:client_id>/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@client_scoped
@writes("goals")
def edit_goal(client, goal_id: int):
    goal = item_or_404(Goal, client, goal_id, write=True)
    form = for_reader(GoalForm(obj=goal), may_mark_sensitive(client))
    return _save_or_show_form(client, goal, form, "Saved.", "clients/goal_form.html")


@bp.route("/<int:client_id>/goals/<int:goal_id>/archive", methods=["POST"])
@client_scoped
@writes("goals")
def archive_goal(client, goal_id: int):
    goal = item_or_404(Goal, client, goal_id, write=True)
    return _archive_or_restore(client, goal, "Back with their goals.")


@bp.route("/<int:client_id>/goals/<int:goal_id>/check-ins", methods=["POST"])
@client_scoped
@writes("goals")
def add_checkin(client, goal_id: int):
    goal = item_or_404(Goal, client, goal_id, write=True)
    form = CheckInForm()
    if not form.validate_on_submit():
        return _goal_page(client, goal.id, form, status=422)
    check_in = GoalCheckIn(goal_id=goal.id, client_id=client.id, created_by_id=current_user.id,
                           checked_on=form.checked_on.data, rating=form.rating.data, note=form.note.data or "")
    db.session.add(check_in)
    db.session.flush()
    record("create", obj=check_in, client=client, detail=f"goal {goal.id}")
    db.session.commit()
    flash(f"Check-in saved: {check_in.rating} of 10.", "success")
    return redirect(url_for("clients.show_goal", client_id=client.id, goal_id=goal.id, _anchor="check-ins"))
