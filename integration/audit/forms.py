"""Filters for browsing the audit log."""
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from ..forms import BaseForm
from .models import ACTIONS


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET search form that changes nothing

    user_id = SelectField("Person", coerce=int, validators=[Optional()])
    client_id = SelectField("Client", coerce=int, validators=[Optional()])
    action = SelectField("Action", choices=[("", "Any action")] + list(ACTIONS.items()), validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
