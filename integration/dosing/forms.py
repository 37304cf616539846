"""Forms of a dosing session and its safety record: the session (booked or recorded), a vitals reading,
an adverse event, discharge, consent and the practice's consent text. Impossible values are refused at
their field (checks.impossible), a product given in a way or at a dose it cannot be at the session's
form (checks.dose_problem)."""
from datetime import time

from wtforms import (BooleanField, DateField, FloatField, IntegerField, SelectField, StringField, TextAreaField,
                     TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..clock import local_today
from ..forms import BaseForm, MultiCheckboxField
from ..notes.models import PRODUCTS, ROUTES
from ..notes.sections import MAX_SECTION_CHARS
from .checks import dose_problem, impossible
from .models import AE_KINDS, DISSOCIATION, MOAAS, POINTS, SEVERITIES

MAX_CONSENT_CHARS = 20_000


# Above these, a dose is possible but unusual enough to ask "is this right?" before saving.
# Ketamine-assisted therapy commonly uses about 0.5-1 mg/kg IV, up to about 1.5-2 mg/kg IM, and
# sublingual/oral lozenges of 100-300 mg; intranasal esketamine is 56-84 mg. So > 2 mg/kg or
# > 300 mg is more likely a typo (an extra zero, mg typed as mg/kg) than a real dose.
LARGE_DOSE_MG = 300
LARGE_DOSE_MG_PER_KG = 2
# The database columns' limits (Numeric(8,2) and Numeric(6,3)): larger is certainly wrong.
MAX_DOSE_MG = 99_999
MAX_DOSE_MG_PER_KG = 999


def positive(form, field):
    if field.data is not None and field.data <= 0:
        raise ValidationError("A dose must be more than 0.")


class DosingSessionForm(BaseForm):
    started_on = DateField("Date", validators=[InputRequired(message="Enter the date of the session.")])
    started_time = TimeField("Start time", default=time(10, 0),
                             validators=[InputRequired(message="Enter the time the session began.")])
    status = SelectField("This session is", choices=[("held", "Held: recording it now"),
                                                     ("planned", "Planned: booking it ahead")], default="held")
    product = SelectField("Medicine", choices=list(PRODUCTS.items()), default="racemic",
                          description="Esketamine: intranasal, 56 or 84 mg.")
    route = SelectField("Route", choices=list(ROUTES.items()), default="im")
    dose_mg = FloatField("Dose (mg)", validators=[Optional(), positive, NumberRange(
        max=MAX_DOSE_MG, message=f"A dose above {MAX_DOSE_MG:,} mg cannot be right.")])
    dose_mg_per_kg = FloatField("Dose (mg/kg)", validators=[Optional(), positive, NumberRange(
        max=MAX_DOSE_MG_PER_KG, message=f"A dose above {MAX_DOSE_MG_PER_KG} mg/kg cannot be right.")])
    confirm_dose = BooleanField("Yes, this dose is correct")
    confirm_without_consent = BooleanField("I am recording this session with no consent on file")
    setting = StringField("Setting", validators=[Length(max=300)],
                          description="Where and how: room, music, eyeshades, who else was there.")
    intention = TextAreaField("Intention set beforehand", validators=[Length(max=MAX_SECTION_CHARS)],
                              description="In the client's words, if you can.")
    practitioners = MultiCheckboxField("Practitioners present", coerce=int)
    notes = TextAreaField("Notes", validators=[Length(max=MAX_SECTION_CHARS)],
                          description="Timing, anything else worth keeping. Vitals have their own table.")

    def __init__(self, *args, tz_name: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.tz_name = tz_name
        self.started_time.description = f"In your time zone, {tz_name.replace('_', ' ')}."
        self.asks_confirmation = False
        self.asks_consent = False

    def validate_started_on(self, field):
        if field.data and field.data > local_today(self.tz_name) and self.status.data != "planned":
            raise ValidationError("This date is in the future. Book it as planned, or record it once it has happened.")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if (ok and self.status.data == "held" and self.dose_mg.data is None
                and self.dose_mg_per_kg.data is None):
            self.dose_mg.errors.append("Enter the dose in mg, in mg/kg, or both.")
            return False
        if ok:
            problem = dose_problem(self.product.data, self.route.data, self.dose_mg.data, self.dose_mg_per_kg.data)
            if problem:
                getattr(self, problem[0]).errors.append(problem[1])
                return False
        return ok

    def large_dose(self) -> bool:
        return ((self.dose_mg.data or 0) > LARGE_DOSE_MG
                or (self.dose_mg_per_kg.data or 0) > LARGE_DOSE_MG_PER_KG)


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


