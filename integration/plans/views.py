"""Practice library, plan builder, preview, delivery and the client's share link."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.log import record
from ..auth.models import Practice
from ..clients.models import Goal
from ..clock import local_today, utcnow
from ..extensions import db, limiter
from ..forms import stored_int
from ..http import is_htmx
from ..permissions import (child_or_404, client_scoped, may_change_library_entry, practice_object_or_404,
                           plannable_insights, reader_of, readable_insights, readable_items, reads, requires, writes)
from ..notes.models import DosingSession, Insight
from . import delivery, lifecycle
from .assemble import DOCUMENT_LOAD_OPTIONS, build_document, client_facing_insights, held_back, start_date_for
from .calendar import ics_file
from .document import EmptyPlanError
from .forms import LibraryPracticeForm, PlanForm, PlanItemForm, PlanSettingsForm
from .library import practice_library
from .review import confirm_caution, review_items, starts_before_given
from .safety import DEFAULT_DAY_OF_SESSION
from .models import LIBRARY_CATEGORIES, LibraryPractice, Plan, PlanExport, PlanItem, ShareLink

bp = Blueprint("plans", __name__)


def _practice() -> Practice:
    return current_user.practice


# --- practice library -------------------------------------------------------------------

@bp.route("/library")
@login_required
def library():
    show_retired = request.args.get("retired") == "1"
    entries = practice_library(current_user.practice_id, include_retired=show_retired)
    db.session.commit()  # the defaults copied in on first use
    by_category = {key: [e for e in entries if e.category == key] for key in LIBRARY_CATEGORIES}
    return render_template("plans/library.html", by_category=by_category, categories=LIBRARY_CATEGORIES,
                           show_retired=show_retired, may_change=may_change_library_entry)


@bp.route("/library/new", methods=["GET", "POST"])
@login_required
def library_new():
    form = LibraryPracticeForm()
    form.limit_days(_practice().integration_window_days)
    if form.validate_on_submit():
        entry = LibraryPractice(practice_id=current_user.practice_id, created_by_id=current_user.id)
        form.apply_to(entry)
        db.session.add(entry)
        db.session.flush()
        record("create", obj=entry)
        db.session.commit()
        flash(f"“{entry.title}” is in the library.", "success")
        return redirect(url_for("plans.library", _anchor=f"cat-{entry.category}"))
    return render_template("plans/library_form.html", form=form, entry=None)


@bp.route("/library/<int:library_id>/edit", methods=["GET", "POST"])
@login_required
def library_edit(library_id: int):
    entry = practice_object_or_404(LibraryPractice, library_id)
    if not may_change_library_entry(entry):
        abort(403)
    form = LibraryPracticeForm(obj=entry)
    form.limit_days(max(_practice().integration_window_days, max((v for v in entry.schedule_values
                                                                    if isinstance(v, int)), default=0)))
    if request.method == "GET":
        form.load_schedule(entry)
    if form.validate_on_submit():
        form.apply_to(entry)
        entry.updated_at = utcnow()
        record("change", obj=entry)
        db.session.commit()
        flash("Saved. Plans already made keep their own copy.", "success")
        return redirect(url_for("plans.library", _anchor=f"cat-{entry.category}"))
    return render_template("plans/library_form.html", form=form, entry=entry)


@bp.route("/library/<int:library_id>/retire", methods=["POST"])
@login_required
def library_retire(library_id: int):
    entry = practice_object_or_404(LibraryPractice, library_id)
    if not may_change_library_entry(entry):
        abort(403)
    entry.retired = request.form.get("retired", "1") == "1"
    record("retire" if entry.retired else "restore", obj=entry)
    db.session.commit()
    flash(f"“{entry.title}” is {'retired: it is no longer offered for new plans' if entry.retired else 'back in the library'}.",
          "success")
    return redirect(url_for("plans.library", _anchor=f"cat-{entry.category}"))


# --- plan settings (admins) ----------------------------------------------------------------

@bp.route("/settings/plans", methods=["GET", "POST"])
@requires("practice.manage")
def settings():
    practice = _practice()
    form = PlanSettingsForm(obj=practice)
    if request.method == "GET":
        form.load_times(practice)
    if form.validate_on_submit():
        form.apply_to(practice)
        lifecycle.settings_changed(practice.id)
        record("change", obj=practice, detail="plan settings")
        db.session.commit()
        flash("Plan settings saved. They apply to plans finalized from now on.", "success")
        return redirect(url_for("plans.settings"))
    return render_template("plans/settings.html", form=form, default_day_of_session=DEFAULT_DAY_OF_SESSION)


# --- plans of a client ---------------------------------------------------------------------

def _plan_or_404(client, plan_id: int) -> Plan:
    return child_or_404(Plan, client, plan_id, *DOCUMENT_LOAD_OPTIONS)


CHANGED_MEANWHILE = ("Someone else changed this plan at the same moment, so this change was not saved. "
                     "Look it over, then make it again.")
CHANGED_WHILE_PREPARING = "The plan changed while it was being prepared. Look it over, then finalize again."


def _refused(client, plan: Plan, message: str):
    """A change that did not happen (409): the plan as it is now, saying why; for a script, a short
    answer (the message waits for the page it reloads)."""
    flash(message, "error")
    if is_htmx():
        return {"error": "refused", "message": message}, 409
    return _builder_page(client, plan, 409)


def _unless_draft(client, plan: Plan):
    """Finalized plans never change: the refusal, or None for a draft."""
    return None if plan.is_draft else _refused(client, plan, lifecycle.PlanLocked.message)


def _claim(client, plan: Plan):
    """Begin a change of the plan's content (lifecycle.begin_change): None to go ahead, else the refusal."""
    plan_id = plan.id
    try:
        lifecycle.begin_change(plan)
    except lifecycle.PlanLocked:
        return _refused(client, plan, lifecycle.PlanLocked.message)
    except lifecycle.PlanChanged as changed:
        return _lost(client, plan_id, changed, CHANGED_MEANWHILE,
                     f"{request.endpoint} refused: another change landed first")
    return None


