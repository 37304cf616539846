"""A demo safety plan (invented): Priya's, written with her clinician and revised once, after her latest PHQ-9
answered item 9 above "Not at all" (measures/demo.py). Two versions, so the history shows; phone numbers are
the fictional 555-01xx ones."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..clients.demo import demo_clinician
from ..clients.models import Client
from ..clock import utcnow
from ..extensions import db
from .models import SafetyPlanVersion

CLIENT = "Priya"
FIRST = {
    "warning_signs": "I stop answering messages\nI lie awake going over the same thoughts\nI skip meals",
    "coping": "Walk round the block with my headphones\nA hot shower, then tea\nWrite the thought down and close the notebook",
    "distraction": "The library on Elm Street\nMy cousin Ana's kitchen",
    "people": "Ana (cousin): 555-0142\nJordan (friend): 555-0173",
    "professionals": "Theo Marchetti, my therapist: 555-0100 (weekdays 9 to 5)",
    "environment": "Ana keeps my spare medicine at her place\nNo alcohol at home for now",
    "reasons": "My niece, Lila\nFinishing my garden\nSeeing the sea again",
}
SECOND_CHANGES = {
    "warning_signs": FIRST["warning_signs"] + "\nI start giving my things away",
    "people": FIRST["people"] + "\nMy sister Meera: 555-0188",
}


def load_demo(practice, users: dict, clients: list[Client]) -> None:
    client = next((c for c in clients if c.first_name == CLIENT), None)
    if client is None or db.session.scalar(
            select(SafetyPlanVersion.id).where(SafetyPlanVersion.client_id == client.id).limit(1)) is not None:
        return
    clinician = demo_clinician(client, users)
    author = clinician.id if clinician else None
    now = utcnow()
    db.session.add(SafetyPlanVersion(client_id=client.id, number=1, steps=dict(FIRST), created_by_id=author,
                                     created_at=now - timedelta(days=21), change_note="Written together at intake."))
    db.session.add(SafetyPlanVersion(client_id=client.id, number=2, steps={**FIRST, **SECOND_CHANGES},
                                     created_by_id=author, created_at=now - timedelta(days=1),
                                     change_note="Reviewed after her PHQ-9; added a warning sign and her sister."))
    db.session.commit()
