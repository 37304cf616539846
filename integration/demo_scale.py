"""`flask demo-data --scale N`: N generated clients added to the demo practice, as a year of real use.

Everything is invented by a seeded random generator (the same seed gives the same practice): names
from syllables, notes from sentence patterns and word lists. Per client, about 40 notes (integration
sessions and coaching notes, ~2 KB each), 8 insights, 3 goals with check-ins, 2 history items and
the audit rows such a record gathers. Clients are cared for by generated clinicians (~40 clients
each) and, for a third of them, a generated coach; the demo's own clinician, Ines, joins the care
teams of the first ~100. Rows go in with executemany, CHUNK clients at a time, and the search index
is written for them in the same transaction (search/index.py). The inserts go through the models'
column types, so the clinical text is stored encrypted and the index keyed, as the app writes them.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text

from .audit.models import AuditEvent
from .auth.models import Practice, User
from .clients.models import CareTeamMember, Client, Goal, GoalCheckIn, HistoryItem
from .extensions import db
from .notes import sections
from .notes.models import Insight, Note
from .search import index

NOTES_PER_CLIENT = 40
INSIGHTS_PER_CLIENT = 8
CLIENTS_PER_CLINICIAN = 40
INES_CASELOAD = 100
CHUNK = 100
NOT_A_PASSWORD = "generated account: no sign-in"  # not an argon2 hash, so it never verifies

SYLLABLES = ["al", "bre", "cor", "da", "el", "fen", "ga", "hal", "is", "jo", "ka", "lin", "mar", "no", "or",
             "pe", "quin", "ro", "sa", "tem", "ul", "va", "wen", "xa", "yo", "zel"]
PLACES = ["the river", "the old kitchen", "a forest path", "the sea", "a train platform", "the garden",
          "a childhood bedroom", "the mountains", "a quiet library", "the harbor", "a field of tall grass",
          "the hospital corridor", "a snowy street", "the family car", "a school hallway", "the lake"]
PEOPLE = ["their mother", "their father", "a grandmother", "an older brother", "a younger sister", "a partner",
          "an old friend", "a former teacher", "their daughter", "their son", "a colleague", "a neighbour"]
FEELINGS = ["calm", "grief", "relief", "fear", "tenderness", "anger", "shame", "joy", "loneliness", "awe",
            "restlessness", "gratitude", "sadness", "hope", "tiredness", "warmth"]
BODY = ["chest", "shoulders", "jaw", "stomach", "hands", "throat", "back", "breath", "legs", "forehead"]
PRACTICES = ["morning pages", "a slow walk", "breathing exercises", "gentle yoga", "journaling before bed",
             "a body scan", "time outside", "drawing", "calling a friend", "cooking a proper meal",
             "a gratitude list", "cold water on the face", "a daily check-in", "reading poetry"]
# Rare words: each in about one note in a thousand, so that search has needles as well as haystacks.
RARE = ["lighthouse", "accordion", "marmalade", "origami", "tangerine", "carousel", "lanternfish", "zeppelin"]
PATTERNS = [
    "They described {feeling} that came up when they pictured {place}.",
    "The week brought more {feeling} than expected, mostly in the evenings.",
    "We talked about {person} and the {feeling} that still surrounds that relationship.",
    "They noticed tension in the {body} easing once they slowed their breath.",
    "Since the last session they have tried {practice} on most days and it felt safe to continue.",
    "They said the image of {place} keeps returning, and with it a sense of {feeling}.",
    "Sleep has been uneven; on better nights they used {practice} first.",
    "A conversation with {person} went better than they feared.",
    "They want to keep {practice} going and add {practice2} once a week.",
    "Work was demanding, and they caught themselves bracing in the {body}.",
    "We returned to the goal they set and rated progress together.",
    "They felt safe enough to stay with the {feeling} instead of pushing it away.",
    "Memories of {place} with {person} came up, softer than before.",
    "We practised {practice} in the session; the {body} relaxed noticeably.",
    "They are learning to notice {feeling} early, before it takes over the day.",
    "Their breath was short at first and steadier by the end of the hour.",
]
INSIGHTS = [
    ("The {feeling} belongs to an old situation, not to today.", "I don't have to carry the {feeling} everywhere."),
    ("Rest is part of the work, not a reward for it.", "I'm allowed to stop before I'm exhausted."),
    ("The {body} holds what words do not yet say.", "My {body} tells me first."),
    ("Connection with {person} is possible on new terms.", "I can talk to {person} as who I am now."),
    ("Returning to {place} in imagination brings steadiness.", "When I picture {place} I feel like myself."),
]
GOALS = [("Sleep seven hours most nights", "health"), ("Keep up {practice}", "health"),
         ("Say no to work that drains me", "work"), ("Talk honestly with {person}", "relationships"),
         ("Feel at ease in my body", "emotional"), ("Spend more time outside", "lifestyle")]


def add_generated_clients(count: int, seed: int = 14, today: date | None = None) -> dict[str, int]:
    """Add `count` generated clients (with their team, record, index rows and audit rows) to the demo
    practice; return how many rows of each kind were written. The demo practice must exist."""
    from .demo import PRACTICE

    rng = random.Random(seed)
    today = today or date.today()
    practice = Practice.by_name(PRACTICE)
    ines = User.by_email("ines@demo.integration.test")
    offset = db.session.scalar(select(func.count()).select_from(Client).where(Client.practice_id == practice.id))
    clinicians = _generated_team(practice, "clinician", -(-count // CLIENTS_PER_CLINICIAN), offset)
    coaches = _generated_team(practice, "coach", max(1, count // (CLIENTS_PER_CLINICIAN * 3)), offset)
    totals: dict[str, int] = {}
    for start in range(0, count, CHUNK):
        size = min(CHUNK, count - start)
        written = _add_chunk(rng, practice, start, size, clinicians, coaches, ines, today)
        for name, value in written.items():
            totals[name] = totals.get(name, 0) + value
        db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # The planner's statistics now, not at autovacuum's next round a minute or more later: until
        # then PostgreSQL took every word for a rare one, and a search across the practice built a
        # bitmap of all 200,000 notes for a common one (1.5-2.3 s).
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return totals


def _generated_team(practice, kind: str, count: int, offset: int) -> list[int]:
    """`count` generated clinicians or coaches (they never sign in); their ids."""
    rows = [{"practice_id": practice.id, "email": f"{kind}{offset + i}@generated.integration.test",
             "name": f"{_name(random.Random(offset * 7919 + i))} ({kind}, generated)", "credentials": "",
             "role": "therapist" if kind == "clinician" else "coach",
             "profession": "therapist" if kind == "clinician" else "", "licence": "", "active": True,
             "password_hash": NOT_A_PASSWORD, "session_token": f"generated-{kind}-{offset + i}",
             "created_at": datetime.now()} for i in range(count)]
    return list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows))


def _name(rng: random.Random) -> str:
    def word():
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{word()} {word()}"


def _fill(template: str, rng: random.Random) -> str:
    return template.format(feeling=rng.choice(FEELINGS), place=rng.choice(PLACES), person=rng.choice(PEOPLE),
                           body=rng.choice(BODY), practice=rng.choice(PRACTICES), practice2=rng.choice(PRACTICES))


def _paragraph(rng: random.Random, sentences: int) -> str:
    text = " ".join(_fill(rng.choice(PATTERNS), rng) for _ in range(sentences))
    if rng.random() < 0.008:
        text += f" Unexpectedly, a {rng.choice(RARE)} appeared in the imagery."
    return text


def _add_chunk(rng, practice, start, size, clinicians, coaches, ines, today) -> dict[str, int]:
    now = datetime.now()
    clients = [{"practice_id": practice.id, "first_name": _name(rng).split()[0], "last_name": _name(rng).split()[1],
                "preferred_name": "", "pronouns": rng.choice(["she/her", "he/him", "they/them", ""]),
                "date_of_birth": date(1950, 1, 1) + timedelta(days=rng.randint(0, 18000)),
                "email": "", "phone": "", "emergency_contact": "", "status": "active", "created_at": now}
               for _ in range(size)]
    ids = list(db.session.scalars(insert(Client).returning(Client.id, sort_by_parameter_order=True), clients))
    team, notes, goals, history, audit = [], [], [], [], []
    for number, client_id in enumerate(ids, start=start):
        clinician = clinicians[number // CLIENTS_PER_CLINICIAN]
        coach = coaches[number % len(coaches)] if number % 3 == 0 else None
        members = [clinician] + ([coach] if coach else []) + ([ines.id] if ines and number < INES_CASELOAD else [])
        team += [{"client_id": client_id, "user_id": user_id, "added_at": now} for user_id in members]
        notes += _notes(rng, client_id, clinician, coach, today)
        goals += [{"client_id": client_id, "title": _fill(title, rng), "why": _fill(rng.choice(PATTERNS), rng),
                   "how_we_know": "", "life_area": area, "status": "active", "sensitive": False,
                   "shared_with_coach": False, "archived": False, "created_by_id": clinician, "created_at": now}
                  for title, area in rng.sample(GOALS, 3)]
        history += [{"client_id": client_id, "category": rng.choice(["family", "work", "health"]),
                     "title": f"{rng.choice(PEOPLE).capitalize()} and {rng.choice(PLACES)}",
                     "detail": _paragraph(rng, 2), "when_text": "", "sensitive": rng.random() < 0.3,
                     "shared_with_coach": False, "archived": False, "created_by_id": clinician, "created_at": now}
                    for _ in range(2)]
        audit += [{"at": now - timedelta(days=rng.randint(0, 365)), "practice_id": practice.id, "user_id": clinician,
                   "action": rng.choice(["view", "view", "view", "change", "sign"]), "object_type": "",
                   "object_id": None, "client_id": client_id, "remote_addr": "", "detail": "generated"}
                  for _ in range(20)]
    db.session.execute(insert(CareTeamMember), team)
    note_ids = list(db.session.scalars(insert(Note).returning(Note.id, sort_by_parameter_order=True), notes))
    index.write_notes(db.session.connection(), [(i, n["client_id"], n["search_text"])
                                                for i, n in zip(note_ids, notes)])
    insights = _insights(rng, [(i, n) for i, n in zip(note_ids, notes) if n["kind"] == "integration"])
    insight_ids = list(db.session.scalars(insert(Insight).returning(Insight.id, sort_by_parameter_order=True),
                                          insights))
    index.write_insights(db.session.connection(), [(i, row["client_id"], row["text"], row["client_words"])
                                                   for i, row in zip(insight_ids, insights)])
    goal_rows = list(db.session.execute(insert(Goal).returning(Goal.id, Goal.client_id, sort_by_parameter_order=True),
                                        goals))
    checkins = [{"goal_id": goal_id, "client_id": client_id, "checked_on": today - timedelta(days=30 * k),
                 "rating": rng.randint(2, 9), "note": "", "created_by_id": None, "created_at": now}
                for goal_id, client_id in goal_rows for k in range(3)]
    db.session.execute(insert(GoalCheckIn), checkins)
    db.session.execute(insert(HistoryItem), history)
    db.session.execute(insert(AuditEvent), audit)
    return {"clients": len(ids), "care team rows": len(team), "notes": len(notes), "insights": len(insights),
            "goals": len(goals), "check-ins": len(checkins), "history items": len(history), "audit rows": len(audit)}


def _notes(rng, client_id, clinician, coach, today) -> list[dict]:
    """About a year of notes, newest last: integration sessions by the clinician, coaching notes by the coach."""
    rows = []
    for k in range(NOTES_PER_CLIENT):
        coaching = coach is not None and k % 4 == 3
        kind = "coaching" if coaching else "integration"
        if coaching:
            content = {"focus": _paragraph(rng, 4), "practised": _paragraph(rng, 4), "next_step": _paragraph(rng, 2)}
        else:
            content = {"focus": _paragraph(rng, 5), "changes": _paragraph(rng, 8), "practices": _paragraph(rng, 6)}
        author = coach if coaching else clinician
        rows.append({"client_id": client_id, "kind": kind, "author_id": author, "occurred_on":
                     today - timedelta(days=9 * (NOTES_PER_CLIENT - k)), "content": content,
                     "search_text": sections.search_text(kind, content), "status": "signed", "version": 2,
                     "updated_at": datetime.now(), "updated_by_id": author, "signed_by_id": author,
                     "signed_at": datetime.now(), "created_at": datetime.now()})
    return rows


def _insights(rng, integration_notes) -> list[dict]:
    chosen = rng.sample(integration_notes, min(INSIGHTS_PER_CLIENT * len(integration_notes) // NOTES_PER_CLIENT + 1,
                                               len(integration_notes)))
    rows = []
    for note_id, note in chosen:
        statement, words = rng.choice(INSIGHTS)
        rows.append({"client_id": note["client_id"], "note_id": note_id, "text": _fill(statement, rng),
                     "client_words": _fill(words, rng), "shared_with_coach": rng.random() < 0.4,
                     "created_by_id": note["author_id"], "created_at": datetime.now()})
    return rows
