"""What keeps a plan clinically safe: day-of-session safety, crisis lines, cautions, clock times.

Plain data and functions: the practice's settings go in, words for the client (or flags for the
practitioner) come out. Every default here is printed to clients, so it is written plainly (grade 6 or
below; tests/test_plans_reading.py measures it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

# The safe default for the day of a dosing session; a practice may write its own (plan settings).
# One line is one point on the plan.
DEFAULT_DAY_OF_SESSION = "\n".join([
    "Do not drive, ride a bike or use machines until the next day. Plan a ride home.",
    "Have an adult you trust with you, or close by, for the rest of the day.",
    "For 24 hours, do not drink alcohol or take drugs that make you sleepy, unless your prescriber told you to.",
    "Do not make big choices or sign anything important today.",
    "Rest. Eat something light when you feel ready, and sip water.",
    "Call 911 at once if you have chest pain, trouble breathing, or you faint.",
    "Call us if you feel confused and it does not pass, if you keep being sick, or if you feel unsafe.",
])

# Lines printed for a practice in the United States, whatever else the practice adds.
US_CRISIS_LINES = [
    "Call or text 988, any time, day or night (988 Suicide and Crisis Lifeline).",
    "Chat online at 988lifeline.org.",
    "Veterans: call 988 and press 1, or text 838255.",
    "Deaf or hard of hearing: dial 711, then 988. For ASL, call 988 from your videophone.",
    "In an emergency, call 911.",
]
COUNTRIES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "IE": "Ireland",
             "AU": "Australia", "NZ": "New Zealand", "DE": "Germany", "NL": "Netherlands", "ZZ": "Another country"}
# Where the app knows the lines itself; everywhere else the practice types its own.
BUILT_IN_LINES = {"US": US_CRISIS_LINES}

DEFAULT_TIMES = {"morning": "08:00", "midday": "12:30", "afternoon": "15:00", "evening": "19:00",
                 "bedtime": "21:00"}


def day_of_session_lines(practice) -> list[str]:
    """The day-of-session points for this practice: its own text, or the safe default."""
    text = (practice.day_of_session_text or "").strip() or DEFAULT_DAY_OF_SESSION
    return [line.strip().lstrip("-•* ").strip() for line in text.splitlines() if line.strip()]


def crisis_lines(practice) -> list[str]:
    """The crisis lines the plan prints: the country's built-in lines, then the practice's own."""
    own = [line.strip() for line in (practice.crisis_resources or "").splitlines() if line.strip()]
    built_in = BUILT_IN_LINES.get(practice.country or "US", [])
    return [*built_in, *(line for line in own if line not in built_in)]


def missing_crisis_line(practice) -> str | None:
    """Why a plan of this practice may not be finalized yet, or None: every plan names a crisis line."""
    if crisis_lines(practice):
        return None
    country = COUNTRIES.get(practice.country, practice.country)
    return (f"This practice is in {country}, and its plan settings have no crisis line for it yet. "
            "An admin adds one under Plan settings; then finalize again.")


def clock_time(practice, time_of_day: str) -> time | None:
    """The clock time a time of day means at this practice (None: any time of day)."""
    if time_of_day not in DEFAULT_TIMES:
        return None
    value = (practice.plan_times or {}).get(time_of_day) or DEFAULT_TIMES[time_of_day]
    try:
        return time.fromisoformat(value)
    except ValueError:
        return time.fromisoformat(DEFAULT_TIMES[time_of_day])


# --- cautions -------------------------------------------------------------------------------

# A caution meets a client's record when a history item's category, or a word in a history item or goal,
# speaks of the same thing. Generous on purpose: a flag costs one click, a missed one can harm.
CAUTION_SIGNS = {
    "substances": ({"substance_use"}, r"alcohol|drink|sober|drug|cannabis|opioid|craving|urge|relapse|addict|recovery"),
    "fasting": (set(), r"eating|food|weight|fasting|diet|anorexi|bulimi|diabet"),
    "strenuous": (set(), r"heart|chest|injur|blood pressure|pregnan|asthma|faint|back pain"),
    "eyes_closed": ({"adversity"}, r"trauma|abuse|assault|panic|dissociat|flashback|ptsd|bull|accident"),
    "alone": (set(), r"alone|isolat|suicid|self-harm|unsafe|lonely"),
}


@dataclass
class CautionFlag:
    """A plan item whose caution meets the client's record: what it is about and what it meets."""

    caution: str  # a key of CAUTIONS
    records: list  # the history items and goals it meets


def caution_flags(cautions: list[str], history: list, goals: list) -> list[CautionFlag]:
    """Which of these cautions meet the client's history items or goals."""
    flags = []
    for key in cautions or []:
        categories, pattern = CAUTION_SIGNS.get(key, (set(), ""))
        words = re.compile(pattern, re.IGNORECASE) if pattern else None
        met = [h for h in history if h.category in categories
               or (words and words.search(f"{h.title} {h.detail}"))]
        met += [g for g in goals if words and words.search(f"{g.title} {g.why}")]
        if met:
            flags.append(CautionFlag(key, met))
    return flags


# --- words that fit the time --------------------------------------------------------------------

TIME_WORDS = {
    "morning": r"\bwake|\bmorning|before the day gets busy|start of (the|your) day",
    "evening": r"end of the day|\bevening|before bed|\btonight",
}


def time_clash(text: str, time_of_day: str) -> str | None:
    """The time of day a text speaks of when it is not the one it is scheduled at (e.g. an evening
    practice that begins "Before the day gets busy"), else None."""
    for slot, pattern in TIME_WORDS.items():
        scheduled = "evening" if time_of_day == "bedtime" else time_of_day
        if time_of_day and scheduled != slot and re.search(pattern, text or "", re.IGNORECASE):
            return slot
    return None
