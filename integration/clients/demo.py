"""Demo personal history and goals with check-ins for the demo clients. Every person and story is invented."""
from datetime import timedelta

from sqlalchemy import select

from ..auth.models import User
from ..clock import local_today
from ..extensions import db
from .models import Client, Goal, GoalCheckIn, HistoryItem

# first name -> (who wrote it, history items, goals)
# history item: (category, title, when, detail, sensitive)
# goal: (title, why in their words, how we will know, life area, status, ratings oldest first, notes by index)
RECORDS = {
    "Rowan": ("ines", [
        ("family", "Eldest of four; looked after siblings", "age 9 onwards",
         "Parent worked nights. Rowan made lunches, signed permission slips and settled arguments.", False),
        ("adversity", "Bullied through middle school", "age 11–14",
         "Daily teasing about their clothes and voice. Told no adult at the time.", True),
        ("work", "Graphic designer, freelance for six years", "2019–now",
         "Loves the craft; dreads invoicing and saying no to extra revisions.", False),
        ("earlier_treatment", "Two courses of SSRIs", "2016 and 2021",
         "Some relief the first time, flattening the second. Stopped with their doctor's help.", False),
        ("spirituality", "Finds calm in long walks by the river", "",
         "Describes it as the only place their mind goes quiet.", False),
    ], [
        ("Say no to work that drains me", "I keep saying yes and then resenting everyone, including me.",
         "I turn down or renegotiate at least one request a week.", "work", "active",
         [2, 3, 3, 5, 6, 6], {3: "Declined a rush job and slept fine."}),
        ("Feel at ease in my body in public", "I want to stop bracing every time I walk into a room.",
         "I can sit in a café for half an hour without leaving early.", "emotional", "active",
         [3, 3, 4, 4, 5], {4: "Stayed for a whole coffee with a friend."}),
        ("Sleep seven hours most nights", "Everything is harder when I'm running on empty.",
         "Five nights out of seven with seven hours.", "health", "paused",
         [4, 5, 4], {2: "Paused while the move is going on."}),
    ]),
    "Maribel": ("ines", [
        ("family", "Close bond with her grandmother, who died in 2022", "2022",
         "Grandmother raised her for part of her childhood. Grief still arrives in waves.", False),
        ("relationships", "Married 20 years; two teenage children", "",
         "Describes the marriage as steady but quiet; wants more closeness.", False),
        ("health", "Chronic lower back pain", "since 2015",
         "Worse under stress. Sees a physiotherapist monthly.", False),
        ("adversity", "Car accident in her twenties", "age 24",
         "A friend was badly hurt. She was driving. Has not spoken about it with family.", True),
        ("earlier_treatment", "Talk therapy, three years", "2017–2020",
         "Helpful for anxiety; felt the grief 'never got touched'.", False),
    ], [
        ("Let grief move instead of holding it down", "I want to miss her without it knocking me over.",
         "I can look at her photos and cook her recipes.", "emotional", "active",
         [2, 3, 5, 5, 6, 7], {2: "Made her soup for the first time.", 5: "Cried and then laughed."}),
        ("Talk with my husband about what I need", "We've gone quiet. I want us back.",
         "One honest conversation a week that isn't about logistics.", "relationships", "active",
         [1, 2, 4, 4, 5], {}),
    ]),
    "Desmond": ("theo", [
        ("substance_use", "Heavy drinking in his twenties", "age 21–28",
         "Drinking to cope with social anxiety. Sober from alcohol for four years.", True),
        ("childhood", "Moved schools five times", "age 6–15",
         "Military family. Learned to make friends fast and keep them at arm's length.", False),
        ("work", "Line cook turned kitchen manager", "2018–now",
         "Proud of the team he has built; works 60-hour weeks.", False),
        ("spirituality", "Raised Catholic; now unsure what he believes", "",
         "Misses the sense of belonging more than the beliefs.", False),
    ], [
        ("Stay steady with urges when stress peaks", "I don't want stress to pull me back to old habits.",
         "I notice an urge and use a practice before acting on it.", "habits", "active",
         [4, 5, 5, 6, 7, 7, 8], {6: "A brutal Saturday service and no urge to drink after."}),
        ("Take one full day off each week", "I'm missing my own life.",
         "One day a week with no work messages.", "work", "active",
         [1, 2, 2, 3, 5], {4: "Turned the phone off on Sunday."}),
        ("Reconnect with my brother", "We used to be close. I want that again.",
         "We talk at least every other week.", "relationships", "achieved",
         [3, 5, 7, 8, 9], {4: "Visited him for his birthday."}),
    ]),
    "Priya": ("theo", [
        ("family", "Parents emigrated when she was five", "age 5",
         "Felt responsible for translating and smoothing things over for her parents.", False),
        ("health", "Postpartum depression after her second child", "2019",
         "Treated with medication and a support group. Recovered, but fears it returning.", True),
        ("work", "Senior engineer; recently promoted", "2024",
         "Feels like an impostor in leadership meetings.", False),
        ("relationships", "Small circle of close friends from university", "",
         "Sees them rarely since the children were born; misses them.", False),
    ], [
        ("Quieten the inner critic at work", "I want to speak up without rehearsing it ten times.",
         "I share an idea in a meeting without a script.", "work", "active",
         [3, 3, 4, 6, 6, 7], {3: "Spoke first in the planning meeting."}),
        ("Make time for friends", "I've let the people I love drift.",
         "A call or visit with a friend twice a month.", "relationships", "active",
         [2, 3, 3, 4], {}),
    ]),
    "Lukas": ("ines", [
        ("adversity", "Lost his business in 2020", "2020",
         "Ran a small bakery for fifteen years. Closing it felt like losing himself.", False),
        ("earlier_treatment", "Treatment-resistant depression; three medications tried", "2020–2023",
         "Referred for ketamine-assisted therapy by his psychiatrist.", False),
        ("childhood", "Father was harsh and rarely present", "childhood",
         "Describes a house where feelings were not spoken.", True),
        ("spirituality", "Gardening as a daily ritual", "",
         "Tends an allotment; feels most like himself with his hands in the soil.", False),
    ], [
        ("Find a reason to get up in the morning", "Most days I just wait for the evening.",
         "I have something I look forward to on most days.", "meaning", "active",
         [1, 2, 2, 3, 4, 4, 5], {4: "Started baking bread for the neighbours."}),
        ("Be gentler with myself", "I talk to myself the way my father talked to me.",
         "I catch the harsh voice and answer it kindly.", "emotional", "active",
         [2, 2, 3, 3, 4], {3: "Caught the voice twice this week."}),
    ]),
}
CHECK_IN_SPAN_DAYS = 60  # check-ins spread over the last two months
# Goals that touch what the client keeps private: out of the PDF, and away from the coach.
SENSITIVE_GOALS = {"Stay steady with urges when stress peaks"}


