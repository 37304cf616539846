"""Demo consent and dosing-safety records: the practice's consent text (version 1), each demo client's
signed consent a few days before their first session, three timed readings for every held session
(before dosing, at about 40 minutes, before discharge), a discharge with who took them home, one mild
adverse event, and one session booked ahead. Invented, plausible values; the same on every run."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from ..auth.models import User
from ..clients.demo import demo_clinician
from ..clients.models import Client
from ..clock import local_day, utcnow
from ..extensions import db
from ..notes.models import DosingSession
from .models import AdverseEvent, Consent, ConsentText, VitalsReading

CONSENT_TEXT = """Consent to ketamine-assisted therapy

I understand that ketamine (or esketamine) will be given to me under medical supervision, that it changes how I \
see, hear and feel for about an hour, and that my blood pressure, heart rate and oxygen will be checked before, \
during and after each session.

Common effects are dizziness, nausea, a rise in blood pressure, and feeling detached from my body or surroundings. \
These usually pass within two hours. Rarely, breathing may slow; staff are trained to respond.

I will not eat for 4 hours or drink for 2 hours before a session. I will not drive, sign anything important, or \
make big decisions until the next day after a full night's sleep, and a responsible adult will take me home.

I may stop treatment at any time. I have had my questions answered."""

# first name -> who took them home (a fictional person and how they relate)
ESCORTS = {"Rowan": "Dana Tessly, sister", "Maribel": "Chris Lund, partner", "Desmond": "Nora Quill, mother",
           "Priya": "Anil Raman, brother", "Lukas": "Greta Brenneman, wife"}


def load_demo(practice, users: dict[str, User], clients: list[Client]) -> None:
    """Add what is missing: a client who already has a consent is left alone, so a second run adds nothing."""
    text = db.session.scalar(select(ConsentText).where(ConsentText.practice_id == practice.id)
                             .order_by(ConsentText.version.desc()).limit(1))
    if text is None:
        text = ConsentText(practice_id=practice.id, version=1, text=CONSENT_TEXT, created_by_id=users["admin"].id)
        db.session.add(text)
        db.session.flush()
    for index, client in enumerate(clients):
        if db.session.scalar(select(Consent.id).where(Consent.client_id == client.id).limit(1)) is not None:
            continue
        sessions = db.session.scalars(select(DosingSession).where(DosingSession.client_id == client.id)
                                      .order_by(DosingSession.started_at)).all()
        if not sessions:
            continue
        clinician = demo_clinician(client, users, users["admin"])
        first_day = local_day(sessions[0].started_at, practice.timezone)
        db.session.add(Consent(client_id=client.id, consent_text_id=text.id, series="First series",
                               signed_on=first_day - timedelta(days=3), signed_by=client.full_name,
                               witnessed_by=clinician.name, recorded_by_id=clinician.id))
        rng = random.Random(client.first_name)
        for session in sessions:
            _monitoring(session, clinician, rng, ESCORTS.get(client.first_name, "A fictional friend"))
        if index == 0:
            _adverse_event(sessions[0], clinician)
            _planned(client, sessions[-1], clinician)
    db.session.commit()


def _monitoring(session: DosingSession, clinician: User, rng: random.Random, escort: str) -> None:
    """Before dosing, at about 40 minutes (the usual peak of blood pressure), and before discharge."""
    base_sys, base_dia, base_hr = rng.randint(112, 132), rng.randint(70, 84), rng.randint(62, 80)
    rise = rng.randint(8, 22)
    points = (("pre", -10, 0, 5, 0), ("during", 40, rise, rng.choice((3, 4)), rng.choice((2, 3))),
              ("discharge", 110, rng.randint(0, 6), 5, 0))
    for point, minutes, up, moaas, dissociation in points:
        db.session.add(VitalsReading(
            client_id=session.client_id, dosing_session_id=session.id,
            taken_at=session.started_at + timedelta(minutes=minutes), point=point, systolic=base_sys + up,
            diastolic=base_dia + up // 2, heart_rate=base_hr + rng.randint(-3, 8), spo2=rng.randint(96, 99),
            resp_rate=rng.randint(12, 16), moaas=moaas, dissociation=dissociation, recorded_by_id=clinician.id,
            created_at=min(session.started_at + timedelta(minutes=minutes), utcnow())))
    session.discharge_criteria_met = True
    session.discharged_at = session.started_at + timedelta(minutes=rng.randint(115, 135))
    session.discharged_with = escort


def _adverse_event(session: DosingSession, clinician: User) -> None:
    db.session.add(AdverseEvent(client_id=session.client_id, dosing_session_id=session.id, kind="nausea",
                                severity="mild", action="Ondansetron 4 mg dissolving tablet; sips of water.",
                                resolved=True, recorded_by_id=clinician.id))


def _planned(client: Client, last: DosingSession, clinician: User) -> None:
    """The next session, booked nine days after the last (a week from today, at the same hour): planned."""
    db.session.add(DosingSession(client_id=client.id, number=last.number + 1, status="planned",
                                 started_at=last.started_at + timedelta(days=9), product=last.product, medicine=last.medicine,
                                 route=last.route, dose_mg=last.dose_mg, dose_mg_per_kg=last.dose_mg_per_kg,
                                 setting=last.setting, intention="", created_by_id=clinician.id))
