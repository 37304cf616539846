"""Factories for insights and search tests: notes with text, goals, history items, insights."""
from datetime import date, timedelta

import factory

from integration.clients.models import Goal, HistoryItem
from integration.notes.models import Insight, InsightTheme, Note
from tests.factories import Base


class GoalFactory(Base):
    class Meta:
        model = Goal

    client = None  # pass client=
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    title = factory.Sequence(lambda n: f"Goal {n}")


class HistoryItemFactory(Base):
    class Meta:
        model = HistoryItem

    client = None
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    category = "family"
    title = factory.Sequence(lambda n: f"History item {n}")


class NoteFactory(Base):
    """A note; pass `text=` to fill one section and keep search_text in step (as the notes code does)."""

    class Meta:
        model = Note
        exclude = ("text",)

    client = None
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    author = None
    author_id = factory.LazyAttribute(lambda o: o.author.id)
    kind = "integration"
    occurred_on = factory.LazyFunction(lambda: date.today() - timedelta(days=1))
    status = "draft"
    text = "We talked about the week."
    content = factory.LazyAttribute(lambda o: {"focus": o.text})
    search_text = factory.LazyAttribute(lambda o: o.text.lower())


class InsightFactory(Base):
    class Meta:
        model = Insight

    note = None
    note_id = factory.LazyAttribute(lambda o: o.note.id)
    client_id = factory.LazyAttribute(lambda o: o.note.client_id)
    text = factory.Sequence(lambda n: f"Insight {n}: the tightness in the chest is old fear, not danger")

    @factory.post_generation
    def themes(obj, create, extracted, **kwargs):
        for theme in extracted or ():
            obj.themes.append(InsightTheme(theme=theme, client_id=obj.client_id))
        if create and extracted:
            from integration.extensions import db

            db.session.commit()
