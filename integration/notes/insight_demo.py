"""Demo insights on the demo clients' signed notes. Each client's insights are their own (no words are
shared between clients) and link to the goal and history item they speak to; those linked only to history
that is not sensitive are shared with the coach and their words confirmed as the client's own by the
clinician who wrote the note. Every word here is invented."""
from sqlalchemy import select

from ..auth.models import User
from ..clients.models import Client, Goal, HistoryItem
from ..extensions import db
from .models import Insight, InsightTheme, Note
from .sections import INSIGHT_KINDS

# first name -> [(statement, in the client's words, themes, goal title, history item title, shared)]
INSIGHTS = {
    "Rowan": [
        ("Connected the childhood role of looking after siblings with present difficulty saying no.",
         "I learned to keep everyone fed and calm. I don't have to do that job for my clients.",
         ["boundaries", "family"], "Say no to work that drains me", "Eldest of four; looked after siblings", True),
        ("Noticed that the old vigilance softens when attention rests on the breath.",
         "When I breathe slowly, the part of me on guard can sit down.",
         ["safety", "the body"], "Feel at ease in my body in public", "Bullied through middle school", False),
        ("Experienced the river walk as a resource for steadiness.",
         "By the river my mind goes quiet, and I can take that quiet with me.",
         ["resources", "nature"], "Say no to work that drains me", "Finds calm in long walks by the river", True),
    ],
    "Maribel": [
        ("Grief surfaced as warmth rather than pain; a sense of continued bond.",
         "It felt like my grandmother was still near, and that was comforting.",
         ["grief", "connection"], "Let grief move instead of holding it down",
         "Close bond with her grandmother, who died in 2022", True),
        ("Wish for closeness in the marriage named without blame.",
         "I miss us. I can say that to him without it being a complaint.",
         ["relationships", "closeness"], "Talk with my husband about what I need",
         "Married 20 years; two teenage children", True),
        ("Guilt about the accident held in the body as tightness.",
         "There is something I have carried alone for a long time.",
         ["guilt", "the body"], "Let grief move instead of holding it down", "Car accident in her twenties", False),
    ],
    "Desmond": [
        ("Described a felt sense of spaciousness around the urge to drink.",
         "The craving came and I watched it pass like weather.",
         ["urges", "awareness"], "Stay steady with urges when stress peaks", "Heavy drinking in his twenties", False),
        ("Saw work overcommitment as a way of earning belonging.",
         "I don't have to earn my place in the kitchen by being exhausted.",
         ["worth", "work"], "Take one full day off each week", "Line cook turned kitchen manager", True),
        ("Reported a wish to keep the repaired bond with his brother close.",
         "I want to keep calling my brother, even when I'm busy.",
         ["relationships", "repair"], "Reconnect with my brother", "Moved schools five times", True),
    ],
    "Priya": [
        ("Recognised the inner critic as a protective voice rather than the truth.",
         "The harsh voice was trying to protect me. I can thank it and still speak up.",
         ["self-compassion", "inner critic"], "Quieten the inner critic at work",
         "Senior engineer; recently promoted", True),
        ("Linked smoothing things over for her parents with rehearsing every sentence at work.",
         "I was the translator for my family. I can let my own words be enough.",
         ["family", "voice"], "Quieten the inner critic at work", "Parents emigrated when she was five", True),
        ("Fear of the depression returning eased when remembering the support group.",
         "I got through it once with help, and help is still there.",
         ["fear", "support"], "Make time for friends", "Postpartum depression after her second child", False),
    ],
    "Lukas": [
        ("Hands in the soil felt like a thread back to himself.",
         "When I garden, I remember who I am without the bakery.",
         ["meaning", "the body"], "Find a reason to get up in the morning", "Gardening as a daily ritual", True),
        ("Heard the self-critical voice as his father's and chose not to answer in kind.",
         "That voice is my father's, not mine. I can speak to myself kindly.",
         ["self-compassion", "family"], "Be gentler with myself", "Father was harsh and rarely present", False),
        ("Grieved the bakery as a loss worth mourning rather than a failure.",
         "Losing the bakery was a loss, not a failure. I can miss it.",
         ["grief", "work"], "Be gentler with myself", "Lost his business in 2020", True),
    ],
}
PER_NOTE = 2


def load_demo(practice, users: dict[str, User], clients: list[Client]) -> None:
    """Add each demo client's own insights to their signed notes (once), linked to the goal and history
    item each speaks to."""
    for client in clients:
        notes = db.session.scalars(select(Note).where(Note.client_id == client.id, Note.status == "signed",
                                                      Note.kind.in_(INSIGHT_KINDS))
                                   .order_by(Note.occurred_on, Note.id)).all()
        if not notes:
            continue
        goals = {g.title: g for g in db.session.scalars(select(Goal).where(Goal.client_id == client.id))}
        history = {h.title: h for h in db.session.scalars(select(HistoryItem).where(HistoryItem.client_id == client.id))}
        existing = set(db.session.scalars(select(Insight.text).where(Insight.client_id == client.id)))
        for index, (text, words, themes, goal, item, shared) in enumerate(INSIGHTS.get(client.first_name, [])):
            if text in existing:
                continue
            note = notes[(index // PER_NOTE) % len(notes)]
            insight = Insight(client_id=client.id, note_id=note.id, text=text, client_words=words,
                              created_by_id=note.author_id, created_at=note.signed_at or note.created_at,
                              shared_with_coach=shared)
            if shared:  # the clinician read the words back to the client in the session
                insight.words_confirmed_by_id = note.author_id
                insight.words_confirmed_at = insight.created_at
            insight.themes = [InsightTheme(client_id=client.id, theme=theme) for theme in themes]
            insight.goals = [goals[goal]] if goal in goals else []
            insight.history_items = [history[item]] if item in history else []
            db.session.add(insight)
    db.session.commit()
