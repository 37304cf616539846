"""The default practice library, written for this product, and copying it into a practice.

Each practice gets its own copy of the defaults the first time its library is used, so a
practice can edit or retire any entry without touching anyone else's. Defaults added in a
later release are copied in the same way (matched by their key), never twice.
"""
from sqlalchemy import select

from ..extensions import db
from .models import LibraryPractice

# (key, category, title, instructions, schedule kind, schedule values, time of day, prompts)
DEFAULT_LIBRARY = [
    ("arrival-journal", "journaling", "Write down what stayed with you",
     "Before the day gets busy, sit somewhere quiet with a notebook. Write whatever comes, without "
     "fixing spelling or making sense of it. Images, feelings, a single word: all of it counts.",
     "days", [0, 1], "evening",
     "What do I remember most clearly from the session?\nWhat feeling is still with me right now?\n"
     "Is there something I want to say to myself?"),
    ("morning-pages", "journaling", "Morning pages",
     "Fill one page by hand as soon as you wake up. Keep the pen moving. Nobody else will read it.",
     "days", [1, 2, 3], "morning",
     "What did I wake up feeling?\nWhat would make today gentle?"),
    ("letter-to-self", "journaling", "A letter to yourself in three months",
     "Write a short letter to the person you will be in three months. Tell them what you are hoping "
     "for and what you want them to remember. Seal it and put the date on the envelope.",
     "checkpoints", ["1w"], "",
     "What do I hope will be different?\nWhat do I never want to forget about this time?"),
    ("weekly-reflection", "journaling", "Weekly look back",
     "Once a week, look back over the last seven days. Notice what helped and what got in the way, "
     "without judging either.",
     "weekly", [6], "evening",
     "What helped me this week?\nWhere did I notice an old pattern?\nWhat will I try next week?"),
    ("breath-five", "meditation", "Five slow breaths",
     "Breathe in through your nose for a count of four, and out through your mouth for a count of six. "
     "Five times. That is the whole practice. Use it whenever you need to land.",
     "as_needed", [], "", ""),
    ("sitting-ten", "meditation", "Ten quiet minutes",
     "Sit comfortably, set a timer for ten minutes and rest your attention on your breathing. When your "
     "mind wanders, notice where it went and come back. Wandering is part of it.",
     "weekdays", [0, 1, 2, 3, 4], "morning", ""),
    ("body-scan", "meditation", "Body scan before sleep",
     "Lying down, move your attention slowly from your toes to the top of your head. Notice each part "
     "without changing anything. If you fall asleep, that is fine.",
     "days", [0, 1, 2, 3], "bedtime", ""),
    ("gentle-stretch", "movement", "Gentle morning stretch",
     "Five to ten minutes of slow stretching: neck, shoulders, back, hips. Move only as far as feels "
     "kind. The point is to say hello to your body, not to train it.",
     "days", [1, 2, 3], "morning", ""),
    ("restorative-yoga", "movement", "Restorative yoga",
     "A slow, supported yoga class or video of about thirty minutes. Use cushions and blankets. Rest "
     "is the practice.",
     "weekly", [2], "evening", ""),
    ("integration-session", "sessions", "Integration session",
     "We meet to talk about what came up and how the days since have been. Bring your journal if you "
     "like; there is nothing to prepare.",
     "checkpoints", ["1w"], "", "What do I want to talk about when we meet?"),
    ("check-in-call", "sessions", "Short check-in call",
     "A brief call to see how you are settling. If something feels hard before then, reach out sooner.",
     "days", [2], "", ""),
    ("draw-it", "creative", "Draw or paint what you saw",
     "Use any materials you have, even a pencil and the back of an envelope. Shapes and colours are "
     "enough. You are not making art for anyone else.",
     "days", [1], "afternoon", "What did I draw, and what does it remind me of?"),
    ("music-listening", "creative", "Listen to music that moved you",
     "Put on a piece of music from the session, or one that matches how you feel, and simply listen "
     "with your eyes closed.",
     "as_needed", [], "evening", ""),
    ("sleep-rhythm", "lifestyle", "A steady sleep rhythm",
     "Go to bed and get up at about the same time each day. Dim the screens an hour before bed. Sleep "
     "is when a lot of the settling happens.",
     "weekdays", [0, 1, 2, 3, 4, 5, 6], "bedtime", ""),
    ("nourishing-food", "lifestyle", "Simple, nourishing food",
     "Eat regular, simple meals and drink plenty of water in the first days. Go easy on alcohol and "
     "caffeine while you settle.",
     "days", [0, 1, 2, 3], "", ""),
    ("one-small-change", "lifestyle", "One small change",
     "Choose one small, concrete change that came out of your session, and do it each day this week. "
     "Small and steady beats big and brief.",
     "checkpoints", ["1w", "2w", "1m"], "",
     "What is the one small change I am making?\nHow did it go this week?"),
    ("nature-walk", "nature", "A slow walk outside",
     "Walk somewhere with trees, water or open sky for twenty minutes, without headphones. Let your "
     "attention rest on what you see, hear and smell.",
     "days", [1, 2, 3], "afternoon", "What did I notice outside today?"),
    ("sit-spot", "nature", "Your sit spot",
     "Find one place outdoors you can return to. Sit there for ten minutes, once a week, and notice "
     "how it changes with the seasons, and how you do.",
     "weekly", [5], "morning", ""),
    ("reach-out", "connection", "Reach out to someone you trust",
     "Call, message or meet one person who makes you feel safe. You do not have to explain the "
     "session; just spend some time together.",
     "days", [2, 3], "", ""),
    ("share-gratitude", "connection", "Tell someone what they mean to you",
     "If a person came to mind during the session with warmth, let them know, in your own words and "
     "in your own time.",
     "checkpoints", ["2w"], "", "Who came to mind, and what would I like them to know?"),
    ("integration-circle", "group", "Integration circle",
     "Join the group circle to share and listen with others who are on a similar path. You can speak "
     "or simply be there; both are welcome.",
     "checkpoints", ["2w", "1m", "3m"], "evening", "What would I like to bring to the circle?"),
]


def ensure_library(practice_id: int) -> None:
    """Copy any default practice this practice does not have yet (idempotent; caller commits)."""
    have = set(db.session.scalars(
        select(LibraryPractice.builtin_key).where(LibraryPractice.practice_id == practice_id,
                                                  LibraryPractice.builtin_key.is_not(None))
    ))
    for key, category, title, instructions, kind, values, when, prompts in DEFAULT_LIBRARY:
        if key in have:
            continue
        db.session.add(LibraryPractice(
            practice_id=practice_id, builtin_key=key, category=category, title=title,
            instructions=instructions, schedule_kind=kind, schedule_values=list(values),
            time_of_day=when, prompts=prompts,
        ))
    db.session.flush()


def practice_library(practice_id: int, include_retired: bool = False) -> list[LibraryPractice]:
    """The practice's library (defaults copied in on first use), by category and title."""
    ensure_library(practice_id)
    query = select(LibraryPractice).where(LibraryPractice.practice_id == practice_id)
    if not include_retired:
        query = query.where(LibraryPractice.retired.is_(False))
    return list(db.session.scalars(query.order_by(LibraryPractice.category, LibraryPractice.title)))
