"""Factories for the clients area: history items, goals, check-ins, and the record objects they link to."""
from datetime import date, datetime, timedelta

import factory

from integration.clients.models import Goal, GoalCheckIn, HistoryItem
from integration.notes.models import DosingSession, Insight, InsightTheme, Note
from tests.factories import Base


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

    client = None
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    title = factory.Sequence(lambda n: f"Goal {n}")
    why = "I want to feel at home in my own evenings."
    how_we_know = "Fewer nights spent scrolling until 2 am."
    life_area = "emotional"
    status = "active"


class CheckInFactory(Base):
    class Meta:
        model = GoalCheckIn

    goal = None
    goal_id = factory.LazyAttribute(lambda o: o.goal.id)
    client_id = factory.LazyAttribute(lambda o: o.goal.client_id)
    checked_on = factory.LazyFunction(date.today)
    rating = 5
    note = ""


class DosingSessionFactory(Base):
    class Meta:
        model = DosingSession

    client = None
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    number = factory.Sequence(lambda n: n + 1)
    started_at = factory.LazyFunction(lambda: datetime(2025, 1, 10, 15, 0))
    route = "im"
    dose_mg = 50


class NoteFactory(Base):
    class Meta:
        model = Note

    client = None
    client_id = factory.LazyAttribute(lambda o: o.client.id)
    author = None
    author_id = factory.LazyAttribute(lambda o: o.author.id)
    kind = "integration"
    occurred_on = factory.LazyFunction(lambda: date.today() - timedelta(days=1))
    content = factory.LazyFunction(dict)
    status = "signed"


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
