"""The sections of each kind of note, and how a note's `content` moves to and from form fields.

`Note.content` is a dict of section name -> value:

- a text section holds a string;
- "emotions" holds {"picked": {emotion: intensity 1-5}, "text": str};
- "safety" holds {"mood", "asked", "answer", "follow_up", "plan"} (strings; asked/follow_up are "yes"/"no"/"");
- "progress" holds {"layout": "soap"|"dap"|"birp"|"", "<layout>": {part: str}} (only parts with text).

The editor posts flat form fields (see field names below); the same fields carry a note
from the browser's local copy back to the server, so one parser serves every path.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..forms import clean_text

# Generous for a real note, small enough that one section cannot bloat the database.
MAX_SECTION_CHARS = 100_000
MAX_LINE_CHARS = 1_000


@dataclass(frozen=True)
class Section:
    name: str
    label: str
    help: str = ""
    widget: str = "text"  # text | line | emotions | safety | progress
    rows: int = 4


DEBRIEF_SECTIONS = (
    Section("experience", "The experience, in the client's words",
            "What they said about it, as close to their own words as you can.", rows=7),
    Section("emotions", "Emotions", widget="emotions"),
    Section("body", "Body sensations", "Where in the body, what it felt like, how it changed."),
    Section("imagery", "Imagery and themes", "Images, memories, places, figures, recurring themes."),
    Section("challenges", "Challenging moments", "What was hard, and what helped them through it."),
    Section("observations", "Practitioner observations", "What you noticed: presentation, affect, process."),
    Section("safety", "Safety check", widget="safety"),
    Section("next_steps", "Next steps", "Plans until the next session, practices, referrals."),
)

INTEGRATION_SECTIONS = (
    Section("focus", "Focus of the session", "What you worked on together today."),
    Section("changes", "What changed since last time", "In the client's life, mood, body, relationships."),
    Section("practices", "Practices tried", "What they tried at home and how it went."),
    Section("progress", "Progress note", widget="progress"),
)

# An individual note after a group circle: this client only, never the other members.
GROUP_SECTIONS = (
    Section("participation", "Participation", "How they took part: present, quiet, engaged, how they left."),
    Section("brought", "What they brought", "What they shared of their own experience, in their words."),
    Section("reflections", "Insights and reflections", "What shifted or landed for them; links to their history and goals."),
    Section("next_steps", "Next steps", "Until the next circle: practices, a follow-up, a referral."),
)

# The circle's own note (GroupNote): themes and process in general terms, never one member's story.
CIRCLE_SECTIONS = (
    Section("text", "Themes and process", "In general terms. No names, and nothing one person shared: "
            "that belongs in their own note.", rows=10),
)

# A coach's note: what the coaching session worked on, never diagnosis or a clinical progress note.
COACHING_SECTIONS = (
    Section("focus", "Focus", "What the client wanted to work on today, in their words."),
    Section("practised", "What we practised", "Practices tried together, and how they went."),
    Section("next_step", "Next step", "One small step until the next meeting."),
)

# Psychotherapy notes (45 CFR 164.501): the author's own process notes, kept apart from the record.
PROCESS_SECTIONS = (
    Section("text", "Process notes", "Your own working notes: hypotheses, countertransference, what to "
            "explore next. Only you can ever read them; they are never shared, searched by others or printed.",
            rows=12),
)

SECTIONS = {"debrief": DEBRIEF_SECTIONS, "integration": INTEGRATION_SECTIONS, "group": GROUP_SECTIONS,
            "circle": CIRCLE_SECTIONS, "coaching": COACHING_SECTIONS, "process": PROCESS_SECTIONS}
# The kinds that carry insights (linked to goals and history, and from there into plans).
INSIGHT_KINDS = ("debrief", "integration", "group")

EMOTIONS = {
    "peace": "Peace, calm",
    "joy": "Joy",
    "love": "Love, connection",
    "gratitude": "Gratitude",
    "awe": "Awe, wonder",
    "relief": "Relief",
    "grief": "Grief, sadness",
    "fear": "Fear",
    "anxiety": "Anxiety, unease",
    "anger": "Anger",
    "shame": "Shame, guilt",
    "confusion": "Confusion",
    "numbness": "Numbness, distance",
}
INTENSITIES = {1: "1 · faint", 2: "2 · mild", 3: "3 · moderate", 4: "4 · strong", 5: "5 · overwhelming"}

YES_NO = {"": "Not recorded", "yes": "Yes", "no": "No"}

PROGRESS_LAYOUTS = {
    "soap": ("SOAP", (("subjective", "Subjective"), ("objective", "Objective"),
                      ("assessment", "Assessment"), ("plan", "Plan"))),
    "dap": ("DAP", (("data", "Data"), ("assessment", "Assessment"), ("plan", "Plan"))),
    "birp": ("BIRP", (("behavior", "Behavior"), ("intervention", "Intervention"),
                      ("response", "Response"), ("plan", "Plan"))),
}


def sections_for(kind: str) -> tuple[Section, ...]:
    return SECTIONS.get(kind, INTEGRATION_SECTIONS)


def field_labels(kind: str) -> list[tuple[str, str, str]]:
    """Every form field of a kind of note as (field name, section label, field label)."""
    out = []
    for section in sections_for(kind):
        if section.widget == "emotions":
            out += [(f"emotion-{key}", section.label, f"{label} (intensity)") for key, label in EMOTIONS.items()]
            out.append(("emotions-text", section.label, "In their words"))
        elif section.widget == "safety":
            out.append(("safety-mood", section.label, "Mood at the end of the session"))
            out.append(("safety-asked", section.label, "Asked about thoughts of self-harm"))
            out.append(("safety-answer", section.label, "Their answer"))
            out.append(("safety-follow_up", section.label, "Follow-up needed"))
            out.append(("safety-plan", section.label, "Follow-up agreed"))
        elif section.widget == "progress":
            out.append(("progress-layout", section.label, "Layout"))
            for layout, (layout_label, parts) in PROGRESS_LAYOUTS.items():
                out += [(f"progress-{layout}-{part}", section.label, f"{layout_label}: {label}") for part, label in parts]
        else:
            out.append((section.name, section.label, section.label))
    return out


def fields_from_content(kind: str, content: Mapping | None) -> dict[str, str]:
    """The editor's field values for a note's content (every field present, empty when unset)."""
    content = content if isinstance(content, Mapping) else {}
    fields: dict[str, str] = {}
    for section in sections_for(kind):
        value = content.get(section.name)
        if section.widget == "emotions":
            value = value if isinstance(value, Mapping) else {}
            picked = value.get("picked") if isinstance(value.get("picked"), Mapping) else {}
            for key in EMOTIONS:
                fields[f"emotion-{key}"] = str(picked.get(key, "") or "")
            fields["emotions-text"] = _text(value.get("text"))
        elif section.widget == "safety":
            value = value if isinstance(value, Mapping) else {}
            for key in ("mood", "asked", "answer", "follow_up", "plan"):
                fields[f"safety-{key}"] = _text(value.get(key))
        elif section.widget == "progress":
            value = value if isinstance(value, Mapping) else {}
            fields["progress-layout"] = _text(value.get("layout"))
            for layout, (_, parts) in PROGRESS_LAYOUTS.items():
                saved = value.get(layout) if isinstance(value.get(layout), Mapping) else {}
                for part, _ in parts:
                    fields[f"progress-{layout}-{part}"] = _text(saved.get(part))
        else:
            fields[section.name] = _text(value)
    return fields


def too_long(length: int, limit: int) -> str:
    over = length - limit
    return (f"This is {length:,} characters: {over:,} character{'' if over == 1 else 's'} over the limit of "
            f"{limit:,} for one section. Shorten it or split it across sections. Your text is kept.")


def content_from_fields(kind: str, fields: Mapping) -> tuple[dict, dict[str, str]]:
    """Parse the editor's fields into content. Returns (content, errors by field name).

    Unknown fields are ignored; a choice outside its list is an error, as is text longer
    than the section allows. On any error the caller keeps the note as it was.
    """
    content: dict = {}
    errors: dict[str, str] = {}

    def text(name: str, limit: int = MAX_SECTION_CHARS) -> str:
        value = fields.get(name, "")
        value = value if isinstance(value, str) else ("" if value is None else str(value))
        try:
            value = clean_text(value.replace("\r\n", "\n"))
        except ValueError as refused:
            errors[name] = str(refused)
            return ""
        if len(value) > limit:
            errors[name] = too_long(len(value), limit)
        return value

    def choice(name: str, allowed) -> str:
        value = text(name, 20).strip()
        if value and value not in allowed:
            errors[name] = "Choose one of the options."
            return ""
        return value

    for section in sections_for(kind):
        if section.widget == "emotions":
            picked = {}
            for key in EMOTIONS:
                value = choice(f"emotion-{key}", {str(n) for n in INTENSITIES})
                if value:
                    picked[key] = int(value)
            content["emotions"] = {"picked": picked, "text": text("emotions-text")}
        elif section.widget == "safety":
            content["safety"] = {
                "mood": text("safety-mood", MAX_LINE_CHARS),
                "asked": choice("safety-asked", YES_NO),
                "answer": text("safety-answer"),
                "follow_up": choice("safety-follow_up", YES_NO),
                "plan": text("safety-plan"),
            }
        elif section.widget == "progress":
            progress = {"layout": choice("progress-layout", PROGRESS_LAYOUTS)}
            for layout, (_, parts) in PROGRESS_LAYOUTS.items():
                written = {part: text(f"progress-{layout}-{part}") for part, _ in parts}
                written = {part: value for part, value in written.items() if value.strip()}
                if written:
                    progress[layout] = written
            content["progress"] = progress
        else:
            content[section.name] = text(section.name)
    return content, errors


def content_from_json(kind: str, content) -> tuple[dict, dict[str, str]]:
    """Content sent as JSON, checked exactly as the form fields are."""
    return content_from_fields(kind, fields_from_content(kind, content))


def written_parts(kind: str, content: Mapping) -> list[str]:
    """The words of a note field by field, as written: what search indexes and what a search result's
    snippet shows. Labels of picked emotions are in; yes/no answers and the progress layout are not (a
    bare "no" means nothing out of its form)."""
    parts = []
    for name, value in fields_from_content(kind, content).items():
        if not value.strip() or name in ("safety-asked", "safety-follow_up", "progress-layout"):
            continue
        parts.append(EMOTIONS[name.removeprefix("emotion-")] if name.startswith("emotion-") else value.strip())
    return parts


def search_text(kind: str, content: Mapping) -> str:
    """All the words of a note, lower case, for search."""
    return "\n".join(written_parts(kind, content)).lower()


def is_blank(kind: str, content: Mapping) -> bool:
    return not search_text(kind, content).strip()


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
