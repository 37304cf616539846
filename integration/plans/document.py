"""What the client's PDF shows: plain, patient-facing data, built from a plan and rendered by pdf.py.

Nothing here knows about the database. Whoever builds a PlanDocument copies in only fields meant for
the client (preferred name, goals and insights "in the client's words", library practice text), so
clinical notes, safety checks and sensitive history cannot reach the PDF by accident: there is no
field for them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

PAPER_SIZES = ("letter", "a4")


class EmptyPlanError(ValueError):
    """The plan has nothing for the client yet; a PDF of it would be an empty page."""


@dataclass
class PlanEntry:
    """One practice as the client reads it."""

    title: str  # client-facing name of the practice, e.g. "A slow morning walk"
    instructions: str = ""  # how to do it, plain words; blank lines separate paragraphs
    schedule_text: str = ""  # when, already worded for the client, e.g. "Every weekday" or "1 week after"
    time_of_day: str = ""  # e.g. "Morning", "Before bed"; empty when any time suits
    why: list[str] = field(default_factory=list)  # linked insights, in the client's own words
    goals: list[str] = field(default_factory=list)  # titles of the client's goals this practice serves
    # In "your first days", a practice repeated on several days is described once: later days name
    # the day that holds its instructions (e.g. "The day of your session") and keep the page short.
    described_on: str = ""
    category: str = ""  # client-facing category label, e.g. "Movement and yoga"; may be empty
    # A group circle's next sessions (date and time, and the theme as `what`); never who attends
    circle_dates: list[PlanAppointment] = field(default_factory=list)


@dataclass
class PlanDay:
    """One day of the integration window ("your first days")."""

    day_number: int  # 0 is the day of the session, 1 the day after, ...
    date: date | None = None  # the calendar date, when the plan is anchored to a session
    items: list[PlanEntry] = field(default_factory=list)  # practices for this day, in plan order
    prompts: list[str] = field(default_factory=list)  # journaling prompts for this day
    # The schedule was moved to start on the day the plan was given: day 0 is not the session's day.
    shifted: bool = False

    @property
    def label(self) -> str:
        """'The day of your session', 'Day 1 · the day after', 'Day 2', ... (or, for a shifted
        schedule, 'Your first day', 'Day 2', ...)."""
        if self.shifted:
            return "Your first day" if self.day_number == 0 else f"Day {self.day_number + 1}"
        if self.day_number == 0:
            return "The day of your session"
        if self.day_number == 1:
            return "Day 1 · the day after"
        return f"Day {self.day_number}"


@dataclass
class PlanGoal:
    """A goal as the client put it, with the insights from sessions that speak to it."""

    title: str  # the goal's title, as agreed with the client
    why_in_words: str = ""  # why it matters, in the client's words
    insights: list[str] = field(default_factory=list)  # linked insights, client's-words text only


@dataclass
class PlanAppointment:
    """A next appointment or check-in, worded for the client."""

    when_text: str  # e.g. "Thursday, May 7 at 10:00 AM"
    what: str  # e.g. "Integration session with Ines (video)"
    where: str = ""  # a circle's place or video link, for the member; never who else comes


@dataclass
class CalendarEvent:
    """One event of the client's calendar file: a practice on its day, or a circle session."""

    uid: str  # stable across versions of the same practice and day
    summary: str  # the practice's client-facing title
    description: str  # its instructions, or the circle session's theme; may be empty
    start: date | datetime  # a date is an all-day event; a datetime carries its time zone
    end: date | datetime
    weekly_on: tuple[int, ...] = ()  # repeats on these weekdays (0 is Monday) ...
    until: date | datetime | None = None  # ... until then
    location: str = ""  # a circle's place or video link
    alarm_minutes: int | None = None  # a reminder this many minutes before (VALARM); None: no reminder


