"""Note templates (practice settings, admins): prompts and starting text per section of a kind of note."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..audit.log import record
from ..extensions import db
from ..permissions import requires
from . import templates
from .forms import ArchiveForm, template_form
from .models import NOTE_KINDS, TEMPLATE_KINDS, NoteTemplate

bp = Blueprint("note_templates", __name__, url_prefix="/settings/note-templates")


def _template_or_404(template_id: int) -> NoteTemplate:
    template = db.session.scalar(select(NoteTemplate).where(NoteTemplate.id == template_id,
                                                            NoteTemplate.practice_id == current_user.practice_id))
    if template is None:
        abort(404)
    return template


def _given(form) -> dict:
    return {s.name: {"prompt": form[f"prompt_{s.name}"].data or "", "start": form[f"start_{s.name}"].data or ""}
            for s in form.kind_sections}


def _fill(form, version) -> None:
    form.name.data = version.name
    for section in form.kind_sections:
        entry = version.sections.get(section.name, {})
        form[f"prompt_{section.name}"].data = entry.get("prompt", "")
        form[f"start_{section.name}"].data = entry.get("start", "")


@bp.route("")
@requires("templates.manage")
def index():
    active = templates.practice_templates(current_user.practice_id)
    archived = templates.practice_templates(current_user.practice_id, archived=True)
    return render_template("notes/templates.html", active=active, archived=archived, kinds=TEMPLATE_KINDS,
                           kind_labels=NOTE_KINDS, uses={t.id: templates.uses(t) for t in active + archived},
                           archive_form=ArchiveForm())


@bp.route("/new", methods=["GET", "POST"])
@requires("templates.manage")
def new():
    kind = request.args.get("kind", "")
    if kind not in TEMPLATE_KINDS:
        abort(404)
    form = template_form(kind)
    if form.validate_on_submit():
        template = templates.create(current_user.practice_id, kind, form.name.data, _given(form), current_user)
        record("create", obj=template, detail=f"{kind} note template, version 1")
        db.session.commit()
        flash(f"“{template.name}” is ready: clinicians can start a {NOTE_KINDS[kind].lower()} from it.", "success")
        return redirect(url_for("note_templates.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("notes/template_form.html", form=form, kind=kind, kind_label=NOTE_KINDS[kind],
                           template=None), status


@bp.route("/<int:template_id>", methods=["GET", "POST"])
@requires("templates.manage")
def edit(template_id: int):
    template = _template_or_404(template_id)
    form = template_form(template.kind)
    if request.method == "GET":
        _fill(form, template.current)
    if form.validate_on_submit():
        version = templates.save(template, form.name.data, _given(form), current_user)
        if version is not None:
            record("change", obj=template, detail=f"{template.kind} note template, version {version.number}")
            db.session.commit()
            flash(f"Saved as version {version.number}. Notes already started keep the version they began with.",
                  "success")
        else:
            flash("Nothing changed.", "success")
        return redirect(url_for("note_templates.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("notes/template_form.html", form=form, kind=template.kind,
                           kind_label=template.kind_label, template=template, uses=templates.uses(template),
                           archive_form=ArchiveForm()), status


@bp.route("/<int:template_id>/archive", methods=["POST"])
@requires("templates.manage")
def archive(template_id: int):
    """Archive (or bring back) a template. Never a deletion: notes name the version they began with."""
    template = _template_or_404(template_id)
    if not ArchiveForm().validate_on_submit():
        abort(400)
    archiving = request.form.get("archived") == "1"
    if archiving != (template.archived_at is not None):
        templates.set_archived(template, archiving)
        record("archive" if archiving else "restore", obj=template, detail=f"{template.kind} note template")
        db.session.commit()
    flash(f"“{template.name}” is archived: it is no longer offered for new notes." if archiving
          else f"“{template.name}” is offered again.", "success")
    return redirect(url_for("note_templates.index"))
