"""Demo dosing sessions, signed debriefs, integration notes (coaching notes where a coach is on the care
team), one private process note and one note waiting for a supervisor's co-signature. Every person and
story is invented."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..auth.models import User
from ..clients.demo import demo_clinician
from ..clients.models import Client
from ..clock import from_local, local_today
from ..extensions import db
from . import lifecycle
from .models import DosingSession, Note

# first name -> the client's series. Each session: (intention, experience, imagery, emotions, body,
# challenging, observations, next steps); integration notes: (focus, what changed, practices tried).
STORIES = {
    "Rowan": {
        "route": "im", "weight": 68, "mg_per_kg": (0.75, 0.9, 1.0, 1.0),
        "setting": "Treatment room 2, reclined chair, eyeshades, the ambient playlist",
        "sessions": [
            ("To stop bracing, just for an hour.",
             "\"I was lying on warm sand and for once I wasn't listening for footsteps. Nobody needed me.\"",
             "A beach at dusk; a house with every window lit; small children's shoes lined up by a door.",
             {"peace": 4, "grief": 2, "relief": 3}, "Heaviness in the arms, then a loosening across the shoulders.",
             "About 20 minutes in, a wave of 'I should be doing something'. Breathing with me helped.",
             "Settled quickly. Tearful when talking about the shoes by the door. Good contact on return.",
             "Walk by the river tomorrow; write down one thing they did only for themselves."),
            ("To see what I carry for other people.",
             "\"There was a backpack full of stones, and each one had a name on it. I put some down.\"",
             "Stones with siblings' names; a steep path; setting the pack on a bench.",
             {"grief": 3, "relief": 4, "awe": 2}, "Pressure in the chest that eased when they exhaled.",
             "Guilt at putting a stone down: 'if I don't carry it, who will?'",
             "Spoke more freely than at intake. Noticed themselves apologising and laughed at it.",
             "Notice one request this week they can hand back. Bring it to integration."),
            ("To be in a room without leaving early.",
             "\"I was in a café made of light. I stayed. Nothing bad happened.\"",
             "A bright café; a cup that kept refilling; a stranger who nodded and left them alone.",
             {"peace": 4, "joy": 3, "anxiety": 2}, "Restless legs early on, then stillness.",
             "A flash of the school corridor; they named it aloud and it passed.",
             "Visible relief. Described the corridor memory without dissociating.",
             "Sit in a café for 20 minutes this week, leave only when they choose to."),
            ("To rest.",
             "\"I didn't go anywhere. I just rested, like a cat in the sun.\"",
             "Sunlight on a wooden floor; a cat; the sound of the river.",
             {"peace": 5, "gratitude": 3}, "Warm, heavy, comfortable.",
             "None reported.",
             "Calm throughout. Asked to keep the playlist for home.",
             "Keep the playlist for evenings; check the sleep goal in two weeks."),
        ],
        "integration": [
            ("The beach image and what 'nobody needs me' brought up.",
             "Slept better two nights. Said no to one revision request, with shaking hands.",
             "River walk three times; the morning note 'one thing for me'."),
            ("Which stones to put down, concretely.",
             "Told a sibling they could not host the holiday this year. It went better than feared.",
             "Box breathing before emails; the river walks."),
            ("The café as rehearsal for public spaces.",
             "Stayed 25 minutes in a café. Noticed the bracing start and soften.",
             "Café visits twice; body scan in the evening."),
        ],
    },
    "Maribel": {
        "route": "oral", "weight": 64, "mg": (150, 200, 200),
        "setting": "Home-style room, lozenge held 15 minutes, her grandmother's scarf in her lap",
        "sessions": [
            ("To let myself miss her.",
             "\"She was in the kitchen, stirring the soup. She didn't turn round but I knew she knew I was there.\"",
             "Her grandmother's kitchen; the blue pot; steam on the window.",
             {"grief": 4, "love": 4, "peace": 2}, "Tight throat, then tears, then warmth in the belly.",
             "Wanted to stop the crying and 'be sensible'. Reassured it was welcome.",
             "Deep grief, well held. She reached for the scarf throughout.",
             "Cook one of her grandmother's recipes this week; note what comes up."),
            ("To know what I need from Tomás.",
             "\"We were on a long table, far apart, and I kept sliding the salt towards him.\"",
             "A long table; passing the salt; a window being opened.",
             {"grief": 2, "confusion": 3, "love": 3}, "Ache in the lower back eased halfway through.",
             "A quiet sense of loneliness inside the marriage she found hard to say.",
             "Spoke about the marriage for the first time in detail. Careful, thoughtful.",
             "Write what she would say to Tomás if the table were short. Decide later whether to share it."),
            ("To stop holding my breath.",
             "\"I was swimming and realised I could breathe underwater. I'd been holding it for years.\"",
             "Green water; light coming through; her grandmother waving from the shore.",
             {"relief": 4, "awe": 4, "joy": 3}, "Long exhalations; the back pain hardly noticed.",
             "A moment of fear when the water closed over her, then the breathing.",
             "Bright affect at the end. Laughed about 'holding my breath since 1999'.",
             "Breathing practice each morning; bring the letter to the next session."),
        ],
        "integration": [
            ("The kitchen image and cooking the soup.",
             "Made the soup on Sunday. Cried, then phoned her cousin and laughed about old times.",
             "Cooking; looking at photos for ten minutes without turning away."),
            ("The letter to Tomás.",
             "Read part of it to him. He listened. They walked after dinner twice.",
             "Evening walks; the letter; a weekly 'how are we' conversation."),
        ],
    },
    "Desmond": {
        "route": "iv", "weight": 82, "mg_per_kg": (0.5, 0.5, 0.6, 0.75, 0.75),
        "setting": "Infusion suite, 40 minutes, headphones, partner waiting outside",
        "sessions": [
            ("To see what stress is asking for.",
             "\"The kitchen was on fire, all the tickets at once, and I was calm in the middle of it.\"",
             "A busy kitchen; tickets turning into birds; a back door open to a cool alley.",
             {"anxiety": 3, "peace": 3, "awe": 2}, "Jaw tight at first, then slack.",
             "An old urge image: the bar after a shift. He watched it without acting.",
             "Thoughtful, guarded early, open later. Steady throughout.",
             "Note urges on the phone app with the time and what was happening."),
            ("To take a day off without guilt.",
             "\"I was fishing with my brother. We didn't say anything and it was fine.\"",
             "A lake; two rods; his brother at age twelve.",
             {"grief": 3, "love": 3, "peace": 3}, "Heavy chest while thinking of his brother.",
             "Sadness about the years they lost.",
             "Teared up, which he said he has not done in years.",
             "Send his brother one message this week, no agenda."),
            ("To stay steady.",
             "\"I was a stone in a river. Water went round me.\"",
             "A river stone; water; the moving schools as a fast current.",
             {"peace": 4, "relief": 3}, "Grounded, heavy legs.",
             "A restless stretch mid-infusion; he asked for the rate to stay and it settled.",
             "Calm. Linked the stone image to the urge practice himself.",
             "Use 'stone in the river' when urges rise; keep the day off."),
            ("To let people in a little.",
             "\"Every school I walked into, someone waved. I'd never noticed.\"",
             "School corridors; waving hands; a door held open.",
             {"gratitude": 4, "grief": 2, "joy": 2}, "Warmth in the hands.",
             "Anger at his father surfaced briefly; he named it and let it go.",
             "More open than ever. Some anger, well regulated.",
             "Invite his brother for the day off. Bring the anger to integration."),
            ("To rest in what's working.",
             "\"Nothing big. A quiet kitchen after close. Everything clean.\"",
             "An empty, clean kitchen; lights off one by one.",
             {"peace": 5, "gratitude": 3}, "Loose and tired in a good way.",
             "None.",
             "Settled, reflective.",
             "Keep the Sunday off; check-in on urges in two weeks."),
        ],
        "integration": [
            ("Urges after long shifts.",
             "Two strong urges, both on Friday nights. Rode them out with the app and a walk.",
             "Urge log; walking home the long way."),
            ("His brother.",
             "Sent the message. Brother replied with a photo of the old fishing spot.",
             "A day off on Sunday, mostly kept."),
            ("Anger at his father, and the moves.",
             "Noticed anger at work is quicker when he's tired.",
             "Stone in the river; sleep before nine on work nights."),
        ],
    },
    "Priya": {
        "route": "im", "weight": 58, "mg_per_kg": (0.75, 1.0, 1.0, 1.25, 1.25, 1.25),
        "setting": "Treatment room 1, eyeshades, strings playlist",
        "sessions": [
            ("To hear the critic without obeying it.",
             "\"There was a voice reading out my performance review, and then it got smaller and smaller.\"",
             "A shrinking loudspeaker; a conference room emptying.",
             {"anxiety": 3, "relief": 3, "awe": 2}, "Tension in the forehead released.",
             "The critic got loud at first: 'you're wasting time'.",
             "Articulate, a little self-mocking. Softened by the end.",
             "Catch the critic once a day and write down exactly what it says."),
            ("To be with my family as a child.",
             "\"I was five, at the airport, holding my mother's sari. She was scared too.\"",
             "An airport; the sari's pattern; a suitcase with a red ribbon.",
             {"grief": 4, "love": 4, "fear": 2}, "Cold hands, then warmth.",
             "Seeing her mother's fear was painful.",
             "Moved; long silence afterwards; asked to sit before talking.",
             "Call her mother this week, no heavy topic needed."),
            ("To speak without rehearsing.",
             "\"I opened my mouth and music came out. Nobody minded.\"",
             "A choir; her own voice; colleagues humming along.",
             {"joy": 4, "awe": 3}, "Buzzing in the throat and chest.",
             "A short spell of nausea, eased with ginger and stillness.",
             "Playful, much lighter than previous sessions.",
             "Speak once in the Tuesday meeting without notes."),
            ("To look at the year after Anaya was born.",
             "\"It was winter in the house and I was very small inside it. Then someone opened the curtains.\"",
             "A dark house; curtains; her daughter laughing in another room.",
             {"grief": 4, "shame": 3, "relief": 3}, "Heaviness, then lightness.",
             "Shame about 'not being there' that year. Held gently.",
             "Painful material, well tolerated. Self-compassion emerging.",
             "Safety plan reviewed; integration session within three days."),
            ("To make room for friends.",
             "\"There was a big table and all my university friends were there and I wasn't late.\"",
             "A long lunch; old friends; a photo booth.",
             {"joy": 4, "gratitude": 4, "love": 3}, "Warm and open.",
             "None.",
             "Bright and connected.",
             "Plan one meal with a friend this month."),
            ("To keep the kindness when work gets loud.",
             "\"The critic was there but sitting at the back. I was driving.\"",
             "A car; the critic in the back seat with a seatbelt on.",
             {"peace": 4, "joy": 2}, "Calm, centred.",
             "A flicker of worry about going back to work on Monday.",
             "Integrated, reflective, humorous about the critic.",
             "Review goals; move to monthly integration sessions."),
        ],
        "integration": [
            ("What the critic says, in its own words.",
             "Wrote down the critic four times. Noticed it sounds like her old team lead.",
             "The critic log; three-breath pause before meetings."),
            ("Her mother, and the move.",
             "Called her mother; they talked about the airport for the first time.",
             "Weekly call; journalling after."),
            ("Speaking up.",
             "Spoke twice in the Tuesday meeting; her manager thanked her.",
             "Speaking without notes; walking after lunch."),
            ("The postpartum year.",
             "Less shame when she thinks of that winter. Talked with her husband about it.",
             "Self-compassion letter; evening walks."),
        ],
    },
    "Lukas": {
        "route": "intranasal", "weight": 88, "mg": (56, 56, 84),
        "setting": "Clinic recliner, two hours' observation, his own garden photos on the wall screen",
        "sessions": [
            ("To find a reason for the morning.",
             "\"I was in the greenhouse before dawn. The seedlings were waiting for me.\"",
             "Seedlings; a greenhouse; the light coming up.",
             {"peace": 3, "grief": 3, "gratitude": 2}, "Tired, heavy, then a little lighter.",
             "A stretch of 'what's the point'. We stayed with it together.",
             "Flat at first, warmer by the end. No distress on leaving.",
             "Water the seedlings first thing each day and note his mood before and after."),
            ("To be gentler with myself.",
             "\"My father was shouting in a room and I closed the door softly and went out into the garden.\"",
             "A closed door; the garden in rain; a robin.",
             {"anger": 2, "grief": 3, "relief": 3}, "Tight chest, loosening.",
             "Hearing his father's voice was hard; he wanted to leave.",
             "Able to describe his father without collapsing into it. Tearful.",
             "When the inner voice is harsh, name it 'the old voice' and step outside."),
            ("To see what's still mine after the business.",
             "\"All the keys from the shop were on a ring and I could still hold them, but they didn't hold me.\"",
             "A ring of keys; the shop's sign; a market stall with his vegetables.",
             {"grief": 3, "relief": 4, "gratitude": 3}, "A long sigh, shoulders dropping.",
             "Grief about the shop, mixed with relief.",
             "Most hopeful session yet. Mentioned a market stall idea unprompted.",
             "Ask about a stall at the Saturday market; continue morning watering."),
        ],
        "integration": [
            ("Mornings.",
             "Up before eight on five days, for the seedlings. Evenings still long.",
             "Morning watering; a short walk after dinner."),
            ("The old voice.",
             "Caught the harsh voice several times; stepped outside twice.",
             "Naming the old voice; garden breaks."),
        ],
    },
}
DAYS_BETWEEN_SESSIONS = 21
SESSION_HOUR = time(10, 0)
# The therapist's own working notes on one client: nobody else ever reads them.
PROCESS_NOTE = ("Rowan", "ines", "Noticing my pull to reassure Ro when they apologise; worth staying with the "
                "discomfort instead. Hypothesis: the over-functioning began well before age nine. Ask about the "
                "year their grandmother was ill.")
# A pre-licensed clinician's signed note, waiting for their supervisor's co-signature.
SUPERVISED_NOTE = ("Maribel", "sam", {
    "focus": "Grief, and cooking her grandmother's soup again.",
    "changes": "Sleeping better; fewer mornings of dread.",
    "practices": "Ten minutes with the photo album each evening.",
})


def load_demo(practice, users: dict[str, User], clients: list[Client]) -> None:
    """Give each demo client their dosing sessions, a signed debrief for each, and integration notes.

    A client who already has dosing sessions is left alone, so running this twice adds nothing.
    """
    today = local_today(practice.timezone)
    for client in clients:
        story = STORIES.get(client.first_name)
        if story is None or db.session.scalar(
                select(DosingSession.id).where(DosingSession.client_id == client.id).limit(1)) is not None:
            continue
        team = {m.user_id for m in client.care_team}
        therapist = demo_clinician(client, users, users["admin"])
        coach = users["june"] if "june" in users and users["june"].id in team else therapist
        _load_client(practice, client, story, therapist, coach, today)
        _own_notes(client, users, team, today)
    db.session.commit()


def _own_notes(client, users: dict[str, User], team: set[int], today: date) -> None:
    """The process note and the supervised clinician's note, on the clients they belong to."""
    name, key, text = PROCESS_NOTE
    if client.first_name == name and key in users and users[key].id in team:
        day = today - timedelta(days=1)
        _note(client, users[key], "process", day, {"text": text}, None,
              signed_at=from_local(day, time(18, 0), "UTC"))
    name, key, fields = SUPERVISED_NOTE
    if client.first_name == name and key in users and users[key].id in team:
        day = today - timedelta(days=3)
        _note(client, users[key], "integration", day, fields, None, signed_at=from_local(day, time(17, 0), "UTC"))


