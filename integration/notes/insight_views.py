"""Insight pages of a client's record: add, edit and link insights, and browse them.

Adding and linking answer htmx requests with the note's insights panel, and plain form
posts with a redirect back to the note (or, on a mistake, a page showing the form).
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import undo
from ..audit.log import record
from ..clients.models import Client, Goal, HistoryItem
from ..extensions import db
from ..http import is_htmx
from ..permissions import (child_or_404, client_scoped, insight_view, may, may_read_note, note_or_404, reader_of,
                           readable_insights, readable_items, reads, writes)
from . import insights as insight_changes
from .insight_forms import InsightFilterForm, LinkForm, RetractForm, make_insight_form
from .insights import (InsightFilters, InsightPanel, audit_detail, client_insights_query, client_themes,
                       insights_of_note, linkable_goals, linkable_history, save_insight)
from .models import Insight, Note
from .sections import INSIGHT_KINDS

bp = Blueprint("insights", __name__, url_prefix="/clients/<int:client_id>")
INSIGHTS_PER_PAGE = 50


def note_url(note: Note, anchor: str | None = None) -> str:
    return url_for("notes.show_note", client_id=note.client_id, note_id=note.id, _anchor=anchor)


def goal_url(goal: Goal) -> str:
    return url_for("clients.show_goal", client_id=goal.client_id, goal_id=goal.id)


def history_url(item: HistoryItem) -> str:
    return url_for("clients.show_history", client_id=item.client_id, history_id=item.id)


def insight_panel(client: Client, note: Note, form=None) -> InsightPanel:
    """The note's insights and the add form (the one given, when it carries errors)."""
    insights = insights_of_note(note)
    goals, history = linkable_goals(client), linkable_history(client)
    if form is None:
        form = make_insight_form(goals, history, formdata=None)
    return InsightPanel(note=note, insights=insights, form=form, goals=goals, history=history)


@bp.app_context_processor
def insight_helpers():
    return {"insight_panel": insight_panel, "note_url": note_url, "goal_url": goal_url,
            "history_url": history_url, "insight_view": insight_view}


def _back_to_note(note: Note):
    return redirect(note_url(note, "insights"))


def _insight_or_404(client: Client, insight_id: int, *, include_removed: bool = False) -> Insight:
    """An insight by (client, id), on a note the user may read; a removed one only for its Undo."""
    insight = child_or_404(Insight, client, insight_id)
    if insight.removed_at is not None and not include_removed:
        abort(404)
    if insight.note.is_discarded or not may_read_note(insight.note, client):
        abort(404)
    return insight


@bp.route("/notes/<int:note_id>/insights", methods=["POST"])
@client_scoped
@writes("insights")
def add(client, note_id: int):
    note = note_or_404(client, note_id)
    if note.kind not in INSIGHT_KINDS:
        abort(404)
    goals, history = linkable_goals(client), linkable_history(client)
    form = make_insight_form(goals, history)
    if form.validate_on_submit():
        insight = Insight(client_id=client.id, note_id=note.id, created_by_id=current_user.id, text="")
        db.session.add(insight)
        save_insight(insight, form, client, goals, history)
        db.session.flush()
        record("create", obj=insight, client=client,
               detail=f"on note {note.id} ({note.status}) | {audit_detail(insight)}")
        db.session.commit()
        if is_htmx():
            return render_template("notes/_insights.html", client=client, note=note, insight_saved=True)
        flash("Insight added.", "success")
        return _back_to_note(note)
    if is_htmx():
        return render_template("notes/_insights.html", client=client, note=note, insight_form=form)
    return render_template("notes/insight_form.html", client=client, note=note, form=form, insight=None,
                           history_items=history), 422


@bp.route("/insights/<int:insight_id>/edit", methods=["GET", "POST"])
@client_scoped
@writes("insights")
def edit(client, insight_id: int):
    insight = _insight_or_404(client, insight_id)
    goals = linkable_goals(client, keep=insight.goals)
    history = linkable_history(client, keep=insight.history_items)
    # Not obj=insight: its `themes` are rows, and a post without the field would keep them as the text.
    form = make_insight_form(goals, history, data={
        "text": insight.text, "client_words": insight.client_words, "themes": ", ".join(insight.theme_names),
        "goal_ids": [g.id for g in insight.goals], "history_ids": [h.id for h in insight.history_items],
        "words_confirmed": insight.words_confirmed_at is not None})
    if form.validate_on_submit():
        before = audit_detail(insight)
        save_insight(insight, form, client, goals, history)
        db.session.flush()
        record("change", obj=insight, client=client, detail=f"was {before}"[:250] + f" | now {audit_detail(insight)}")
        db.session.commit()
        flash("Insight saved.", "success")
        return _back_to_note(insight.note)
    status = 422 if request.method == "POST" else 200
    return render_template("notes/insight_form.html", client=client, note=insight.note, form=form,
                           insight=insight, history_items=history), status


