"""Demo PHQ-9 and GAD-7 courses across each demo client's dosing sessions (invented, plausible):
responders, one non-responder (Desmond), and one PHQ-9 with item 9 answered "Several days" (Priya), whose
alert is left open for the care team. Schedules: PHQ-9 before every session, GAD-7 monthly."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..clients.demo import demo_clinician
from ..clients.models import Client
from ..clock import local_day, local_today
from ..extensions import db
from ..notes.models import DosingSession
from . import alerts as alert_rules
from .instruments import GAD7, PHQ9, Definition, score
from .models import MeasureResponse, MeasureSchedule

# first name -> PHQ-9 totals, GAD-7 totals: one before each session, then one two days after the last.
# Longer than any series: each client uses as many as they have sessions, plus one.
COURSES = {
    "Rowan": ([18, 13, 9, 6, 4, 4, 3], [14, 11, 8, 6, 4, 4, 3]),          # response, then remission
    "Maribel": ([16, 12, 9, 7, 6, 5, 5], [9, 8, 6, 5, 5, 4, 4]),          # grief: response on PHQ-9
    "Desmond": ([17, 16, 18, 16, 17, 18, 17], [12, 13, 12, 12, 11, 12, 12]),  # the non-responder
    "Priya": ([15, 14, 11, 12, 10, 9, 10], [11, 10, 9, 9, 8, 8, 7]),      # item 9 above 0 on the latest PHQ-9
    "Lukas": ([12, 10, 13, 8, 7, 6, 6], [8, 7, 9, 6, 5, 5, 4]),
}
ITEM_9_CLIENT = "Priya"


def answers_for(definition: Definition, total: int, item9: int = 0) -> list[int]:
    """Item scores that add up to `total`, spread over the items (the safety item held at `item9`)."""
    count = len(definition.items)
    answers = [0] * count
    left = total - item9
    fixed = definition.safety_item - 1 if definition.safety_item else None
    order = [i for i in range(count) if i != fixed]
    while left > 0:
        for i in order:
            if left > 0 and answers[i] < 3:
                answers[i] += 1
                left -= 1
    if fixed is not None:
        answers[fixed] = item9
    assert score(definition, answers) == total
    return answers


def load_demo(practice, users: dict, clients: list[Client]) -> None:
    today = local_today(practice.timezone)
    for client in clients:
        course = COURSES.get(client.first_name)
        if course is None or db.session.scalar(
                select(MeasureResponse.id).where(MeasureResponse.client_id == client.id).limit(1)) is not None:
            continue
        sessions = db.session.scalars(select(DosingSession).where(DosingSession.client_id == client.id)
                                      .order_by(DosingSession.started_at)).all()
        if not sessions:
            continue
        clinician = demo_clinician(client, users)
        days = [local_day(s.started_at, practice.timezone) - timedelta(days=1) for s in sessions]
        days.append(min(today, local_day(sessions[-1].started_at, practice.timezone) + timedelta(days=2)))
        for definition, totals in zip((PHQ9, GAD7), course):
            totals = totals[:len(days)]
            for i, (total, day) in enumerate(zip(totals, days)):
                latest = i == len(totals) - 1
                item9 = 1 if definition is PHQ9 and latest and client.first_name == ITEM_9_CLIENT else 0
                response = MeasureResponse(
                    client_id=client.id, measure_key=definition.key, taken_on=day,
                    dosing_session_id=sessions[i].id if i < len(sessions) else None,
                    answers=answers_for(definition, total, item9), total=total,
                    band=definition.band_of(total).label, entered_by_id=clinician.id if clinician else None,
                    difficulty="Somewhat difficult")
                db.session.add(response)
                db.session.flush()
                alert_rules.raise_for_response(response, definition)
        for key, cadence in (("phq9", "before_session"), ("gad7", "monthly")):
            db.session.add(MeasureSchedule(client_id=client.id, measure_key=key, cadence=cadence,
                                           created_by_id=clinician.id if clinician else None))
    db.session.commit()
