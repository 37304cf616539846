"""Note templates: a practice's prompts and starting text for the sections of one kind of note.

A template never adds or removes sections: the sections stay the kind's own (sections.py), so a
note's lifecycle, its signing hash, search and who may read it are the same with or without one.
A template only gives each text section a prompt (shown under its label, in place of the kind's
own hint) and, if the practice wants, starting text that the new note begins with.

Saving a template makes a new version; a note keeps the version it started from, so a later edit
or archiving never changes a note already written.
"""
from __future__ import annotations

from sqlalchemy import select

from ..clock import utcnow
from ..extensions import db
from . import sections
from .models import TEMPLATE_KINDS, Note, NoteTemplate, NoteTemplateVersion

MAX_NAME_CHARS = 120
MAX_PROMPT_CHARS = 500
MAX_START_CHARS = 4_000


def template_sections(kind: str) -> tuple[sections.Section, ...]:
    """The sections of a kind a template may fill: the plain text ones (not emotions, safety, progress)."""
    return tuple(s for s in sections.sections_for(kind) if s.widget == "text")


def cleaned(kind: str, given: dict) -> dict:
    """{section: {"prompt", "start"}} for the kind's text sections, without empty entries."""
    out = {}
    for section in template_sections(kind):
        entry = given.get(section.name) or {}
        prompt, start = (entry.get("prompt") or "").strip(), (entry.get("start") or "").rstrip()
        if prompt or start:
            out[section.name] = {"prompt": prompt, "start": start}
    return out


def save(template: NoteTemplate, name: str, given: dict, user) -> NoteTemplateVersion | None:
    """A new version with this name and these sections; None when nothing differs from the current one."""
    content = cleaned(template.kind, given)
    if template.versions and template.current.name == name and template.current.sections == content:
        return None
    version = NoteTemplateVersion(template=template, number=len(template.versions) + 1, name=name,
                                  sections=content, created_by_id=user.id)
    db.session.add(version)
    return version


def create(practice_id: int, kind: str, name: str, given: dict, user) -> NoteTemplate:
    template = NoteTemplate(practice_id=practice_id, kind=kind, created_by_id=user.id)
    db.session.add(template)
    save(template, name, given, user)
    db.session.flush()
    return template


def set_archived(template: NoteTemplate, archived: bool) -> None:
    template.archived_at = utcnow() if archived else None


def practice_templates(practice_id: int, *, archived: bool | None = False) -> list[NoteTemplate]:
    query = select(NoteTemplate).where(NoteTemplate.practice_id == practice_id)
    if archived is not None:
        query = query.where(NoteTemplate.archived_at.is_not(None) if archived else NoteTemplate.archived_at.is_(None))
    found = db.session.scalars(query.order_by(NoteTemplate.kind, NoteTemplate.id)).all()
    return sorted(found, key=lambda t: (TEMPLATE_KINDS.index(t.kind) if t.kind in TEMPLATE_KINDS else 99,
                                        t.name.lower()))


def offered(practice_id: int, kinds) -> dict[str, list[NoteTemplate]]:
    """The templates a new note may start from, by kind, for the kinds the user may start."""
    by_kind: dict[str, list[NoteTemplate]] = {kind: [] for kind in kinds if kind in TEMPLATE_KINDS}
    for template in practice_templates(practice_id):
        if template.kind in by_kind:
            by_kind[template.kind].append(template)
    return by_kind


def uses(template: NoteTemplate) -> int:
    """How many notes started from any version of this template."""
    versions = select(NoteTemplateVersion.id).where(NoteTemplateVersion.template_id == template.id)
    return db.session.scalar(select(db.func.count(Note.id)).where(Note.template_version_id.in_(versions))) or 0


def last_used(user, practice_id: int) -> dict[str, int]:
    """For each kind, the template of this user's newest note of that kind, if it is still offered
    (a note of the kind started blank means "none" next time too)."""
    rows = db.session.execute(
        select(Note.kind, Note.template_version_id).where(Note.author_id == user.id, Note.kind.in_(TEMPLATE_KINDS))
        .order_by(Note.created_at.desc(), Note.id.desc()).limit(50)).all()
    newest: dict[str, int | None] = {}
    for kind, version_id in rows:
        newest.setdefault(kind, version_id)
    ids = {v for v in newest.values() if v}
    templates = dict(db.session.execute(
        select(NoteTemplateVersion.id, NoteTemplate.id).join(NoteTemplate)
        .where(NoteTemplateVersion.id.in_(ids), NoteTemplate.practice_id == practice_id,
               NoteTemplate.archived_at.is_(None))).all()) if ids else {}
    return {kind: templates[v] for kind, v in newest.items() if v in templates}


def starting_fields(version: NoteTemplateVersion | None) -> dict[str, str]:
    if version is None:
        return {}
    return {name: entry.get("start", "") for name, entry in version.sections.items() if entry.get("start")}


def prompts(note) -> dict[str, str]:
    """Each section's prompt from the template version the note started from ({} without one)."""
    version = getattr(note, "template_version", None)
    if version is None:
        return {}
    return {name: entry["prompt"] for name, entry in version.sections.items() if entry.get("prompt")}
