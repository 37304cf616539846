"""Entering a measure (one radio group per item), schedules, acknowledging an alert, and the practice's
own measures."""
from __future__ import annotations

from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..clients.forms import not_in_future
from ..forms import BaseForm
from .instruments import DIFFICULTY, Definition
from .models import CADENCES


class _ResponseBase(BaseForm):
    taken_on = DateField("Date completed", validators=[InputRequired(message="Enter the date it was completed."),
                                                       not_in_future])
    dosing_session_id = SelectField("Before a dosing session", coerce=int, validate_choice=True,
                                    description="Optional: the session this measure was taken before.")


def response_form(definition: Definition, session_choices: list[tuple[int, str]], **kwargs) -> _ResponseBase:
    """A form with one required radio group per item (`item_1` ...), scored as the item's score."""
    fields = {}
    choices = [(value, label) for label, value in definition.scale]
    for number, _ in enumerate(definition.items, start=1):
        fields[f"item_{number}"] = RadioField(
            f"Item {number}", coerce=int, choices=choices,
            validators=[InputRequired(message=f"Choose an answer for item {number}.")])
    if definition.difficulty:
        fields["difficulty"] = RadioField(
            "If you checked off any problems, how difficult have these problems made it for you to do your work, "
            "take care of things at home, or get along with other people?",
            choices=[(label, label) for label in DIFFICULTY], validators=[Optional()])
    form_class = type(f"{definition.key.upper()}Form", (_ResponseBase,), fields)
    form = form_class(**kwargs)
    form.dosing_session_id.choices = [(0, "Not linked to a session")] + session_choices
    return form


def item_fields(form, definition: Definition):
    """(number, item text, field) for each item, in order."""
    return [(n, text, form[f"item_{n}"]) for n, text in enumerate(definition.items, start=1)]


class ScheduleForm(BaseForm):
    measure_key = SelectField("Measure", validators=[DataRequired(message="Choose a measure.")])
    cadence = SelectField("When", choices=list(CADENCES.items()))


class AcknowledgeForm(BaseForm):
    note = TextAreaField("What you did", validators=[
        DataRequired(message="Say what you did or decided: the note stays with the alert."), Length(max=2000)],
        description="E.g. “Called the client; safety plan reviewed; no current intent.”")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_scale(text: str) -> list[list]:
    """"Label = score" per line -> [[label, score], ...]."""
    scale = []
    for line in _lines(text):
        label, sep, value = line.rpartition("=")
        if not sep or not label.strip() or not value.strip().lstrip("-").isdigit():
            raise ValueError(f"“{line}”: write each answer as “label = score”, e.g. “Not at all = 0”.")
        scale.append([label.strip()[:60], int(value)])
    return scale


def parse_bands(text: str) -> list[list]:
    """"low = label" per line, "!" after the label for a band that raises an alert."""
    bands = []
    for line in _lines(text):
        value, sep, label = line.partition("=")
        if not sep or not value.strip().isdigit() or not label.strip():
            raise ValueError(f"“{line}”: write each band as “lowest score = label”, e.g. “10 = Moderate”.")
        label = label.strip()
        alerts = label.endswith("!")
        bands.append([int(value), label.rstrip("!").strip()[:60], alerts])
    return sorted(bands)


class MeasureForm(BaseForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    question = StringField("Question every item answers", validators=[Length(max=500)],
                           description="E.g. “Over the last week, how much …”")
    items = TextAreaField("Items, one per line", validators=[DataRequired(message="Write at least one item.")])
    scale = TextAreaField("Answers, one per line as “label = score”",
                          validators=[DataRequired(message="Write the answers and their scores.")],
                          description="E.g. “Not at all = 0”, then “Sometimes = 1” …")
    bands = TextAreaField("Bands (optional), one per line as “lowest score = label”", validators=[Optional()],
                          description="End a label with “!” when a score in that band should raise an alert.")
    rise_alert = IntegerField("Alert on a rise of at least (points)", validators=[Optional(), NumberRange(1, 1000)])

    def validate_items(self, field):
        if len(_lines(field.data)) > 60:
            raise ValidationError("At most 60 items.")
        if any(len(line) > 500 for line in _lines(field.data)):
            raise ValidationError("Keep each item under 500 characters.")

    def validate_scale(self, field):
        try:
            scale = parse_scale(field.data)
        except ValueError as problem:
            raise ValidationError(str(problem)) from None
        if len(scale) < 2 or len(scale) > 11:
            raise ValidationError("Give between 2 and 11 answers.")
        if len({value for _, value in scale}) != len(scale):
            raise ValidationError("Each answer needs its own score.")

    def validate_bands(self, field):
        try:
            parse_bands(field.data)
        except ValueError as problem:
            raise ValidationError(str(problem)) from None
