"""The safety plan's form: one box per step and for reasons for living, in the client's words."""
from __future__ import annotations

from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import Length, Optional

from ..forms import BaseForm
from .models import REASONS, STEPS
from .versions import MAX_STEP_CHARS


def _box(label: str, hint: str) -> TextAreaField:
    return TextAreaField(label, validators=[Length(max=MAX_STEP_CHARS)],
                         description=f"{hint} One per line, in the client's own words.")


class SafetyPlanForm(BaseForm):
    warning_signs = _box(*STEPS["warning_signs"])
    coping = _box(*STEPS["coping"])
    distraction = _box(*STEPS["distraction"])
    people = _box(*STEPS["people"])
    professionals = _box(*STEPS["professionals"])
    environment = _box(*STEPS["environment"])
    reasons = _box(*REASONS)
    change_note = TextAreaField("What changed, for the care team (optional)", validators=[Length(max=500)],
                                description="Not printed. E.g. “Reviewed after session 3; added her sister.”")
    base = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    def steps(self) -> dict[str, str]:
        return {key: self[key].data or "" for key in (*STEPS, "reasons")}
