"""Client, care-team, history, goal and check-in forms."""
from ..clock import local_today, viewer_tz
from ..forms import BaseForm
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from .models import CLIENT_STATUSES, GOAL_STATUSES, HISTORY_CATEGORIES, LIFE_AREAS


def not_in_future(form, field):
    """Later than today where the person typing is (their zone, else their practice's)."""
    if field.data and field.data > local_today(viewer_tz()):
        raise ValidationError("This date is in the future. Choose today or an earlier day.")


class ClientForm(BaseForm):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    preferred_name = StringField("Preferred name", validators=[Length(max=100)],
                                 description="What they like to be called. Used on their plan.")
    pronouns = StringField("Pronouns", validators=[Length(max=40)])
    date_of_birth = DateField("Date of birth", validators=[Optional(), not_in_future])
    email = EmailField("Email", validators=[Optional(), Length(max=254), Email(message="Enter a valid email address.")])
    phone = StringField("Phone", validators=[Length(max=40)])
    emergency_contact = TextAreaField("Emergency contact", validators=[Length(max=300)],
                                      description="Name, relationship and phone number.")
    status = SelectField("Status", choices=list(CLIENT_STATUSES.items()))


class CareTeamForm(BaseForm):
    user_id = SelectField("Practitioner", coerce=int, validators=[DataRequired(message="Choose a practitioner.")])


class HistoryItemForm(BaseForm):
    category = SelectField("Category", choices=list(HISTORY_CATEGORIES.items()))
    title = StringField("Title", validators=[DataRequired(message="Give this a short title."), Length(max=200)],
                        description="A few words you will recognise later.")
    when_text = StringField("When", validators=[Length(max=100)],
                            description="A date or a time of life, like “age 8” or “spring 2019”.")
    detail = TextAreaField("Detail", validators=[Length(max=20000)])
    sensitive = BooleanField("Sensitive: keep this collapsed in lists and out of every client document")
    shared_with_coach = BooleanField("Sensitive, but the coach on the care team may see it")


class GoalForm(BaseForm):
    title = StringField("Goal", validators=[DataRequired(message="Name the goal."), Length(max=200)])
    client_title = StringField("Title in the client's plan", validators=[Length(max=200)],
                               description="Optional: the goal as the client would say it. Empty: the plan uses "
                                           "the title above.")
    why = TextAreaField("Why it matters", validators=[Length(max=5000)],
                        description="In the client's own words.")
    how_we_know = TextAreaField("How we will know", validators=[Length(max=5000)],
                                description="A sign of progress the client would notice.")
    life_area = SelectField("Life area", choices=list(LIFE_AREAS.items()), default="other")
    status = SelectField("Status", choices=list(GOAL_STATUSES.items()), default="active")
    target_date = DateField("Target date", validators=[Optional()])
    sensitive = BooleanField("Sensitive: out of every client document, and hidden from coaches")
    shared_with_coach = BooleanField("Sensitive, but the coach on the care team may see it")


def for_reader(form, may_mark_sensitive: bool):
    """A history or goal form without the sensitivity choices for someone who may not make them."""
    if not may_mark_sensitive:
        del form.sensitive
        del form.shared_with_coach
    return form


class BreakGlassForm(BaseForm):
    reason = TextAreaField("Why you need the clinical record now", validators=[
        DataRequired(message="Write the reason: it is recorded, and shown to the client's care team."),
        Length(max=500)],
        description="For example: the client called in crisis and no one on the care team can be reached. "
                    "The reason is recorded in the audit log and shown on the record to the care team.")


class CareTeamSettingForm(BaseForm):
    clinicians_add_to_care_team = BooleanField("Clinicians on a client's care team may add colleagues to it")


class CheckInForm(BaseForm):
    checked_on = DateField("Date", validators=[InputRequired(message="Enter the date of the check-in."),
                                               not_in_future])
    rating = IntegerField("Rating (0 to 10)", validators=[
        InputRequired(message="Enter a whole number from 0 to 10."),
        NumberRange(min=0, max=10, message="Enter a whole number from 0 to 10."),
    ], description="0 is no progress at all, 10 is all the way there.")
    note = TextAreaField("Note", validators=[Length(max=2000)])
