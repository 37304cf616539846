"""Demo insights on the demo clients' signed notes (every other one shared with the coach and the plan,
never one linked to history). Every word here is invented."""
from sqlalchemy import select

from ..auth.models import User
from ..clients.models import Client, Goal, HistoryItem
from ..extensions import db
from .models import Insight, InsightTheme, Note
from .sections import INSIGHT_KINDS

# (statement, in the client's words, themes)
INSIGHTS = [
    ("Noticed that the old vigilance softens when attention rests on the breath.",
     "When I breathe slowly, the part of me on guard can sit down.", ["safety", "the body"]),
    ("Connected the childhood role of family peacemaker with present difficulty saying no.",
     "I learned to keep everyone calm. I don't have to do that job anymore.", ["boundaries", "family"]),
    ("Grief surfaced as warmth rather than pain; a sense of continued bond.",
     "It felt like my grandmother was still near, and that was comforting.", ["grief", "connection"]),
    ("Recognised the inner critic as a protective voice rather than the truth.",
     "The harsh voice was trying to protect me. I can thank it and still choose.", ["self-compassion", "inner critic"]),
    ("Described a felt sense of spaciousness around the urge to drink.",
     "The craving came and I watched it pass like weather.", ["urges", "awareness"]),
    ("Saw work overcommitment as a way of earning worth.",
     "I don't have to earn my place by being exhausted.", ["worth", "work"]),
    ("Experienced nature imagery as a resource for steadiness.",
     "I was a tree in the wind, bending but rooted.", ["resources", "nature"]),
    ("Reported a wish to repair a distant relationship with a sibling.",
     "I want to call my brother, even if it's awkward.", ["relationships", "repair"]),
]
PER_NOTE = 2


def load_demo(practice, users: dict[str, User], clients: list[Client]) -> None:
    """Add a couple of insights to each signed note of the demo clients (once), linked to their goals and history."""
    for offset, client in enumerate(clients):
        notes = db.session.scalars(select(Note).where(Note.client_id == client.id, Note.status == "signed",
                                                      Note.kind.in_(INSIGHT_KINDS))
                                   .order_by(Note.occurred_on, Note.id)).all()
        if not notes:
            continue
        goals = db.session.scalars(select(Goal).where(Goal.client_id == client.id, Goal.archived.is_(False))
                                   .order_by(Goal.id)).all()
        history = db.session.scalars(select(HistoryItem).where(HistoryItem.client_id == client.id,
                                                               HistoryItem.archived.is_(False))
                                     .order_by(HistoryItem.id)).all()
        existing = set(db.session.execute(select(Insight.note_id, Insight.text)
                                          .where(Insight.client_id == client.id)).all())
        count = 0
        for note in notes:
            for _ in range(PER_NOTE):
                text, words, themes = INSIGHTS[(offset * 3 + count) % len(INSIGHTS)]
                count += 1
                if (note.id, text) in existing:
                    continue
                insight = Insight(client_id=client.id, note_id=note.id, text=text, client_words=words,
                                  created_by_id=note.author_id, created_at=note.signed_at or note.created_at,
                                  shared_with_coach=count % 2 == 0)
                insight.themes = [InsightTheme(client_id=client.id, theme=theme) for theme in themes]
                if goals:
                    insight.goals = [goals[count % len(goals)]]
                if history and count % 2:
                    insight.history_items = [history[count % len(history)]]
                db.session.add(insight)
    db.session.commit()