def _lost(client, plan_id: int, changed: lifecycle.PlanChanged, message: str, detail: str):
    """The answer to a change that lost a race to another change: kept in the audit log, refused with 409."""
    db.session.rollback()
    if changed.gone:
        flash("This draft was discarded meanwhile, so nothing was changed.", "info")
        return redirect(url_for("plans.index", client_id=client.id))
    plan = db.session.get(Plan, plan_id)
    record("conflict", obj=plan, client=client, detail=detail)
    db.session.commit()
    return _refused(client, plan, message)


@bp.route("/clients/<int:client_id>/plans")
@client_scoped
@reads("plans")
def index(client):
    plans = db.session.scalars(
        select(Plan).where(Plan.client_id == client.id)
        .options(selectinload(Plan.items), selectinload(Plan.exports), selectinload(Plan.created_by))
        .order_by(Plan.created_at.desc(), Plan.id.desc())
    ).all()
    replaced = {p.replaces_id: p for p in plans if p.replaces_id}
    return render_template("plans/index.html", client=client, plans=plans, replaced=replaced)


def _plan_form(client, plan: Plan | None = None) -> PlanForm:
    practice = _practice()
    if plan is not None:
        form = PlanForm(obj=plan, dosing_session_id=plan.dosing_session_id or 0)
        if request.method == "GET":
            form.load_appointments(list(plan.appointments or []))
    else:
        form = PlanForm(large_print=practice.large_print_default)
    sessions = db.session.scalars(select(DosingSession).where(DosingSession.client_id == client.id)
                                  .order_by(DosingSession.number.desc())).all()
    form.dosing_session_id.choices = [(0, "Not tied to a session")] + [
        (s.id, f"Session {s.number} · {start_date_for(s, practice):%b %-d, %Y}") for s in sessions]
    if plan is None and request.method == "GET":
        if sessions:  # the session asked for (from its debrief), else the latest
            wanted = request.args.get("session_id", type=int)
            form.dosing_session_id.data = wanted if wanted in {s.id for s in sessions} else sessions[0].id
        else:
            form.start_date.data = local_today(practice.timezone)
    return form


