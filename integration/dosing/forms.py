"""Forms of the dosing-safety record: a vitals reading, an adverse event, discharge, consent and the
practice's consent text. Impossible values are refused at their field (checks.impossible)."""


from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..clock import local_today
from ..forms import BaseForm
from ..notes.sections import MAX_SECTION_CHARS
from .checks import impossible
from .models import AE_KINDS, DISSOCIATION, MOAAS, POINTS, SEVERITIES

MAX_CONSENT_CHARS = 20_000


def plausible(form, field):
    message = impossible(field.name, field.data)
    if message:
        raise ValidationError(message)


def _rating(label: str, scale: dict, description: str) -> SelectField:
    return SelectField(label, choices=[("", "Not rated")] + [(str(k), v) for k, v in scale.items()], default="",
                       description=description)


class VitalsForm(BaseForm):
    taken_time = TimeField("Time", validators=[InputRequired(message="Enter the time of the reading.")])
    point = SelectField("When", choices=list(POINTS.items()), default="pre")
    systolic = IntegerField("Systolic (mmHg)", validators=[InputRequired(message="Enter the systolic pressure."),
                                                           plausible])
    diastolic = IntegerField("Diastolic (mmHg)", validators=[InputRequired(message="Enter the diastolic pressure."),
                                                             plausible])
    heart_rate = IntegerField("Heart rate (/min)", validators=[InputRequired(message="Enter the heart rate."),
                                                               plausible])
    spo2 = IntegerField("SpO2 (%)", validators=[InputRequired(message="Enter the oxygen saturation."), plausible])
    resp_rate = IntegerField("Breathing rate (/min)", validators=[Optional(), plausible],
                             description="Optional.")
    moaas = _rating("Sedation (MOAA/S)", MOAAS, "5 is fully awake.")
    dissociation = _rating("Dissociation (observed, 0–4)", DISSOCIATION, "What you see, not what the client reports.")

    def validate_diastolic(self, field):
        if field.data is not None and self.systolic.data is not None and field.data >= self.systolic.data:
            raise ValidationError("Diastolic must be lower than systolic: check the two are not swapped.")

    def rating(self, name: str) -> int | None:
        value = getattr(self, name).data
        return int(value) if value not in (None, "") else None


class AdverseEventForm(BaseForm):
    kind = SelectField("What happened", choices=list(AE_KINDS.items()))
    detail = StringField("In a few words", validators=[Length(max=300)], description="Required for Other.")
    severity = SelectField("Severity", choices=list(SEVERITIES.items()))
    action = TextAreaField("What was done", validators=[DataRequired(message="Say what was done, even “observed”."),
                                                         Length(max=MAX_SECTION_CHARS)])
    resolved = BooleanField("Resolved before the client left")

    def validate_detail(self, field):
        if self.kind.data == "other" and not (field.data or "").strip():
            raise ValidationError("Say what happened.")


class DischargeForm(BaseForm):
    criteria_met = BooleanField("All discharge criteria met")
    discharged_time = TimeField("Time the client left", validators=[
        InputRequired(message="Enter the time the client left.")])
    discharged_with = StringField("Who took the client home", validators=[
        DataRequired(message="Name who took the client home."), Length(max=200)],
        description="A name and how they relate, e.g. “Sam Ortiz, partner”. Clients do not drive after dosing.")

    def validate_criteria_met(self, field):
        if not field.data:
            raise ValidationError("Discharge only once every criterion is met. If one is not, keep monitoring.")


class ConsentForm(BaseForm):
    series = StringField("Treatment series", validators=[Length(max=120)],
                         description="For example “First series, 6 sessions”.")
    signed_on = DateField("Date signed", validators=[InputRequired(message="Enter the date it was signed.")])
    signed_by = StringField("Signed by", validators=[DataRequired(message="Type the name of the person who signed."),
                                                     Length(max=200)], description="The name as they signed it.")
    witnessed_by = StringField("Witnessed by", validators=[DataRequired(message="Type the witness's name."),
                                                           Length(max=200)])

    def __init__(self, *args, tz_name: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.tz_name = tz_name

    def validate_signed_on(self, field):
        if field.data and field.data > local_today(self.tz_name):
            raise ValidationError("This date is in the future.")


class ConsentTextForm(BaseForm):
    text = TextAreaField("Consent to treatment", validators=[
        DataRequired(message="Write the consent text."), Length(max=MAX_CONSENT_CHARS)],
        description="Saving makes a new version. Consents already signed keep the version they were signed to.")