@dataclass
class PlanDocument:
    """Everything the client's PDF (and its on-screen preview) shows, and nothing else."""

    title: str  # document title, also the PDF's metadata title, e.g. "Your integration plan"
    client_name: str  # the client's preferred name
    practitioner_name: str  # the practitioner who made the plan
    practice_name: str  # the practice's name, shown on the cover
    practitioner_contact: str = ""  # how to reach the practitioner (phone, email, hours); may be several lines
    language: str = "en"  # BCP 47 language of the document, set as <html lang> and the PDF /Lang
    start_date: date | None = None  # day 0: the session the plan follows, or the day it starts
    window_days: int = 3  # length of the integration window (practice setting), shown in the framing
    message: str = ""  # the practitioner's personal message; blank lines separate paragraphs
    first_days: list[PlanDay] = field(default_factory=list)  # the integration window, day by day
    ongoing: list[PlanEntry] = field(default_factory=list)  # practices for the weeks after
    goals: list[PlanGoal] = field(default_factory=list)  # goals in the client's words, with insights
    journal_prompts: list[str] = field(default_factory=list)  # prompts for the journaling pages
    appointments: list[PlanAppointment] = field(default_factory=list)  # next appointments, in order
    tracker_practices: list[str] = field(default_factory=list)  # row labels of the weekly tracker
    # Crisis lines, one per line: the country's built-in lines and the practice's own (plans/safety.py)
    crisis_lines: list[str] = field(default_factory=list)
    after_hours_line: str = ""  # the practice's after-hours number and when it answers
    reply_time: str = ""  # how fast messages are answered, e.g. "We answer messages within one working day."
    # Day-of-session safety points, printed first when the plan starts with a dosing session; else empty.
    day_of_session: list[str] = field(default_factory=list)
    # Days of the window already over when the plan was given, printed briefly ("already behind you").
    behind: list[PlanDay] = field(default_factory=list)
    version: int = 1  # plan version, printed in the footer
    issued_on: date | None = None  # the date this version was issued, printed in the footer
    paper_size: str = "letter"  # "letter" or "a4" (practice setting)
    large_print: bool = False  # bigger base type size throughout
    tracker_weeks: int = 4  # how many weekly tracker tables to print
    calendar: list[CalendarEvent] = field(default_factory=list)  # the .ics file's events, from the same read

    def __post_init__(self):
        if self.paper_size not in PAPER_SIZES:
            raise ValueError(f"paper_size must be one of {PAPER_SIZES}, not {self.paper_size!r}")

    @property
    def end_of_window(self) -> date | None:
        """The last day of the integration window (day 0 is the session's day, so a 3-day
        window runs from day 0 to day 3), when the plan has a start date."""
        if self.start_date is None:
            return None
        return self.start_date + timedelta(days=self.window_days)

    @property
    def is_empty(self) -> bool:
        """True when there is nothing for the client to do or read: no PDF should be made."""
        has_days = any(day.items or day.prompts for day in self.first_days)
        return not (has_days or self.ongoing or self.goals or self.journal_prompts or self.message.strip())

    @property
    def all_journal_prompts(self) -> list[str]:
        """The journaling pages' prompts: the plan's own, then each day's, without repeats."""
        seen: list[str] = []
        for prompt in [*self.journal_prompts, *(p for day in self.first_days for p in day.prompts)]:
            if prompt.strip() and prompt not in seen:
                seen.append(prompt)
        return seen

    @property
    def footer_text(self) -> str:
        """Footer line on every page: whose plan, which version, issued when."""
        issued = f" · {self.issued_on:%B} {self.issued_on.day}, {self.issued_on.year}" if self.issued_on else ""
        return f"{self.client_name}'s plan · version {self.version}{issued}"


    @property
    def footer_help(self) -> str:
        """Crisis help on every page, worksheets included: the first crisis line, shortened for the US."""
        if not self.crisis_lines:
            return ""
        first = self.crisis_lines[0]
        return "Help any time: call or text 988" if first.startswith("Call or text 988") else first


def paragraphs(text: str) -> list[list[str]]:
    """Split typed text into paragraphs (blank-line separated), each a list of lines."""
    blocks, current = [], []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def long_date(value: date | None) -> str:
    """'Tuesday, May 5, 2026' (no leading zero, locale-independent)."""
    if value is None:
        return ""
    return f"{value:%A, %B} {value.day}, {value.year}"


def short_date(value: date | None) -> str:
    """'Tue, May 5'."""
    if value is None:
        return ""
    return f"{value:%a, %b} {value.day}"
