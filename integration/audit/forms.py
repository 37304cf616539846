"""Filters for browsing the audit log."""
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..clock import local_today, viewer_tz
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


def _not_after_today(form, field):
    if field.data and field.data > local_today(viewer_tz()):
        raise ValidationError("This date is in the future. Choose today or an earlier day.")


class AuditExportForm(AuditFilterForm):
    """The export: the page's filters, and its own range of days (the last 30 unless chosen).

    No cap on the range: the file is streamed in constant memory, and a year or more of the log is
    what an inspection asks for. The page's own From/To (date_from, date_to) do not narrow it."""

    since = DateField("From", validators=[Optional(), _not_after_today])
    until = DateField("To", validators=[Optional(), _not_after_today])

    def validate_since(self, field):
        if not field.errors and field.data and self.until.data and field.data > self.until.data:
            raise ValidationError("Choose a first day on or before the last day.")
