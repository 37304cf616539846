"""Filters for browsing the audit log."""
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional

from ..forms import BaseForm
from .models import ACTIONS


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET search form that changes nothing

    user_id = SelectField("Person", coerce=int, validators=[Optional()])
    client = StringField("Client", validators=[Optional(), Length(max=100)], description="A name, or part of one.")
    client_id = IntegerField(validators=[Optional()])  # a link from a client's name on this page
    action = SelectField("Action", choices=[("", "Any action")] + list(ACTIONS.items()), validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