@bp.route("/insights/<int:insight_id>/links", methods=["POST"])
@client_scoped
@writes("insights")
def link(client, insight_id: int):
    insight = _insight_or_404(client, insight_id)
    form = LinkForm()
    if not form.validate_on_submit():
        return _link_answer(client, insight, "Choose a goal or a history item to link.", 422)
    targets = []
    if form.goal_id.data:
        targets.append((insight.goals, child_or_404(Goal, client, form.goal_id.data)))
    if form.history_id.data:
        targets.append((insight.history_items, child_or_404(HistoryItem, client, form.history_id.data)))
    for links, target in targets:
        kind = "goal" if isinstance(target, Goal) else "history item"
        if form.action.data == "add":
            if target.archived:
                return _link_answer(client, insight, f"That {kind} is archived, so it can't take new links.", 422)
            if target not in links:
                links.append(target)
                record("change", obj=insight, client=client, detail=f"linked {kind} {target.id}")
        elif target in links:
            links.remove(target)
            record("change", obj=insight, client=client, detail=f"unlinked {kind} {target.id}")
    db.session.commit()
    return _link_answer(client, insight, "Links saved.")


@bp.route("/insights/<int:insight_id>/remove", methods=["POST"])
@client_scoped
@writes("insights")
def remove(client, insight_id: int):
    """Take an insight added by mistake off an unsigned note; the next page offers Undo."""
    insight = _insight_or_404(client, insight_id)
    return _withdraw(client, insight, "remove", lambda: insight_changes.remove(insight), "Insight removed.")


@bp.route("/insights/<int:insight_id>/retract", methods=["POST"])
@client_scoped
@writes("insights")
def retract(client, insight_id: int):
    """Retract an insight from a signed note, with a reason: kept, struck through, out of plans."""
    insight = _insight_or_404(client, insight_id)
    form = RetractForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return _back_to_note(insight.note)
    return _withdraw(client, insight, "retract", lambda: insight_changes.retract(insight, form.reason.data),
                     "Insight retracted: it stays on the note, struck through, and is out of plans.")


def _withdraw(client, insight, action: str, change, done: str):
    try:
        change()
    except insight_changes.NotNow as refused:
        flash(refused.message, "error")
        return _back_to_note(insight.note)
    # The reason stays on the insight, for clinicians; the audit log keeps no clinical words.
    record(action, obj=insight, client=client, detail=f"on note {insight.note_id} ({insight.note.status})")
    db.session.commit()
    undo.offer(done, url_for("insights.undo_withdrawal", client_id=client.id, insight_id=insight.id))
    return _back_to_note(insight.note)


@bp.route("/insights/<int:insight_id>/undo", methods=["POST"])
@client_scoped
@writes("insights")
def undo_withdrawal(client, insight_id: int):
    """The Undo after removing or retracting an insight: it is back as it was."""
    insight = _insight_or_404(client, insight_id, include_removed=True)
    try:
        which = insight_changes.undo_withdrawal(insight)
    except insight_changes.NotNow as refused:
        flash(refused.message, "error")
        return _back_to_note(insight.note)
    record("restore", obj=insight, client=client, detail=f"{which} undone")
    db.session.commit()
    flash("The insight is back.", "success")
    return _back_to_note(insight.note)


def _link_answer(client, insight, message: str, status: int = 200):
    if is_htmx():  # htmx swaps 2xx answers only: a refusal comes back as the panel with its message
        return render_template("notes/_insights.html", client=client, note=insight.note, link_message=message)
    flash(message, "success" if status == 200 else "error")
    return _back_to_note(insight.note)


@bp.route("/insights")
@client_scoped
@reads("insights", "insights.shared")
def index(client):
    form = InsightFilterForm(formdata=request.args)
    reader = reader_of(client)
    full = may("read", "insights", client)  # else the client's words of shared insights only
    # Archived ones stay filterable: old insights still point at them.
    all_goals = list(db.session.scalars(select(Goal).where(Goal.client_id == client.id,
                                                           readable_items(Goal, reader)).order_by(Goal.title)))
    all_history = list(db.session.scalars(select(HistoryItem).where(
        HistoryItem.client_id == client.id, readable_items(HistoryItem, reader)).order_by(HistoryItem.title))) \
        if full else []
    form.goal_id.choices = [("", "Any goal")] + [(g.id, g.title) for g in all_goals]
    form.history_id.choices = [("", "Any history item")] + [(h.id, h.title) for h in all_history]
    filters = InsightFilters()
    if request.args and form.validate():
        filters = InsightFilters(theme=(form.theme.data or "").lower(), goal_id=form.goal_id.data,
                                 history_id=form.history_id.data, date_from=form.date_from.data,
                                 date_to=form.date_to.data)
    query = client_insights_query(client, filters).where(readable_insights(reader))
    page = db.paginate(query, per_page=INSIGHTS_PER_PAGE, error_out=False)
    filter_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("notes/insights.html", client=client, page=page, form=form, filters=filters,
                           themes=client_themes(client) if full else [], filter_args=filter_args, full=full)
