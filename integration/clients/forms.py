"""Client and care-team forms."""
from datetime import date

from ..forms import BaseForm
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from .models import CLIENT_STATUSES


def not_in_future(form, field):
    if field.data and field.data > date.today():
        raise ValidationError("This date is in the future.")


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