def demo_clinician(client: Client, users: dict[str, User], fallback: User | None = None) -> User | None:
    """The demo clinician (Ines or Theo) on this client's care team, else `fallback`: whom the demo's
    areas name as the author of what they write for the client."""
    team = {member.user_id for member in client.care_team}
    return next((users[k] for k in ("ines", "theo") if k in users and users[k].id in team), fallback)


def load_demo(practice, users: dict[str, User], clients: list[Client]) -> None:
    """Add history items and goals with check-ins to the demo clients; running again adds nothing."""
    today = local_today(practice.timezone)
    for client in clients:
        author_key, history, goals = RECORDS.get(client.first_name, (None, [], []))
        author = users.get(author_key)
        author_id = author.id if author else None
        have_history = set(db.session.scalars(select(HistoryItem.title).where(HistoryItem.client_id == client.id)))
        for category, title, when, detail, sensitive in history:
            if title not in have_history:
                db.session.add(HistoryItem(client_id=client.id, category=category, title=title, when_text=when,
                                           detail=detail, sensitive=sensitive, created_by_id=author_id))
        have_goals = set(db.session.scalars(select(Goal.title).where(Goal.client_id == client.id)))
        for title, why, how, area, status, ratings, notes in goals:
            if title in have_goals:
                continue
            goal = Goal(client_id=client.id, title=title, why=why, how_we_know=how, life_area=area,
                        status=status, created_by_id=author_id, target_date=today + timedelta(days=120),
                        sensitive=title in SENSITIVE_GOALS)
            db.session.add(goal)
            db.session.flush()
            step = CHECK_IN_SPAN_DAYS // max(len(ratings) - 1, 1)
            for i, rating in enumerate(ratings):
                day = today - timedelta(days=CHECK_IN_SPAN_DAYS - i * step)
                db.session.add(GoalCheckIn(goal_id=goal.id, client_id=client.id, checked_on=day, rating=rating,
                                           note=notes.get(i, ""), created_by_id=author_id))
    db.session.commit()