def _apply_plan_form(form: PlanForm, plan: Plan, client) -> None:
    session_id = form.dosing_session_id.data or None
    plan.dosing_session_id = session_id
    if session_id:
        session = child_or_404(DosingSession, client, session_id)
        plan.start_date = start_date_for(session, _practice())
    else:
        plan.start_date = form.start_date.data
    plan.message = form.message.data or ""
    plan.large_print = bool(form.large_print.data)
    plan.reminders = bool(form.reminders.data)
    plan.past_days = form.past_days.data if form.past_days.data in ("behind", "shift") else "behind"
    plan.appointments = form.appointment_rows()
    plan.updated_at = utcnow()


@bp.route("/clients/<int:client_id>/plans/new", methods=["GET", "POST"])
@client_scoped
@writes("plans")
def new(client):
    form = _plan_form(client)
    if form.validate_on_submit():
        plan = Plan(client_id=client.id, created_by_id=current_user.id)
        _apply_plan_form(form, plan, client)
        db.session.add(plan)
        db.session.flush()
        record("create", obj=plan, client=client)
        db.session.commit()
        flash("Plan started. Add practices from the library or write your own.", "success")
        return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id))
    return render_template("plans/plan_form.html", client=client, form=form, plan=None,
                           active_tab="plans.index"), (422 if form.errors else 200)


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@client_scoped
@writes("plans")
def edit(client, plan_id: int):
    plan = _plan_or_404(client, plan_id)
    if (refusal := _unless_draft(client, plan)) is not None:
        return refusal
    form = _plan_form(client, plan)
    if form.validate_on_submit():
        if (refusal := _claim(client, plan)) is not None:
            return refusal
        _apply_plan_form(form, plan, client)
        record("change", obj=plan, client=client)
        db.session.commit()
        flash("Saved.", "success")
        return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id))
    return render_template("plans/plan_form.html", client=client, form=form, plan=plan,
                           active_tab="plans.index"), (422 if form.errors else 200)


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>")
@client_scoped
@reads("plans")
def builder(client, plan_id: int):
    return _builder_page(client, _plan_or_404(client, plan_id))


def _builder_page(client, plan: Plan, status: int = 200):
    library_entries = practice_library(client.practice_id) if plan.is_draft else []
    db.session.commit()
    exports = db.session.scalars(select(PlanExport).where(PlanExport.plan_id == plan.id)
                                 .options(selectinload(PlanExport.share_links), selectinload(PlanExport.created_by))
                                 .order_by(PlanExport.id)).all()
    return render_template(
        "plans/builder.html", client=client, plan=plan, exports=exports, now=utcnow(),
        library_by_category={key: [e for e in library_entries if e.category == key] for key in LIBRARY_CATEGORIES},
        categories=LIBRARY_CATEGORIES, successor=delivery.successor(plan),
        client_facing_insights=client_facing_insights, active_tab="plans.index", reviews=review_items(plan),
        days_past=starts_before_given(plan, local_today(client.practice.timezone))), status


def _next_position(plan: Plan) -> int:
    return max((item.position for item in plan.items), default=-1) + 1


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/items/from-library", methods=["POST"])
@client_scoped
@writes("plans")
def add_from_library(client, plan_id: int):
    plan = _plan_or_404(client, plan_id)
    if (refusal := _unless_draft(client, plan)) is not None:
        return refusal
    library_id = request.form.get("library_id", type=stored_int)
    entry = db.session.scalar(select(LibraryPractice).where(
        LibraryPractice.id == library_id, LibraryPractice.practice_id == client.practice_id,
        LibraryPractice.retired.is_(False)))
    if entry is None:
        flash("Choose a practice from the library.", "error")
        return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id, _anchor="add-practice"))
    if (refusal := _claim(client, plan)) is not None:
        return refusal
    item = PlanItem(client_id=client.id, library_practice_id=entry.id, position=_next_position(plan),
                    category=entry.category, title=entry.title, instructions=entry.instructions,
                    schedule_kind=entry.schedule_kind, schedule_values=list(entry.schedule_values or []),
                    time_of_day=entry.time_of_day, prompts=entry.prompts,
                    cautions=list(entry.cautions or []), gentle_variant=entry.gentle_variant)
    plan.items.append(item)
    db.session.flush()
    record("change", obj=plan, client=client, detail=f"added item {item.id} from library {entry.id}")
    db.session.commit()
    flash(f"Added “{item.title}”. Edit it to link goals and insights or adjust the days.", "success")
    return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id, _anchor=f"item-{item.id}"))


