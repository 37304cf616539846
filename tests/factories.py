"""Factories for test objects: tests say what matters and let these fill in the rest.

Objects that belong to a client take `client=`; children take their parent (`note=`, `goal=`,
`plan=`, `series=`, ...). Each is committed when made.
"""
import secrets
from datetime import date, datetime, timedelta

import factory

from integration.auth.models import Practice, User, hash_password
from integration.clients.models import CareTeamMember, Client, Goal, GoalCheckIn, HistoryItem
from integration.clock import DEFAULT_ZONE, local_today, utcnow
from integration.extensions import db
from integration.groups.models import Attendance, Enrollment, GroupSeries, GroupSession
from integration.notes import lifecycle, sections
from integration.notes.models import DosingSession, Insight, InsightTheme, Note
from integration.plans.models import LibraryPractice, Plan, PlanItem


def practice_today() -> date:
    """Today where the test practice is (its zone, America/New_York), the day its forms call "today":
    near midnight UTC the machine's date.today() is already tomorrow there, and a form refuses it."""
    return local_today(DEFAULT_ZONE)

PASSWORD = "copper lantern meadow ridge"


class Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


# --- people ----------------------------------------------------------------------------------------

class PracticeFactory(Base):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Test Practice {n}")


class UserFactory(Base):
    """A practitioner whose password is PASSWORD (hashed with the test app's fast parameters)."""

    class Meta:
        model = User

    practice = factory.SubFactory(PracticeFactory)
    email = factory.Sequence(lambda n: f"user{n}@practice.example")
    name = factory.Sequence(lambda n: f"Practitioner {n}")
    credentials = "LMFT"
    role = "therapist"
    active = True
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))
    session_token = factory.LazyFunction(lambda: secrets.token_hex(16))


# --- clients and their record ----------------------------------------------------------------------

class ClientFactory(Base):
    class Meta:
        model = Client

    practice_id = factory.LazyFunction(lambda: PracticeFactory().id)
    first_name = factory.Sequence(lambda n: f"Client{n}")
    last_name = "Example"

    @classmethod
    def for_team(cls, *members: User, **kwargs) -> Client:
        """A client of the first member's practice with these members on its care team."""
        client = cls(practice_id=members[0].practice_id, **kwargs)
        for member in members:
            db.session.add(CareTeamMember(client=client, user=member))
        db.session.commit()
        return client


class HistoryItemFactory(Base):
    class Meta:
        model = HistoryItem

    client = None  # pass client=
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    category = "family"
    title = factory.Sequence(lambda n: f"History item {n}")
    detail = "Grew up near the coast with two older brothers."
    when_text = "childhood"
    sensitive = False


class GoalFactory(Base):
    class Meta:
        model = Goal

    client = None  # pass client=
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    title = factory.Sequence(lambda n: f"Goal {n}")
    why = "I want to feel at home in my own evenings."
    how_we_know = "Fewer nights spent scrolling until 2 am."
    life_area = "emotional"
    status = "active"


class CheckInFactory(Base):
    class Meta:
        model = GoalCheckIn

    goal = None  # pass goal=
    goal_id = factory.LazyAttribute(lambda o: o.goal.id)
    client_id = factory.LazyAttribute(lambda o: o.goal.client_id)
    checked_on = factory.LazyFunction(date.today)
    rating = 5
    note = ""


# --- sessions, notes, insights ---------------------------------------------------------------------

class DosingSessionFactory(Base):
    class Meta:
        model = DosingSession

    client = None  # pass client=
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    number = factory.Sequence(lambda n: n + 1)
    started_at = factory.LazyFunction(lambda: datetime(2025, 3, 3, 15, 0))
    medicine = "ketamine"
    route = "im"
    dose_mg = 70.0
    dose_mg_per_kg = 1.0
    intention = "To meet the grief with some kindness."


# What a filled-in note of each kind says unless a test says otherwise (editor field names).
NOTE_FIELDS = {
    "debrief": {
        "experience": "It felt like floating over the lake where we spent summers.",
        "emotion-grief": "4", "emotion-peace": "3",
        "emotions-text": "Sad, then unexpectedly light.",
        "body": "Warmth in the chest.",
        "safety-mood": "Calm, a little tired", "safety-asked": "yes", "safety-answer": "No thoughts of self-harm.",
        "safety-follow_up": "no",
        "next_steps": "Journal each morning until Friday.",
    },
    "integration": {"focus": "We talked about the week."},
    "coaching": {"focus": "Evenings feel long.", "practised": "A slow walk after dinner.",
                 "next_step": "Walk twice before Friday."},
    "process": {"text": "Working hypothesis: the pauses carry more than the words."},
    "group": {},
}


def note_content(kind: str, **fields) -> dict:
    """A note's content as the editor would save it: NOTE_FIELDS of the kind, with these fields."""
    return sections.content_from_fields(kind, {**NOTE_FIELDS[kind], **fields})[0]


def debrief_content(**fields) -> dict:
    """A filled-in debrief, as the editor would save it."""
    return note_content("debrief", **fields)


def _first_section(kind: str, text: str | None) -> dict:
    return {sections.sections_for(kind)[0].name: text} if text is not None else {}


