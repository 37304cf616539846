"""The demo practice's note templates (fictional; our own words). Added once: a practice that has
any template already is left alone."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from . import templates
from .models import NoteTemplate

DEMO_TEMPLATES = (
    ("debrief", "First debrief", {
        "experience": {"prompt": "Start with their first words after the session. What stood out to them?"},
        "body": {"prompt": "Any tension, warmth, heaviness or ease? Where, and did it move?"},
        "imagery": {"prompt": "Images or memories they named, and what those meant to them."},
        "challenges": {"prompt": "Fear, nausea, confusion: what helped, and how long it lasted."},
        "observations": {"prompt": "Affect, speech, orientation on leaving; how they got home."},
        "next_steps": {"prompt": "Practices until the next session, and when you will check in.",
                       "start": "Check-in call within 48 hours.\nPractice: "},
    }),
    ("debrief", "Later debrief", {
        "experience": {"prompt": "How was this session different from the last one, in their words?"},
        "challenges": {"prompt": "Anything that came back from an earlier session?"},
        "next_steps": {"prompt": "What carries over to the integration sessions."},
    }),
    ("integration", "Integration, week one", {
        "focus": {"prompt": "What they brought today, and how the days since the session have felt."},
        "changes": {"prompt": "Sleep, mood, relationships, anything they do differently."},
        "practices": {"prompt": "Which practices from the plan they tried, and what got in the way.",
                      "start": "Tried: \nNot yet: "},
    }),
    ("coaching", "Coaching check-in", {
        "focus": {"prompt": "The one thing they wanted to work on today."},
        "practised": {"prompt": "What you practised together, and how it felt to them."},
        "next_step": {"prompt": "One small step, with a day for it.", "start": "By "},
    }),
)


def load_demo(practice, users, clients) -> None:
    if db.session.scalar(select(NoteTemplate.id).where(NoteTemplate.practice_id == practice.id).limit(1)):
        return
    admin = users.get("admin") or next(iter(users.values()))
    for kind, name, given in DEMO_TEMPLATES:
        templates.create(practice.id, kind, name, given, admin)
