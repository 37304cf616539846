"""A fictional demo practice. Every name and story here is invented."""
from datetime import date

from sqlalchemy import select

from .auth.models import Practice, User
from .clients.models import CareTeamMember, Client
from .extensions import db

PRACTICE = "Harbor Light Integration Clinic (demo)"
PEOPLE = [
    ("admin", "admin@demo.integration.test", "Morgan Ellery", "", "Lantern-Harbor-Morning-71"),
    ("therapist", "ines@demo.integration.test", "Ines Calloway", "LMFT", "Quiet-Cedar-Window-38"),
    ("therapist", "theo@demo.integration.test", "Theo Marchetti", "PsyD", "Amber-Field-Compass-52"),
    ("coach", "june@demo.integration.test", "June Okafor", "Integration coach", "Willow-Stone-Kettle-19"),
    ("therapist", "sam@demo.integration.test", "Sam Reyes", "AMFT", "Harbor-Kite-Lantern-64"),
]
# Clinicians: profession, licence, and for a pre-licensed clinician their supervisor (by sign-in name).
CLINICIANS = {
    "ines": ("therapist", "LMFT 104233 (CA)", None),
    "theo": ("therapist", "Psychologist PSY 30512 (CA)", None),
    "sam": ("therapist", "AMFT 131877 (CA)", "ines"),
}
# (first, last, preferred, pronouns, born, care team by email)
CLIENTS = [
    ("Rowan", "Tessly", "Ro", "they/them", date(1988, 3, 14), ["ines", "june"]),
    ("Maribel", "Ostrander", "", "she/her", date(1975, 9, 2), ["ines", "sam"]),
    ("Desmond", "Quill", "Des", "he/him", date(1992, 11, 23), ["theo", "june"]),
    ("Priya", "Venkataram", "", "she/her", date(1983, 6, 30), ["theo"]),
    ("Lukas", "Brenneman", "", "he/him", date(1969, 1, 8), ["ines", "theo"]),
]


def load_demo() -> list[tuple[str, str, str]]:
    """Create what is missing of the demo practice and return its sign-ins."""
    practice = Practice.ensure(PRACTICE)
    users = {}
    for role, email, name, credentials, password in PEOPLE:
        user = User.by_email(email)
        if user is None:
            user = User(practice=practice, email=email, name=name, credentials=credentials, role=role)
            user.set_password(password)
            db.session.add(user)
        users[email.split("@")[0]] = user
    db.session.flush()
    for key, (profession, licence, supervisor) in CLINICIANS.items():
        if key in users and not users[key].profession:
            users[key].profession, users[key].licence = profession, licence
            users[key].supervisor_id = users[supervisor].id if supervisor else None
    clients = []
    for first, last, preferred, pronouns, born, team in CLIENTS:
        client = db.session.scalar(select(Client).where(
            Client.practice_id == practice.id, Client.first_name == first, Client.last_name == last))
        if client is None:
            client = Client(practice_id=practice.id, first_name=first, last_name=last, preferred_name=preferred,
                            pronouns=pronouns, date_of_birth=born,
                            email=f"{first.lower()}@example.invalid", phone="555-0100",
                            emergency_contact="A fictional partner, 555-0199",
                            care_team=[CareTeamMember(user=users[key]) for key in team])
            db.session.add(client)
        clients.append(client)
    db.session.commit()
    _load_areas(practice, users, clients)
    return [(role, email, password) for role, email, _, _, password in PEOPLE]


def _load_areas(practice, users: dict, clients: list[Client]) -> None:
    """Each area adds its part of the story, in the order the record grows."""
    from .checkins.demo import load_demo as checkins
    from .clients.demo import load_demo as history_and_goals
    from .dosing.demo import load_demo as dosing_safety
    from .groups.demo import load_demo as circles
    from .measures.demo import load_demo as measures
    from .notes.demo import load_demo as sessions_and_notes
    from .notes.insight_demo import load_demo as insights
    from .notes.template_demo import load_demo as note_templates
    from .plans.demo import load_demo as plans
    from .safetyplans.demo import load_demo as safety_plans

    for load in (note_templates, history_and_goals, sessions_and_notes, insights, circles, plans, measures, dosing_safety,
                 safety_plans, checkins):
        load(practice, users, clients)
        db.session.commit()
