"""The default practice library, written for this product, and copying it into a practice.

Each practice gets its own copy of the defaults the first time its library is used, so a
practice can edit or retire any entry without touching anyone else's. Defaults added in a
later release are copied in the same way (matched by their key), never twice.
"""
from typing import NamedTuple

from sqlalchemy import select

from ..extensions import db
from .models import LibraryPractice


class Default(NamedTuple):
    """One built-in library entry. Every word is ours, for the client, at a grade-6 reading level or
    below (tests/test_plans_reading.py measures it). No entry gives blanket advice about food, drink
    or exercise: those belong to the client's care team, so such entries carry a caution instead."""

    key: str
    category: str
    title: str
    instructions: str
    kind: str
    values: tuple
    when: str
    prompts: str = ""
    cautions: tuple = ()
    gentle: str = ""  # a trauma-sensitive version: eyes open, shorter, a way out


DEFAULT_LIBRARY = [
    Default("arrival-journal", "journaling", "Write down what stayed with you",
            "At the end of the day, sit somewhere quiet with a notebook. Write whatever comes. Don't fix "
            "the spelling or try to make sense of it. A picture, a feeling, one word: all of it counts.",
            "days", (0, 1), "evening",
            "What do I remember most clearly from the session?\nWhat feeling is still with me right now?\n"
            "Is there something I want to say to myself?"),
    Default("morning-pages", "journaling", "Morning pages",
            "Fill one page by hand soon after you wake up. Keep the pen moving. No one else will read it.",
            "days", (1, 2, 3), "morning",
            "What did I wake up feeling?\nWhat would make today gentle?"),
    Default("voice-journal", "journaling", "Say it out loud",
            "If writing feels hard, talk instead. Use the voice memo on your phone and speak for two or "
            "three minutes. Say what is on your mind, as if to a friend. You can listen back later, or not.",
            "days", (1, 3), "afternoon",
            "Out loud: what do I want to remember about this week?"),
    Default("letter-to-self", "journaling", "A letter to yourself in three months",
            "Write a short letter to the person you will be in three months. Tell them what you hope for "
            "and what you want them to remember. Seal it and put the date on it.",
            "checkpoints", ("1w",), "",
            "What do I hope will be different?\nWhat do I never want to forget about this time?"),
    Default("weekly-reflection", "journaling", "Weekly look back",
            "Once a week, look back over the last seven days. Notice what helped and what got in the way. "
            "There is no need to judge either.",
            "weekly", (6,), "evening",
            "What helped me this week?\nWhere did I notice an old pattern?\nWhat will I try next week?"),
    Default("relationship-patterns", "journaling", "Notice your patterns with people",
            "Think of a time this week when you felt close to someone, or far from them. Write what "
            "happened, what you felt, and what you did next. Over a few weeks, you may see a pattern. "
            "Bring what you find to your next session.",
            "weekly", (3,), "evening",
            "When did I feel close to someone this week?\nWhen did I pull away, and what was I afraid of?"),
    Default("breath-five", "meditation", "Five slow breaths",
            "Breathe in through your nose for a count of four. Breathe out through your mouth for a count "
            "of six. Do this five times. That is the whole practice. Use it when you need to land.",
            "as_needed", (), ""),
    Default("sitting-ten", "meditation", "Ten quiet minutes",
            "Sit in a comfortable spot. Set a timer for ten minutes and rest your mind on your breath. When "
            "your mind wanders, notice where it went and come back. Wandering is part of it.",
            "weekdays", (0, 1, 2, 3, 4), "morning", "",
            ("eyes_closed",),
            "Sit with your eyes open and rest your gaze on the floor a little way ahead. Set a timer for "
            "five minutes. Feel your feet on the ground. You can stop at any time."),
    Default("body-scan", "meditation", "Body scan",
            "Lie down or sit back. Move your attention slowly from your toes to the top of your head. "
            "Notice each part without changing it. If you fall asleep, that is fine.",
            "days", (1, 2, 3), "evening", "",
            ("eyes_closed",),
            "Sit up with your eyes open. Notice only your feet, your hands and the chair under you, for "
            "about three minutes. If a feeling gets too big, look around the room and name five things you see."),
    Default("self-compassion", "meditation", "Be kind to yourself",
            "Put a hand on your chest or your arm. Say to yourself, slowly: This is a hard moment. Hard "
            "moments are part of life. May I be kind to myself. Use your own words if these don't fit.",
            "as_needed", (), "",
            "What would I say to a friend who felt the way I feel now?"),
    Default("hard-session", "meditation", "After a hard session",
            "Some sessions are hard. You may have felt fear, grief or confusion. This does not mean it went "
            "wrong. Rest, stay warm, and eat something simple. Write down the parts you want to talk about, "
            "then put the notebook away. Bring it to your next session. If the feelings do not ease after "
            "a day or two, call us.",
            "as_needed", (), "",
            "What was hard, and what helped me get through it?"),
    Default("gentle-stretch", "movement", "Gentle morning stretch",
            "Five to ten minutes of slow stretching: neck, shoulders, back, hips. Move only as far as "
            "feels kind. The point is to say hello to your body, not to train it.",
            "days", (1, 2, 3), "morning"),
    Default("movement-exercise", "movement", "Move your body",
            "Choose a kind of movement you enjoy, such as a walk, a swim or a bike ride. Keep it at a pace "
            "where you can still talk. Start with ten minutes and build up slowly. Check with us first if "
            "you have a health problem.",
            "weekdays", (1, 3, 5), "afternoon", "",
            ("strenuous",)),
    Default("restorative-yoga", "movement", "Restful yoga",
            "A slow yoga class or video of about thirty minutes. Use cushions and blankets. Rest is the "
            "practice.",
            "weekly", (2,), "evening", "",
            ("eyes_closed",),
            "Choose a short chair yoga video of ten to fifteen minutes and keep your eyes open. Stop any "
            "pose that does not feel safe."),
    Default("integration-session", "sessions", "Integration session",
            "We meet to talk about what came up and how the days since have been. Bring your journal if "
            "you like. There is nothing to prepare.",
            "checkpoints", ("1w",), "", "What do I want to talk about when we meet?"),
    Default("check-in-call", "sessions", "Short check-in call",
            "We will call you on this day, in the afternoon, at the number we have for you. The call takes "
            "about ten minutes. If you miss it, we will try once more the same day. If you need us before "
            "then, use the numbers on the help page.",
            "days", (2,), "afternoon"),
    Default("draw-it", "creative", "Draw or paint what you saw",
            "Use any materials you have, even a pencil and the back of an envelope. Shapes and colours are "
            "enough. You are not making art for anyone else.",
            "days", (1,), "afternoon", "What did I draw, and what does it remind me of?"),
    Default("music-listening", "creative", "Listen to music that moved you",
            "Put on a piece of music from the session, or one that fits how you feel. Sit back and simply "
            "listen.",
            "as_needed", (), ""),
    Default("music-movement", "creative", "Move to music",
            "Put on one or two songs you like. Let your body move the way it wants to: sway, stretch, "
            "tap your feet or dance. There is no right way. Stop when you have had enough.",
            "weekly", (5,), "afternoon"),
    Default("sleep-rhythm", "lifestyle", "A steady sleep rhythm",
            "Try to go to bed and get up at about the same time each day. Dim the screens an hour before "
            "bed. Sleep is when a lot of the settling happens.",
            "as_needed", (), ""),
    Default("nourishing-food", "lifestyle", "Food, drink and your plan",
            "Eat regular meals that feel good to you, and drink water through the day. Talk with us about "
            "alcohol, other drugs, fasting, or a change to your medicine. What is right for you is your "
            "own. We will work it out together.",
            "days", (0, 1, 2, 3), "", "",
            ("substances", "fasting")),
    Default("one-small-change", "lifestyle", "One small change",
            "Choose one small, clear change that came out of your session. Do it each day this week. "
            "Small and steady beats big and brief.",
            "checkpoints", ("1w", "2w", "1m"), "",
            "What is the one small change I am making?\nHow did it go this week?"),
    Default("warning-signs", "lifestyle", "Know your warning signs",
            "Write down three signs that you are starting to struggle. For example: sleeping badly, pulling "
            "away from people, or old urges coming back. Next to each one, write one thing you will do, and "
            "who you will tell. Keep the list where you can find it.",
            "checkpoints", ("1w",), "",
            "What are my early warning signs?\nWhat will I do, and who will I tell?"),
    Default("booster-plan", "lifestyle", "Your plan for the weeks ahead",
            "The glow after a session can fade, and old habits can come back. That is normal. It is a sign "
            "to use your plan, not a sign that you failed. Keep one or two practices going. Book your next "
            "session before you need it. If you slip, tell us, and we will make a plan together.",
            "checkpoints", ("1m", "3m"), "",
            "Which practices help me most?\nWhat will I do if I slip?"),
    Default("nature-walk", "nature", "A slow walk outside",
            "Walk somewhere with trees, water or open sky for twenty minutes. Leave the headphones at home. "
            "Let your mind rest on what you see, hear and smell.",
            "days", (1, 2, 3), "afternoon", "What did I notice outside today?",
            ("alone",),
            "Walk with someone you trust, or on a busy path you know well. Keep your phone with you."),
    Default("sit-spot", "nature", "Your sit spot",
            "Find one place outdoors you can return to. Sit there for ten minutes, once a week. Notice how "
            "it changes with the seasons, and how you do.",
            "weekly", (5,), "morning", "",
            ("alone",)),
    Default("reach-out", "connection", "Reach out to someone you trust",
            "Call, message or meet one person who makes you feel safe. You do not have to explain the "
            "session. Just spend some time together.",
            "days", (2, 3), ""),
    Default("share-gratitude", "connection", "Tell someone what they mean to you",
            "If a person came to mind during the session with warmth, let them know. Use your own words, "
            "in your own time.",
            "checkpoints", ("2w",), "", "Who came to mind, and what would I like them to know?"),
    Default("integration-circle", "group", "Integration circle",
            "Join the group circle to share and listen with others on a similar path. You can speak or "
            "simply be there. Both are welcome.",
            "checkpoints", ("2w", "1m", "3m"), "evening", "What would I like to bring to the circle?"),
]
DEFAULTS_BY_KEY = {row.key: row for row in DEFAULT_LIBRARY}


def ensure_library(practice_id: int) -> None:
    """Copy any default practice this practice does not have yet (idempotent; caller commits)."""
    have = set(db.session.scalars(
        select(LibraryPractice.builtin_key).where(LibraryPractice.practice_id == practice_id,
                                                  LibraryPractice.builtin_key.is_not(None))
    ))
    for row in DEFAULT_LIBRARY:
        if row.key in have:
            continue
        db.session.add(LibraryPractice(
            practice_id=practice_id, builtin_key=row.key, category=row.category, title=row.title,
            instructions=row.instructions, schedule_kind=row.kind, schedule_values=list(row.values),
            time_of_day=row.when, prompts=row.prompts, cautions=list(row.cautions), gentle_variant=row.gentle,
        ))
    db.session.flush()


def practice_library(practice_id: int, include_retired: bool = False) -> list[LibraryPractice]:
    """The practice's library (defaults copied in on first use), by category and title."""
    ensure_library(practice_id)
    query = select(LibraryPractice).where(LibraryPractice.practice_id == practice_id)
    if not include_retired:
        query = query.where(LibraryPractice.retired.is_(False))
    return list(db.session.scalars(query.order_by(LibraryPractice.category, LibraryPractice.title)))