def _item_form(client, plan: Plan, item: PlanItem | None) -> PlanItemForm:
    form = PlanItemForm(obj=item) if item else PlanItemForm()
    form.limit_days(_practice().integration_window_days)
    linked_goals = {g.id for g in item.goals} if item else set()
    reader = reader_of(client)  # a coach is offered what they may see: shared insights by their words
    goals = db.session.scalars(select(Goal).where(Goal.client_id == client.id, readable_items(Goal, reader))
                               .order_by(Goal.archived, Goal.title)).all()
    form.goals.choices = [(g.id, g.title) for g in goals if not g.archived or g.id in linked_goals]
    insights = db.session.scalars(select(Insight).where(Insight.client_id == client.id, readable_insights(reader),
                                                            plannable_insights())
                                  .options(selectinload(Insight.history_items), selectinload(Insight.note))
                                  .order_by(Insight.id.desc())).all()
    form.insights.choices = [(i.id, i.client_words or i.text) for i in insights]
    form.insight_objects = {i.id: i for i in insights}
    form.offer_circles(_practice_circles(client, item))
    if item and request.method == "GET":
        form.load_schedule(item)
        form.goals.data = [g.id for g in item.goals]
        form.insights.data = [i.id for i in item.insights]
    return form


def _practice_circles(client, item: PlanItem | None) -> list:
    """The client's practice's active circles (and the one already chosen, even if archived since)."""
    from ..groups.models import GroupSeries

    chosen = item.group_series_id if item else None
    return list(db.session.scalars(select(GroupSeries).where(
        GroupSeries.practice_id == client.practice_id,
        (GroupSeries.status == "active") | (GroupSeries.id == chosen)).order_by(GroupSeries.name)))


def _apply_item_form(form: PlanItemForm, item: PlanItem, client) -> None:
    form.apply_to(item)
    item.group_series_id = form.group_series_id.data or None  # one of the practice's circles (choices)
    # Only this client's goals and insights: the choices were the client's own, and the
    # query filters by client again so nothing else can be linked. Links the editor was not
    # offered (a coach does not see every insight) are kept as they were.
    goal_ids = form.goals.data or []
    insight_ids = form.insights.data or []
    offered_goals = {value for value, _ in form.goals.choices}
    offered_insights = {value for value, _ in form.insights.choices}
    kept_goals = [g for g in item.goals if g.id not in offered_goals]
    # Linked insights this reader is not offered stay linked, unless they were retracted or removed.
    kept_insights = [i for i in item.insights if i.id not in offered_insights and i.retracted_at is None
                     and i.removed_at is None]
    item.goals = kept_goals + list(db.session.scalars(
        select(Goal).where(Goal.client_id == client.id, Goal.id.in_(goal_ids))))
    item.insights = kept_insights + list(db.session.scalars(
        select(Insight).where(Insight.client_id == client.id, Insight.id.in_(insight_ids))))


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/items/new", methods=["GET", "POST"])
@client_scoped
@writes("plans")
def item_new(client, plan_id: int):
    plan = _plan_or_404(client, plan_id)
    if (refusal := _unless_draft(client, plan)) is not None:
        return refusal
    form = _item_form(client, plan, None)
    if form.validate_on_submit():
        if (refusal := _claim(client, plan)) is not None:
            return refusal
        item = PlanItem(client_id=client.id, position=_next_position(plan))
        _apply_item_form(form, item, client)
        plan.items.append(item)
        db.session.flush()
        record("change", obj=plan, client=client, detail=f"added item {item.id}")
        db.session.commit()
        flash(f"Added “{item.title}”.", "success")
        return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id, _anchor=f"item-{item.id}"))
    return render_template("plans/item_form.html", client=client, plan=plan, form=form, item=None,
                           active_tab="plans.index"), (422 if form.errors else 200)


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@client_scoped
@writes("plans")
def item_edit(client, plan_id: int, item_id: int):
    plan = _plan_or_404(client, plan_id)
    item = _item_or_404(client, plan, item_id)
    if (refusal := _unless_draft(client, plan)) is not None:
        return refusal
    form = _item_form(client, plan, item)
    if form.validate_on_submit():
        if (refusal := _claim(client, plan)) is not None:
            return refusal
        _apply_item_form(form, item, client)
        record("change", obj=item, client=client)
        db.session.commit()
        flash("Saved.", "success")
        return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id, _anchor=f"item-{item.id}"))
    return render_template("plans/item_form.html", client=client, plan=plan, form=form, item=item,
                           active_tab="plans.index"), (422 if form.errors else 200)


