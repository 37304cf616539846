"""Factories for dosing sessions and notes."""
from datetime import date, datetime, timedelta

import factory

from integration.notes import lifecycle, sections
from integration.notes.models import DosingSession, Note
from tests.factories import Base


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


def debrief_content(**overrides) -> dict:
    """A filled-in debrief, as the editor would save it."""
    fields = {
        "experience": "It felt like floating over the lake where we spent summers.",
        "emotion-grief": "4", "emotion-peace": "3",
        "emotions-text": "Sad, then unexpectedly light.",
        "body": "Warmth in the chest.",
        "safety-mood": "Calm, a little tired", "safety-asked": "yes", "safety-answer": "No thoughts of self-harm.",
        "safety-follow_up": "no",
        "next_steps": "Journal each morning until Friday.",
    }
    fields.update(overrides)
    return sections.content_from_fields("debrief", fields)[0]


class NoteFactory(Base):
    class Meta:
        model = Note

    client = None  # pass client=
    author = None  # pass author=
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    author_id = factory.LazyAttribute(lambda o: o.author.id)
    kind = "debrief"
    occurred_on = factory.LazyFunction(lambda: date.today() - timedelta(days=1))
    content = factory.LazyAttribute(lambda o: debrief_content() if o.kind == "debrief"
                                    else sections.content_from_fields(o.kind, {"focus": "Sleep"})[0])
    search_text = factory.LazyAttribute(lambda o: sections.search_text(o.kind, o.content))
    status = "draft"
    version = 1

    @classmethod
    def signed(cls, **kwargs) -> Note:
        """A note signed by its author."""
        note = cls(**kwargs)
        lifecycle.sign(note, note.author, note.version)
        Base._meta.sqlalchemy_session_factory().commit()
        return note
