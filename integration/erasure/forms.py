from wtforms import BooleanField, IntegerField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from ..forms import BaseForm
from .lifecycle import MAX_RETENTION_YEARS, MIN_RETENTION_YEARS


class ActionForm(BaseForm):
    """A button's form: CSRF only (close, reopen, approve, cancel)."""


class CloseForm(BaseForm):
    understood = BooleanField("I understand: nobody can add to or change this record once it is closed, "
                              "and its private plan links stop working now.",
                              validators=[DataRequired(message="Tick the box to close the record.")])


class RetentionForm(BaseForm):
    retention_years = IntegerField("Keep closed records for (years after closing)", validators=[
        InputRequired(message="Enter a whole number of years, like 7."),
        NumberRange(min=MIN_RETENTION_YEARS, max=MAX_RETENTION_YEARS,
                    message=f"Enter a whole number from {MIN_RETENTION_YEARS} to {MAX_RETENTION_YEARS}.")],
        description="Your state's rule for mental-health records decides this: most ask for 5 to 10 years after "
                    "the last visit, longer for minors. 7 is our default; set your practice's own.")
