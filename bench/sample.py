"""A realistic, fictional plan document: used by the benchmark and the PDF tests."""
from datetime import date, timedelta

from integration.plans.document import PlanAppointment, PlanDay, PlanDocument, PlanEntry, PlanGoal
from integration.plans.safety import DEFAULT_DAY_OF_SESSION, US_CRISIS_LINES

START = date(2026, 5, 5)


def sample_document(**overrides) -> PlanDocument:
    """An 8-page plan (Letter): three first days, four ongoing practices, three goals, prompts, tracker."""
    walk = PlanEntry(
        title="A slow walk outside",
        instructions="Walk for 20 minutes without headphones. If your mind drifts back to the session, let it.",
        time_of_day="Morning", category="Time in nature",
        why=["I felt calm for the first time in months when I pictured the lake."])
    journal = PlanEntry(
        title="Ten minutes with your journal",
        instructions="Write whatever is on top. Start with one of the questions on the journaling pages if a blank page feels big.",
        time_of_day="Evening", category="Journaling",
        why=["I keep waiting to feel ready before I start things."])
    rest = PlanEntry(
        title="An easy evening",
        instructions="Eat something warm, keep screens low after 9 pm and go to bed a little early.",
        time_of_day="Evening", category="Lifestyle changes")
    call = PlanEntry(
        title="Call someone who makes you laugh",
        instructions="A short call is enough. You don't have to talk about the session.",
        category="Connection")
    days = [
        PlanDay(0, START, [rest], ["What do you want to remember from today, even if it's just one image?"]),
        PlanDay(1, START + timedelta(days=1), [walk, journal]),
        PlanDay(2, START + timedelta(days=2), [call]),
    ]
    ongoing = [
        PlanEntry(title="Morning pages", instructions="Three pages of longhand writing, first thing, before your phone. "
                  "Nobody reads them, not even you if you prefer.", schedule_text="Every weekday",
                  time_of_day="Morning", category="Journaling",
                  why=["I keep waiting to feel ready before I start things."]),
        PlanEntry(title="Gentle yoga", instructions="Twenty minutes of slow stretching. The video list from our session "
                  "is a good start; any class labelled 'gentle' or 'restorative' works too.",
                  schedule_text="Twice a week", time_of_day="Evening", category="Movement and yoga",
                  why=["My shoulders let go when I stopped bracing."]),
        PlanEntry(title="A walk by the water", instructions="Once a week, go back to water: a river, the lake, even a fountain. "
                  "Notice what has changed since last week.", schedule_text="Weekly", category="Time in nature",
                  why=["I felt calm for the first time in months when I pictured the lake."]),
        PlanEntry(title="Integration circle", instructions="The Thursday circle meets at 6:30 pm in the garden room. "
                  "You can listen without speaking.", schedule_text="Weekly, from 2 weeks after",
                  category="Group integration circles"),
    ]
    goals = [
        PlanGoal("Start things before I feel ready",
                 "I lose whole weekends waiting to feel like it. I want to start small and see what happens.",
                 ["I keep waiting to feel ready before I start things.", "When I just began, the fear got smaller."]),
        PlanGoal("Be kinder to myself after hard days",
                 "I talk to myself in a way I would never talk to a friend.",
                 ["I heard my grandmother's voice and it was gentle.", "My shoulders let go when I stopped bracing."]),
        PlanGoal("Spend more time outside", "Being near water is when I feel most like me.",
                 ["I felt calm for the first time in months when I pictured the lake."]),
    ]
    values = dict(
        title="Your integration plan", language="en", client_name="Zoë", practitioner_name="Ines Alvarez",
        practitioner_contact="Text or call 555-0142, weekdays 9 am to 5 pm.\nEmail ines@riverbend.example — I reply within one working day.",
        practice_name="Riverbend Integration Collective", start_date=START, window_days=3,
        message="Dear Zoë,\n\nThank you for the trust you brought to Tuesday's session. You did brave work, and "
                "it is fine if you feel tired or tender for a few days.\n\nThis plan is a starting point, not a "
                "to-do list. Take what helps. We'll look at it together at your next session.\n\nWarmly,\nInes",
        first_days=days, ongoing=ongoing, goals=goals,
        journal_prompts=["What felt different when you woke up?"],
        appointments=[PlanAppointment("Thursday, May 7 at 10:00 AM", "Integration session with Ines (video)"),
                      PlanAppointment("Tuesday, May 12 at 10:00 AM", "1 week check-in"),
                      PlanAppointment("Thursday, June 4 at 10:00 AM", "1 month check-in")],
        tracker_practices=["Morning pages", "Gentle yoga", "A walk by the water", "Integration circle"],
        crisis_lines=list(US_CRISIS_LINES), after_hours_line="555-0199, evenings and weekends",
        reply_time="We answer messages within one working day.", day_of_session=DEFAULT_DAY_OF_SESSION.splitlines(),
        version=2, issued_on=date(2026, 5, 5), paper_size="letter", large_print=False,
    )
    values.update(overrides)
    return PlanDocument(**values)