def _item_or_404(client, plan: Plan, item_id: int) -> PlanItem:
    item = child_or_404(PlanItem, client, item_id)
    if item.plan_id != plan.id:
        abort(404)
    return item


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/items/<int:item_id>/delete", methods=["POST"])
@client_scoped
@writes("plans")
def item_delete(client, plan_id: int, item_id: int):
    plan = _plan_or_404(client, plan_id)
    item = _item_or_404(client, plan, item_id)
    if (refusal := _claim(client, plan)) is not None:
        return refusal
    record("change", obj=plan, client=client, detail=f"removed item {item.id} “{item.title[:80]}”")
    plan.items.remove(item)
    _renumber(plan.items)
    db.session.commit()
    flash(f"Removed “{item.title}”.", "success")
    return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id, _anchor="plan-items"))


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/items/<int:item_id>/caution", methods=["POST"])
@client_scoped
@writes("plans")
def item_caution(client, plan_id: int, item_id: int):
    """A practitioner looked at an item's caution: it suits the client, or the gentler version does."""
    plan = _plan_or_404(client, plan_id)
    item = _item_or_404(client, plan, item_id)
    if (refusal := _claim(client, plan)) is not None:
        return refusal
    gentler = request.form.get("choice") == "gentler"
    confirm_caution(item, current_user._get_current_object(), gentler=gentler)
    record("change", obj=item, client=client, detail="caution checked" + (", gentler version" if gentler else ""))
    db.session.commit()
    flash(f"“{item.title}” is checked.", "success")
    return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id, _anchor=f"item-{item.id}"))


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/past-days", methods=["POST"])
@client_scoped
@writes("plans")
def past_days(client, plan_id: int):
    """Choose how a plan given after its first days began prints them: briefly, or shifted to start now."""
    plan = _plan_or_404(client, plan_id)
    choice = request.form.get("past_days")
    if choice not in ("behind", "shift"):
        abort(400)
    if (refusal := _claim(client, plan)) is not None:
        return refusal
    plan.past_days = choice
    record("change", obj=plan, client=client, detail=f"past days: {choice}")
    db.session.commit()
    flash("Saved. Check the preview.", "success")
    return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id))


def _renumber(items: list[PlanItem]) -> None:
    for position, item in enumerate(items):
        item.position = position


