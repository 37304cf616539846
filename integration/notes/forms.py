"""Forms for dosing sessions, new notes, signing and addenda.

The note editor itself is parsed by notes/sections.py: its fields depend on the kind of note,
and the same parser serves the autosave calls and the plain form post.
"""
from datetime import time

from wtforms import (BooleanField, DateField, FloatField, IntegerField, SelectField,
                     StringField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..clock import local_today
from ..forms import BaseForm, MultiCheckboxField
from .lifecycle import MAX_REASON_CHARS
from .models import PRODUCTS, ROUTES
from .sections import MAX_SECTION_CHARS

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
        from ..dosing.checks import dose_problem

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


class NewNoteForm(BaseForm):
    kind = SelectField("Kind of note", choices=[],
                       description="Private process notes are yours alone: nobody else ever reads them.")
    session_id = SelectField("Dosing session", coerce=int, choices=[],
                             description="A debrief belongs to the dosing session it follows.")
    occurred_on = DateField("Date", validators=[InputRequired(message="Enter the date of the note.")])
    template_id = SelectField("Template", coerce=int, choices=[(0, "None")], default=0,
                              description="Your practice's prompts and starting text for the sections.")

    def __init__(self, *args, tz_name: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.tz_name = tz_name
        self.template_kinds: dict[int, str] = {}  # template id -> the kind of note it is for

    def validate_template_id(self, field):
        kind = self.template_kinds.get(field.data)
        if field.data and kind != self.kind.data:
            raise ValidationError("This template is for another kind of note. Pick one under "
                                  "the kind you chose, or None.")

    def validate_occurred_on(self, field):
        if field.data and field.data > local_today(self.tz_name):
            raise ValidationError("This date is in the future.")

    def validate_session_id(self, field):
        if self.kind.data == "debrief" and not field.data:
            raise ValidationError("Choose the dosing session this debrief follows.")


class SignForm(BaseForm):
    version = IntegerField(validators=[InputRequired()])


class AddendumForm(BaseForm):
    reason = StringField("Reason for the addendum", validators=[
        DataRequired(message="Say why you are adding to a signed note."), Length(max=MAX_REASON_CHARS)],
        description="For example: a correction, or something the client told you later.")
    text = TextAreaField("Addendum", validators=[
        DataRequired(message="Write the addendum."), Length(max=MAX_SECTION_CHARS)])



class NoteTemplateForm(BaseForm):
    """A template's name; its sections' fields are added per kind (template_form)."""

    name = StringField("Name", validators=[DataRequired(message="Give the template a name."),
                                           Length(max=120)],
                       description="What clinicians see when they start a note, e.g. “First debrief”.")


def template_form(kind: str, *args, **kwargs) -> NoteTemplateForm:
    """The form for a template of this kind: a prompt and starting text for each text section."""
    from .templates import MAX_PROMPT_CHARS, MAX_START_CHARS, template_sections

    class KindForm(NoteTemplateForm):
        pass

    for section in template_sections(kind):
        setattr(KindForm, f"prompt_{section.name}", StringField(
            "Prompt", validators=[Length(max=MAX_PROMPT_CHARS)],
            description=f"Shown under the heading. Left empty: “{section.help}”" if section.help else
            "Shown under the heading."))
        setattr(KindForm, f"start_{section.name}", TextAreaField(
            "Starting text", validators=[Length(max=MAX_START_CHARS)],
            description="Optional. Each new note begins with it; the clinician changes it freely."))
    form = KindForm(*args, **kwargs)
    form.kind_sections = template_sections(kind)
    return form


class ArchiveForm(BaseForm):
    pass
