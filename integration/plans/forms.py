"""Forms for the practice library, plans, plan items and the plan settings."""
from datetime import date, time

from wtforms import (BooleanField, DateField, IntegerField, SelectField, StringField,
                     TextAreaField, TimeField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import BaseForm, MultiCheckboxField
from ..clock import WEEKDAYS
from .models import CHECKPOINTS, LIBRARY_CATEGORIES, MAX_WINDOW_DAYS, PAST_DAYS, SCHEDULE_KINDS, TIMES_OF_DAY
from .safety import COUNTRIES, clock_time

PAPER_SIZES = {"letter": "US Letter", "a4": "A4"}



class ScheduleFields(BaseForm):
    """What a library practice and a plan item share; schedule_values() reads the right group."""

    category = SelectField("Category", choices=list(LIBRARY_CATEGORIES.items()))
    title = StringField("Title the client sees", validators=[DataRequired(message="Give it a title."),
                                                            Length(max=200)])
    instructions = TextAreaField("Instructions for the client", validators=[Length(max=4000)],
                                 description="Plain, warm words. This is printed as written.")
    schedule_kind = SelectField("When", choices=list(SCHEDULE_KINDS.items()), default="days")
    days = MultiCheckboxField("Days after the session", coerce=int,
                              choices=[(d, "Session day" if d == 0 else f"Day {d}") for d in range(MAX_WINDOW_DAYS + 1)])
    checkpoints = MultiCheckboxField("Check-in points", choices=list(CHECKPOINTS.items()))
    weekdays = MultiCheckboxField("Days of the week", coerce=int, choices=list(WEEKDAYS.items()))
    weekly_day = SelectField("Day of the week", coerce=int, choices=list(WEEKDAYS.items()), default=0)
    time_of_day = SelectField("Time of day", choices=list(TIMES_OF_DAY.items()), default="")
    prompts = TextAreaField("Journaling prompts", validators=[Length(max=2000)],
                            description="One question per line. Each gets ruled space in the PDF.")

    def limit_days(self, window_days: int) -> None:
        """Offer only the days inside the practice's integration window."""
        self.days.choices = [(d, "Session day" if d == 0 else f"Day {d}") for d in range(window_days + 1)]

    def load_schedule(self, obj) -> None:
        values = obj.schedule_values or []
        kind = obj.schedule_kind
        self.days.data = values if kind == "days" else []
        self.checkpoints.data = values if kind == "checkpoints" else []
        self.weekdays.data = values if kind == "weekdays" else []
        self.weekly_day.data = values[0] if kind == "weekly" and values else 0

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        kind = self.schedule_kind.data
        if kind == "days" and not self.days.data:
            self.days.errors = [*self.days.errors, "Choose at least one day."]
            ok = False
        if kind == "checkpoints" and not self.checkpoints.data:
            self.checkpoints.errors = [*self.checkpoints.errors, "Choose at least one check-in point."]
            ok = False
        if kind == "weekdays" and not self.weekdays.data:
            self.weekdays.errors = [*self.weekdays.errors, "Choose at least one day of the week."]
            ok = False
        return ok

    def schedule_values(self) -> list:
        kind = self.schedule_kind.data
        if kind == "days":
            return sorted(set(self.days.data or []))
        if kind == "checkpoints":
            return [c for c in CHECKPOINTS if c in (self.checkpoints.data or [])]
        if kind == "weekdays":
            return sorted(set(self.weekdays.data or []))
        if kind == "weekly":
            return [self.weekly_day.data]
        return []

    def apply_to(self, obj) -> None:
        for name in ("category", "title", "instructions", "schedule_kind", "time_of_day", "prompts"):
            setattr(obj, name, getattr(self, name).data or "")
        obj.schedule_values = self.schedule_values()


class LibraryPracticeForm(ScheduleFields):
    pass


class PlanItemForm(ScheduleFields):
    goals = MultiCheckboxField("Goals this supports", coerce=int, validate_choice=True)
    insights = MultiCheckboxField("Insights behind it", coerce=int, validate_choice=True)
    group_series_id = SelectField("Group circle", coerce=int, default=0,
                                  filters=[lambda chosen: chosen or 0],  # no circle yet, or left out: "None"
                                  choices=[(0, "None")],
                                  description="The plan and its calendar list the circle's next dates "
                                              "and themes (never who else comes).")

    def offer_circles(self, circles) -> None:
        self.group_series_id.choices = [(0, "None")] + [(c.id, c.name) for c in circles]


APPOINTMENT_ROWS = 3


class PlanForm(BaseForm):
    dosing_session_id = SelectField("Dosing session", coerce=int, default=0,
                                    description="The plan starts on the session's day.")
    start_date = DateField("Or start on", validators=[Optional()],
                           description="Used when the plan is not tied to a session.")
    message = TextAreaField("Your message to the client", validators=[Length(max=3000)],
                            description="A few personal words. Printed at the start of the plan.")
    large_print = BooleanField("Large print")
    reminders = BooleanField("Reminders in the calendar file", default=True,
                             description="Ten minutes before a practice, an hour before an appointment or circle.")
    past_days = SelectField("If the plan is given after its first days began", choices=list(PAST_DAYS.items()),
                            default="behind")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.dosing_session_id.data and not self.start_date.data:
            self.start_date.errors = [*self.start_date.errors, "Choose a session or a start date."]
            ok = False
        for on, at, what in self.appointment_fields():
            if (what.data or at.data) and not on.data:
                on.errors = [*on.errors, "Add the date of this appointment."]
                ok = False
        return ok

    def appointment_fields(self) -> list[tuple]:
        """(date, time, what) fields of each appointment row."""
        return [(self[f"appointment_{n}_on"], self[f"appointment_{n}_at"], self[f"appointment_{n}_what"])
                for n in range(APPOINTMENT_ROWS)]

    def load_appointments(self, rows: list[dict]) -> None:
        for (on, at, what), row in zip(self.appointment_fields(), [*rows, *[{}] * APPOINTMENT_ROWS]):
            on.data = _parse(date.fromisoformat, row.get("on"))
            at.data = _parse(time.fromisoformat, row.get("at"))
            what.data = row.get("what", "")

    def appointment_rows(self) -> list[dict]:
        rows = [{"on": on.data.isoformat(), "at": at.data.strftime("%H:%M") if at.data else "",
                 "what": (what.data or "").strip()}
                for on, at, what in self.appointment_fields() if on.data]
        return sorted(rows, key=lambda r: (r["on"], r["at"]))


def _parse(parse, value):
    try:
        return parse(value) if value else None
    except ValueError:
        return None


for _n in range(APPOINTMENT_ROWS):
    setattr(PlanForm, f"appointment_{_n}_on", DateField(f"Date of appointment {_n + 1}", validators=[Optional()]))
    setattr(PlanForm, f"appointment_{_n}_at", TimeField(f"Time of appointment {_n + 1}", validators=[Optional()]))
    setattr(PlanForm, f"appointment_{_n}_what", StringField(f"What is appointment {_n + 1}",
                                                            validators=[Length(max=200)]))


class PlanSettingsForm(BaseForm):
    integration_window_days = IntegerField(
        "Length of the integration window (days after the session)", default=3,
        validators=[DataRequired(message="Enter a number of days."),
                    NumberRange(min=1, max=MAX_WINDOW_DAYS, message=f"Between 1 and {MAX_WINDOW_DAYS} days.")],
        description="Shown to clients as “your first days”. A clinical framing, not a promise.")
    paper_size = SelectField("Paper size", choices=list(PAPER_SIZES.items()))
    large_print_default = BooleanField("Large print for new plans")
    country = SelectField("Country", choices=list(COUNTRIES.items()), default="US",
                          description="In the United States the plan prints the 988 lines (call, text, chat, "
                                      "Veterans, TTY and videophone) and 911 by itself. Elsewhere, add your "
                                      "country's lines below: a plan cannot be finalized without one.")
    crisis_resources = TextAreaField("Your own crisis lines", validators=[Length(max=2000)],
                                     description="One per line, printed after the country's lines on every plan.")
    after_hours_line = StringField("After-hours number", validators=[Length(max=300)],
                                   description="Who answers out of hours, and when. Printed with the crisis lines.")
    reply_time = StringField("How fast you answer messages", validators=[Length(max=300)],
                             description="For example: We answer calls and messages within one working day.")
    client_contact = TextAreaField("How clients reach you", validators=[Length(max=500)],
                                   description="Phone, email and hours, printed on every plan. When empty, "
                                               "the practitioner's email is printed.")
    day_of_session_text = TextAreaField("On the day of a session", validators=[Length(max=3000)],
                                        description="One point per line, printed near the start of every plan that "
                                                    "begins with a dosing session. Leave empty for our safe default.")
    morning_time = TimeField("Morning", validators=[Optional()])
    afternoon_time = TimeField("Afternoon", validators=[Optional()])
    evening_time = TimeField("Evening", validators=[Optional()])

    TIME_FIELDS = ("morning", "afternoon", "evening")

    def load_times(self, practice) -> None:
        for slot in self.TIME_FIELDS:
            self[f"{slot}_time"].data = clock_time(practice, slot)

    def apply_to(self, practice) -> None:
        for name in ("integration_window_days", "paper_size", "large_print_default", "country", "crisis_resources",
                     "after_hours_line", "reply_time", "client_contact", "day_of_session_text"):
            setattr(practice, name, getattr(self, name).data)
        times = dict(practice.plan_times or {})
        for slot in self.TIME_FIELDS:
            if self[f"{slot}_time"].data:
                times[slot] = self[f"{slot}_time"].data.strftime("%H:%M")
        practice.plan_times = times