def _items_response(client, plan: Plan, moved: PlanItem | None, status_text: str, focus_id: str = ""):
    """After a reorder: the list fragment for htmx (focus kept on the moved item), else a redirect."""
    if is_htmx():
        db.session.refresh(plan, ["items"])
        return render_template("plans/_items.html", client=client, plan=plan, focus_id=focus_id,
                               status_text=status_text, oob_status=True, reviews=review_items(plan),
                               client_facing_insights=client_facing_insights)
    flash(status_text, "success")
    anchor = f"item-{moved.id}" if moved else "plan-items"
    return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id, _anchor=anchor))


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/items/<int:item_id>/move", methods=["POST"])
@client_scoped
@writes("plans")
def item_move(client, plan_id: int, item_id: int):
    plan = _plan_or_404(client, plan_id)
    item = _item_or_404(client, plan, item_id)
    if (refusal := _unless_draft(client, plan)) is not None:
        return refusal
    items = list(plan.items)
    index = items.index(item)
    target = index - 1 if request.form.get("direction") == "up" else index + 1
    if 0 <= target < len(items):
        if (refusal := _claim(client, plan)) is not None:
            return refusal
        items[index], items[target] = items[target], items[index]
        _renumber(items)
        record("change", obj=plan, client=client, detail=f"moved item {item.id} to position {target + 1}")
        db.session.commit()
    position = items.index(item)
    direction = "up" if request.form.get("direction") == "up" else "down"
    if (direction == "up" and position == 0) or (direction == "down" and position == len(items) - 1):
        direction = "down" if direction == "up" else "up"  # that button is disabled now: keep focus nearby
    return _items_response(client, plan, item, f"“{item.title}” is now number {position + 1} of {len(items)}.",
                           focus_id=f"move-{direction}-{item.id}" if len(items) > 1 else "")


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/items/order", methods=["POST"])
@client_scoped
@writes("plans")
def item_order(client, plan_id: int):
    """Set the whole order at once (drag and drop): every item id of the plan, exactly once."""
    plan = _plan_or_404(client, plan_id)
    if (refusal := _unless_draft(client, plan)) is not None:
        return refusal
    by_id = {item.id: item for item in plan.items}
    wanted = request.form.getlist("item_id", type=int)
    if sorted(wanted) != sorted(by_id):
        abort(400)
    if (refusal := _claim(client, plan)) is not None:
        return refusal
    _renumber([by_id[i] for i in wanted])
    record("change", obj=plan, client=client, detail="reordered items")
    db.session.commit()
    return _items_response(client, plan, None, "New order saved.")


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/preview")
@client_scoped
@reads("plans")
def preview(client, plan_id: int):
    from .pdf import preview_html

    plan = _plan_or_404(client, plan_id)
    back = url_for("plans.builder", client_id=client.id, plan_id=plan.id)
    document = build_document(plan)
    if not plan.items or document.is_empty:
        return render_template("plans/preview_empty.html", client=client, plan=plan, active_tab="plans.index")
    return preview_html(document, back_url=back, held_back=held_back(plan))


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/finalize", methods=["POST"])
@client_scoped
@writes("plans")
def finalize(client, plan_id: int):
    plan = _plan_or_404(client, plan_id)
    read = plan.revision
    try:
        delivery.finalize(plan, current_user._get_current_object())
    except (delivery.PlanNotReady, EmptyPlanError) as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan_id))
    except lifecycle.PlanLocked:
        flash(lifecycle.PlanLocked.message, "info")
        return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan_id, _anchor="delivery"))
    except lifecycle.PlanChanged as changed:
        return _lost(client, plan_id, changed, CHANGED_WHILE_PREPARING,
                     f"finalize of revision {read} refused: the plan changed while it was prepared")
    db.session.commit()
    flash(f"Version {plan.version} is finalized and its PDF is ready to download or share.", "success")
    return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id, _anchor="delivery"))


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/new-version", methods=["POST"])
@client_scoped
@writes("plans")
def new_version(client, plan_id: int):
    plan = _plan_or_404(client, plan_id)
    if plan.is_draft:
        return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan.id))
    copy = delivery.new_version(plan, current_user._get_current_object())
    db.session.commit()
    flash(f"Version {copy.version} is a draft copy. Version {plan.version} stays as delivered.", "success")
    return redirect(url_for("plans.builder", client_id=client.id, plan_id=copy.id))


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/delete", methods=["POST"])
@client_scoped
@writes("plans")
def delete(client, plan_id: int):
    """Discard a draft. Finalized plans are delivered records and are never deleted."""
    plan = _plan_or_404(client, plan_id)
    record("delete", obj=plan, client=client, detail=f"draft version {plan.version}")
    try:
        lifecycle.discard(plan)
    except lifecycle.PlanLocked:
        db.session.rollback()
        return _refused(client, plan, lifecycle.PlanLocked.message)
    except lifecycle.PlanChanged as changed:
        return _lost(client, plan_id, changed, CHANGED_MEANWHILE, "discard refused: another change landed first")
    db.session.commit()
    flash("Draft discarded.", "success")
    return redirect(url_for("plans.index", client_id=client.id))