def _load_client(practice, client, story, therapist: User, coach: User, today: date) -> None:
    count = len(story["sessions"])
    # The latest session was two days ago, so its integration window is open in the demo.
    days = [2 + DAYS_BETWEEN_SESSIONS * (count - 1 - i) for i in range(count)]
    integration = list(story["integration"])
    for number, (spec, days_ago) in enumerate(zip(story["sessions"], days), start=1):
        intention, experience, imagery, emotions, body, challenging, observed, next_steps = spec
        day = today - timedelta(days=days_ago)
        started_at = from_local(day, SESSION_HOUR, practice.timezone)
        session = DosingSession(client_id=client.id, number=number, started_at=started_at, route=story["route"],
                                setting=story["setting"], intention=intention, created_by_id=therapist.id,
                                created_at=started_at, notes="Ate lightly beforehand.",
                                # The intranasal series is esketamine (56 or 84 mg); the others racemic ketamine.
                                product="esketamine" if story["route"] == "intranasal" else "racemic",
                                medicine="esketamine" if story["route"] == "intranasal" else "ketamine")
        if "mg_per_kg" in story:
            per_kg = story["mg_per_kg"][number - 1]
            session.dose_mg_per_kg = per_kg
            session.dose_mg = round(per_kg * story["weight"], 1)
        else:
            session.dose_mg = story["mg"][number - 1]
        session.practitioners = [therapist] + ([coach] if coach is not therapist and number % 2 else [])
        db.session.add(session)
        db.session.flush()

        fields = {
            "experience": experience, "imagery": imagery, "body": body, "challenges": challenging,
            "observations": observed, "next_steps": next_steps,
            "emotions-text": "Mostly as named above; said it felt 'cleaner' than usual feelings.",
            "safety-mood": "Settled, a little tired", "safety-asked": "yes",
            "safety-answer": "No thoughts of harming themselves; feels safe going home with their support person.",
            "safety-follow_up": "no",
        }
        fields.update({f"emotion-{key}": str(level) for key, level in emotions.items()})
        _note(client, therapist, "debrief", day, fields, session, signed_at=started_at + timedelta(hours=3))

        if integration and days_ago > 4:
            focus, changed, practices = integration.pop(0)
            later = day + timedelta(days=4)
            progress = {
                "progress-layout": "dap",
                "progress-dap-data": f"{changed}",
                "progress-dap-assessment": "Integrating well; material from the session is being used in daily life.",
                "progress-dap-plan": "Continue practices; next dosing session as scheduled.",
            } if number % 2 == 0 else {}
            fields = {"focus": focus, "changes": changed, "practices": practices, **progress}
            kind = "integration"
            if coach.role == "coach":  # a coach writes coaching notes: no progress note, no diagnosis
                kind, fields = "coaching", {"focus": f"{focus} {changed}", "practised": practices,
                                            "next_step": "Keep the practices going; we meet again next week."}
            latest = not integration  # the latest integration note is left as a draft, still to sign
            _note(client, coach, kind, later, fields, session,
                  signed_at=None if latest else from_local(later, time(17, 0), practice.timezone))


def _note(client, author, kind, day, fields, session, *, signed_at: datetime | None) -> Note:
    """A note written on `day` through the note lifecycle; signed by its author at `signed_at`, or left a draft."""
    written = signed_at or from_local(day, time(16, 0), "UTC")
    note = lifecycle.start(Note(client_id=client.id, kind=kind, occurred_on=day, created_at=written,
                                dosing_session_id=session.id if kind == "debrief" else None), author)
    lifecycle.save_draft(note, fields, note.version, author)
    note.updated_at = written
    if signed_at is not None:
        revision = lifecycle.sign(note, author, note.version)
        note.signed_at = revision.saved_at = signed_at
    return note

