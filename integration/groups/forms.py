"""Forms for series, sessions, the roster and the group note. Attendance is read by the view:
one radio group per attendee, named status-<client id>."""
from datetime import time

from wtforms import (BooleanField, DateField, IntegerField, SelectField, StringField,
                     TextAreaField, TimeField)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..forms import BaseForm, MultiCheckboxField
from ..clock import WEEKDAYS

MAX_CAPACITY = 100



class SeriesForm(BaseForm):
    name = StringField("Name", validators=[DataRequired(message="Give the circle a name."), Length(max=200)],
                       description="For example: Tuesday evening integration circle.")
    description = TextAreaField("What the circle is for", validators=[Length(max=4000)])
    weekday = SelectField("Meets on", coerce=int, default=-1,
                          choices=[(-1, "No regular day")] + list(WEEKDAYS.items()))
    meets_at = TimeField("At", validators=[Optional()], description="In the practice's time zone.")
    schedule_text = StringField("Schedule in words", validators=[Length(max=200)],
                                description="For example: every other Tuesday, 6:30 to 8 pm.")
    place = StringField("Place", validators=[Length(max=300)], description="Room and address.")
    video_link = StringField("Video link", validators=[Optional(), Length(max=500),
                                                       URL(message="Paste the whole link, starting with https://.")])
    capacity = IntegerField("Places", default=8, validators=[
        InputRequired(message="How many people can join?"),
        NumberRange(min=1, max=MAX_CAPACITY, message=f"Between 1 and {MAX_CAPACITY}.")],
        description="When the circle is full, new people go on the waitlist.")
    facilitators = MultiCheckboxField("Facilitators", coerce=int,
                                      description="Facilitators and the practice's admins can open the circle.")

    def validate_facilitators(self, field):
        if not field.data:
            raise ValidationError("Choose at least one facilitator.")


class SessionForm(BaseForm):
    starts_on = DateField("Date", validators=[InputRequired(message="Enter the date of the session.")])
    starts_time = TimeField("Start time", default=time(18, 30),
                            validators=[InputRequired(message="Enter the time the session starts.")])
    theme = StringField("Theme", validators=[Length(max=200)],
                        description="In general words; clients see it on their plan and calendar.")
    facilitators = MultiCheckboxField("Facilitators", coerce=int)
    confirm_date = BooleanField("Yes, this date is right")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asks_confirmation = False


class EnrolForm(BaseForm):
    client_id = SelectField("Client", coerce=int, choices=[],
                            validators=[DataRequired(message="Choose a client to enrol.")])
