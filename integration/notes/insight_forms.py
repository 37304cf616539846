"""Forms for adding, editing and linking insights, and for filtering the insights page."""
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..clients.models import HISTORY_CATEGORIES, Goal, HistoryItem
from ..forms import BaseForm, stored_int
from .insights import THEME_MAX_LENGTH, THEMES_PER_INSIGHT, parse_themes


class ChoiceList(SelectMultipleField):
    """A multiple choice drawn as checkboxes, refusing any id that was not offered."""

    def __init__(self, *args, not_offered: str = "That choice is not available here.", **kwargs):
        super().__init__(*args, coerce=int, **kwargs)
        self.not_offered = not_offered

    def pre_validate(self, form):
        offered = {value for value, _label in self.choices or []}
        if any(value not in offered for value in self.data or []):
            raise ValidationError(self.not_offered)


def optional_int(value):
    """'' or None as None, digits as an int; anything else fails the field."""
    if value in (None, ""):
        return None
    return stored_int(value)


class InsightForm(BaseForm):
    text = TextAreaField("Insight", validators=[DataRequired(message="Write the insight in a sentence or two."),
                                                Length(max=1000)],
                         description="A short statement, in your words.")
    client_words = TextAreaField("In the client's words", validators=[Length(max=1000)],
                                 description="Optional. This is the version their plan and documents use.")
    shared_with_coach = BooleanField("May be shared with the coach and in the plan (the client's words only)",
                                     description="Coaches on the care team then see the client's words, and "
                                                 "plans may print them. Your statement stays with clinicians.")
    words_confirmed = BooleanField("These are the client's own words: I checked them with the client",
                                   description="Only confirmed words are quoted in the plan. Your name and the "
                                               "date are kept; changing the words clears it.")
    themes = StringField("Themes", validators=[Length(max=600)],
                         description="Separate with commas, for example: trust, grief, the body.")
    goal_ids = ChoiceList("Goals it speaks to", not_offered="Choose from this client's own goals.")
    history_ids = ChoiceList("History it speaks to", not_offered="Choose from this client's own history.")
    new_goal_title = StringField("Or add a new goal", validators=[Length(max=200)],
                                 description="Its title is enough for now; fill in the rest on the goal page.")
    new_history_title = StringField("Or add a new history item", validators=[Length(max=200)])
    new_history_category = SelectField("Category", choices=list(HISTORY_CATEGORIES.items()), default="other")
    new_history_sensitive = BooleanField("Sensitive (kept collapsed, never in client documents)")

    def validate_themes(self, field):
        themes = parse_themes(field.data)
        if any(len(theme) > THEME_MAX_LENGTH for theme in themes):
            raise ValidationError(f"Keep each theme to {THEME_MAX_LENGTH} characters or fewer.")
        if len(themes) > THEMES_PER_INSIGHT:
            raise ValidationError(f"Up to {THEMES_PER_INSIGHT} themes, please.")


def make_insight_form(goals: list[Goal], history: list[HistoryItem], **kwargs) -> InsightForm:
    """An insight form offering exactly these goals and history items (the client's own)."""
    form = InsightForm(prefix="insight", **kwargs)
    form.goal_ids.choices = [(g.id, g.title) for g in goals]
    form.history_ids.choices = [(h.id, h.title) for h in history]
    return form


class LinkForm(BaseForm):
    """Link an insight to one goal or history item, or remove such a link."""

    action = SelectField("Action", choices=[("add", "Link"), ("remove", "Unlink")], default="add")
    goal_id = SelectField("Goal", coerce=optional_int, validate_choice=False, validators=[Optional()])
    history_id = SelectField("History item", coerce=optional_int, validate_choice=False, validators=[Optional()])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not self.goal_id.data and not self.history_id.data:
            self.goal_id.errors.append("Choose a goal or a history item.")
            return False
        return True


class InsightFilterForm(BaseForm):
    """The insights page's filters, read from the query string."""

    class Meta:
        csrf = False

    theme = StringField("Theme", validators=[Optional(), Length(max=THEME_MAX_LENGTH)])
    goal_id = SelectField("Goal", coerce=optional_int, validate_choice=False, validators=[Optional()])
    history_id = SelectField("History item", coerce=optional_int, validate_choice=False, validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")


class RetractForm(BaseForm):
    """Retracting an insight from a signed note: the reason is required, kept and shown to clinicians."""

    reason = StringField("Why retract it?", validators=[
        DataRequired(message="Say why you are retracting this insight."), Length(max=300)])