def _file_response(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Length"] = str(len(body))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _pdf_response(export: PlanExport) -> Response:
    return _file_response(export.pdf, "application/pdf", export.filename)


def _ics_response(export: PlanExport) -> Response:
    return _file_response(export.ics, "text/calendar", export.ics_filename)


def _export_or_404(client, plan_id: int, export_id: int) -> PlanExport:
    export = child_or_404(PlanExport, client, export_id)
    if export.plan_id != plan_id:
        abort(404)
    return export


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/exports/<int:export_id>/download")
@client_scoped(audit_views=False)  # the download is the view: one audit row, one commit
@reads("plans")
def download_export(client, plan_id: int, export_id: int):
    export = _export_or_404(client, plan_id, export_id)
    record("download", obj=export, client=client, detail=f"version {export.version}")
    response = _pdf_response(export)  # before the commit, which would expire what it reads
    db.session.commit()
    return response


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/exports/<int:export_id>/share", methods=["POST"])
@client_scoped
@writes("plans")
def share(client, plan_id: int, export_id: int):
    export = _export_or_404(client, plan_id, export_id)
    if delivery.successor(export.plan) is not None and not export.plan.is_draft:
        flash("A newer version of this plan exists. Sharing this older version anyway.", "info")
    link, token = delivery.create_share_link(export, current_user._get_current_object())
    db.session.commit()
    return render_template("plans/share_created.html", client=client, plan=export.plan, export=export, link=link,
                           page_url=url_for("plans.shared_page", token=token, _external=True),
                           pdf_url=url_for("plans.shared_pdf", token=token, _external=True),
                           ics_url=url_for("plans.shared_calendar", token=token, _external=True),
                           active_tab="plans.index")


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/links/<int:link_id>/revoke", methods=["POST"])
@client_scoped
@writes("plans")
def revoke_link(client, plan_id: int, link_id: int):
    link = child_or_404(ShareLink, client, link_id)
    if link.export.plan_id != plan_id:
        abort(404)
    delivery.revoke(link, current_user._get_current_object())
    db.session.commit()
    flash("The link is revoked. It no longer opens the plan.", "success")
    return redirect(url_for("plans.builder", client_id=client.id, plan_id=plan_id, _anchor="delivery"))


@bp.route("/clients/<int:client_id>/plans/<int:plan_id>/calendar.ics")
@client_scoped
@reads("plans")
def calendar(client, plan_id: int):
    """A finalized plan's calendar file as delivered; a draft's as it would be made today, like the preview."""
    plan = _plan_or_404(client, plan_id)
    if plan.is_draft:
        body = ics_file(build_document(plan).calendar, stamp=utcnow())
        return _file_response(body, "text/calendar", "integration-plan-draft.ics")
    export = plan.exports[-1] if plan.exports else None
    if export is None or export.ics is None:
        abort(404)
    return _ics_response(export)


# --- the client's private link (no account) ----------------------------------------------------

def _share_rate() -> str:
    return current_app.config["SHARE_LINK_RATE"]


def _private(response: Response) -> Response:
    """Headers for anything the private link answers: never sent on as a referrer, never indexed."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _unavailable() -> Response:
    """The same page for unknown, expired and revoked links: it reveals nothing about anyone."""
    return _private(Response(render_template("plans/link_unavailable.html"), status=404))


@bp.route("/p/<token>")
@limiter.shared_limit(_share_rate, scope="share-link")
def shared_page(token: str):
    """The page the private link opens (no account, mobile first, no script): who the plan is from, how
    to reach them, help in a crisis, and the two downloads. Built from the delivered version only."""
    link = delivery.open_link(token, "page", count=False)
    if link is None:
        return _unavailable()
    landing = delivery.landing(link)
    db.session.commit()
    return _private(Response(render_template("plans/shared_page.html", landing=landing,
                                             pdf_url=url_for("plans.shared_pdf", token=token),
                                             ics_url=url_for("plans.shared_calendar", token=token))))


@bp.route("/p/<token>/plan.pdf")
@limiter.shared_limit(_share_rate, scope="share-link")
def shared_pdf(token: str):
    link = delivery.open_link(token, "pdf")
    if link is None:
        return _unavailable()
    response = _pdf_response(link.export)  # before the commit, which would expire what it reads
    db.session.commit()
    return _private(response)


@bp.route("/p/<token>/calendar.ics")
@limiter.shared_limit(_share_rate, scope="share-link")
def shared_calendar(token: str):
    link = delivery.open_link(token, "calendar")
    if link is None or link.export.ics is None:
        db.session.rollback()
        return _unavailable()
    response = _ics_response(link.export)
    db.session.commit()
    return _private(response)
