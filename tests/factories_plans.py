"""Factories for the plans area: library practices, plans and their items."""
from datetime import date

import factory

from integration.plans.models import LibraryPractice, Plan, PlanItem
from tests.factories import Base


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
    start_date = date(2025, 3, 3)
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