class NoteFactory(Base):
    """A draft integration note, its search text in step with its content (as the notes code keeps it).

    `kind=` picks the kind (a debrief comes filled in); `text=` sets the words of the note's first
    section, `content=` the whole content. `NoteFactory.signed(...)` makes a signed note,
    `NoteFactory.for_attendance(...)` a client's individual note after a circle session.
    """

    class Meta:
        model = Note

    class Params:
        text = None

    client = None  # pass client=
    author = None  # pass author=
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    author_id = factory.LazyAttribute(lambda o: o.author.id)
    kind = "integration"
    occurred_on = factory.LazyFunction(lambda: practice_today() - timedelta(days=1))
    content = factory.LazyAttribute(lambda o: note_content(o.kind, **_first_section(o.kind, o.text)))
    search_text = factory.LazyAttribute(lambda o: sections.search_text(o.kind, o.content))
    status = "draft"
    version = 1

    @classmethod
    def signed(cls, **kwargs) -> Note:
        """A note signed by its author, through the notes lifecycle (content hash, signed copy)."""
        note = cls(**kwargs)
        lifecycle.sign(note, note.author, note.version)
        db.session.commit()
        return note

    @classmethod
    def for_attendance(cls, attendance: Attendance, author: User, *, signed: bool = True, **fields) -> Note:
        """The client's individual note for the circle session they attended, linked from the attendance row."""
        made = cls.signed if signed else cls
        note = made(client=attendance.client, author=author, kind="group", group_session_id=attendance.group_session_id,
                    occurred_on=attendance.group_session.starts_at.date(), content=note_content("group", **fields))
        attendance.note_id = note.id
        db.session.commit()
        return note


class InsightFactory(Base):
    class Meta:
        model = Insight

    note = None  # pass note=
    note_id = factory.LazyAttribute(lambda o: o.note.id)
    client_id = factory.LazyAttribute(lambda o: o.note.client_id)
    text = factory.Sequence(lambda n: f"Insight {n}: the tightness in the chest is old fear, not danger")

    @factory.post_generation
    def themes(obj, create, extracted, **kwargs):
        for theme in extracted or ():
            obj.themes.append(InsightTheme(theme=theme, client_id=obj.client_id))
        if create and extracted:
            db.session.commit()


# --- group circles ---------------------------------------------------------------------------------

class GroupSeriesFactory(Base):
    class Meta:
        model = GroupSeries

    practice_id = None  # pass practice_id=, or use run_by()
    name = factory.Sequence(lambda n: f"Circle {n}")
    description = "A weekly circle in the weeks after a session."
    weekday = 1
    capacity = 8
    place = "The garden room"

    @classmethod
    def run_by(cls, *facilitators: User, **kwargs) -> GroupSeries:
        """A series of the first facilitator's practice, with these facilitators."""
        return cls(practice_id=facilitators[0].practice_id, facilitators=list(facilitators), **kwargs)


class GroupSessionFactory(Base):
    class Meta:
        model = GroupSession

    series = None  # pass series=
    series_id = factory.LazyAttribute(lambda o: o.series.id)
    starts_at = factory.LazyFunction(lambda: utcnow().replace(microsecond=0) - timedelta(days=2))
    theme = factory.Sequence(lambda n: f"Theme {n}")


class EnrollmentFactory(Base):
    class Meta:
        model = Enrollment

    series = None  # pass series=
    client = None  # pass client=
    series_id = factory.LazyAttribute(lambda o: o.series.id)
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    status = "enrolled"
    status_at = factory.LazyFunction(utcnow)


class AttendanceFactory(Base):
    class Meta:
        model = Attendance

    group_session = None  # pass group_session=
    client = None  # pass client=
    group_session_id = factory.LazyAttribute(lambda o: o.group_session.id)
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    status = "present"


# --- plans -----------------------------------------------------------------------------------------

class LibraryPracticeFactory(Base):
    class Meta:
        model = LibraryPractice

    practice_id = None  # pass practice_id=
    category = "nature"
    title = factory.Sequence(lambda n: f"Library practice {n}")
    instructions = "Walk slowly somewhere green for twenty minutes."
    schedule_kind = "days"
    schedule_values = factory.LazyFunction(lambda: [1, 2])
    time_of_day = "morning"
    prompts = ""


class PlanFactory(Base):
    class Meta:
        model = Plan

    client = None  # pass client=
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    # Today where the practice is: a plan's days from today on are its days ahead (days before it are
    # printed as already behind the client; tests of that pass an earlier start_date).
    start_date = factory.LazyAttribute(lambda o: local_today(o.client.practice.timezone))
    message = "You did something brave this week. Go gently."
    status = "draft"
    version = 1
    created_by_id = None


class PlanItemFactory(Base):
    class Meta:
        model = PlanItem

    plan = None  # pass plan=
    plan_id = factory.LazyAttribute(lambda o: o.plan.id)
    client_id = factory.LazyAttribute(lambda o: o.plan.client_id)
    position = factory.Sequence(lambda n: n)
    category = "journaling"
    title = factory.Sequence(lambda n: f"Plan practice {n}")
    instructions = "Write for ten minutes without stopping."
    schedule_kind = "days"
    schedule_values = factory.LazyFunction(lambda: [0, 1])
    time_of_day = "evening"
    prompts = ""


def session_form(**overrides) -> dict:
    """The form that records a held dosing session, filled in (what a clinician types), with overrides."""
    data = {
        "started_on": local_today("America/New_York").isoformat(),
        "started_time": "09:30",
        "product": "racemic",
        "route": "im",
        "dose_mg": "70",
        "dose_mg_per_kg": "1.0",
        "setting": "Quiet room, eyeshades, playlist",
        "intention": "To be gentler with myself",
        "notes": "",
        "confirm_without_consent": "y",  # (tests/test_dosing_*.py test consent)
    }
    data.update(overrides)
    return data
