"""Forms for new notes, signing, addenda and note templates.

The note editor itself is parsed by notes/sections.py: its fields depend on the kind of note,
and the same parser serves the autosave calls and the plain form post. The dosing session's form
is dosing/forms.py.
"""
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..clock import local_today
from ..forms import BaseForm
from .lifecycle import MAX_REASON_CHARS
from .sections import MAX_SECTION_CHARS


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
