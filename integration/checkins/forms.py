"""The client's forms on the private link (the code, the check-in, a measure) and the practitioner's comment.
Words on the client's side are short and plain (a test keeps their reading grade at 6 or below)."""
from __future__ import annotations

from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import BaseForm, MultiCheckboxField
from ..measures.instruments import DIFFICULTY, Definition
from .models import REACH_WHEN, SLEEP

STAYED_MAX = 500
COMMENT_MAX = 2000


class CodeForm(BaseForm):
    code = StringField("Your check-in code", validators=[DataRequired(message="Type the six numbers of your code."),
                                                         Length(max=20, message="Your code has six numbers.")],
                       description="Six numbers. We gave them to you with your link, on paper or by phone.")


class CheckInForm(BaseForm):
    mood = RadioField("How is your mood today?", coerce=int, choices=[(n, str(n)) for n in range(11)],
                      validators=[InputRequired(message="Pick a number from 0 to 10.")],
                      description="0 is very low. 10 is very good.")
    sleep = RadioField("How did you sleep last night?", choices=list(SLEEP.items()),
                       validators=[InputRequired(message="Pick one.")])
    practices = MultiCheckboxField("What did you do from your plan today?", choices=[], validate_choice=True)
    stayed_with = TextAreaField("What stayed with me today", validators=[
        Optional(), Length(max=STAYED_MAX, message=f"Please keep it under {STAYED_MAX} letters.")],
        description="If you like. One line is fine.")
    reach_out = BooleanField("I would like someone to reach out to me")
    reach_when = RadioField("When?", choices=list(REACH_WHEN.items()), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.reach_out.data and not self.reach_when.data:
            self.reach_when.errors = list(self.reach_when.errors) + ["Pick when we should reach out."]
            ok = False
        return ok


class _MeasureBase(BaseForm):
    pass


def measure_form(definition: Definition, **kwargs) -> _MeasureBase:
    """One required radio group per item (`item_1` ...), as the measures area's form, without date or session."""
    fields = {}
    choices = [(value, label) for label, value in definition.scale]
    for number, _ in enumerate(definition.items, start=1):
        fields[f"item_{number}"] = RadioField(f"Item {number}", coerce=int, choices=choices,
                                              validators=[InputRequired(message="Please pick an answer.")])
    if definition.difficulty:
        fields["difficulty"] = RadioField(
            "If you checked off any problems, how difficult have these problems made it for you to do your work, "
            "take care of things at home, or get along with other people?",
            choices=[(label, label) for label in DIFFICULTY], validators=[Optional()])
    return type(f"Client{definition.key.upper()}Form", (_MeasureBase,), fields)(**kwargs)


class CommentForm(BaseForm):
    comment = TextAreaField("Your comment", validators=[DataRequired(message="Write a comment."),
                                                        Length(max=COMMENT_MAX)],
                            description="Beside the client's words; their check-in itself never changes.")
