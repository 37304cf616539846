"""Sign-in, first-run setup, team and password forms."""
from ..clock import DEFAULT_ZONE, zone_choices
from ..forms import BaseForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from .models import PROFESSIONS, ROLES, User
from .passwords import MAX_LENGTH, password_problem

EMAIL = [DataRequired(), Length(max=254), Email(message="Enter a valid email address.")]
NAME = [DataRequired(), Length(max=120)]
CREDENTIALS = [Length(max=60)]


class StrongPassword:
    """Validator applying the practice's password policy, using the other fields as hints."""

    def __init__(self, *hint_fields: str):
        self.hint_fields = hint_fields

    def __call__(self, form, field):
        hints = tuple(str(form[name].data or "") for name in self.hint_fields if name in form)
        hints += tuple(getattr(form, "password_hints", ()))  # e.g. the account's own email and name
        problem = password_problem(field.data or "", hints=hints)
        if problem:
            raise ValidationError(problem)


class LoginForm(BaseForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    shared_computer = BooleanField(
        "This is a shared computer",
        description="Then this browser keeps no copy of notes you are writing. Save before you step away.")


class NewPasswordMixin:
    password = PasswordField(
        "Password",
        validators=[DataRequired(), StrongPassword("email", "name")],
        description="At least 12 characters. A few unrelated words make a strong, memorable password.",
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


def zone_field(label: str, blank: str | None = None, description: str = "") -> SelectField:
    """A select of IANA time zones, the common ones first; a value not offered is refused."""
    return SelectField(label, choices=zone_choices(blank), default="" if blank is not None else DEFAULT_ZONE,
                       description=description)


class SetupForm(NewPasswordMixin, BaseForm):
    practice_name = StringField("Practice name", validators=[DataRequired(), Length(max=200)])
    timezone = zone_field("Practice time zone", description="Plan dates and the days after a session count "
                                                            "in this zone. Each member can also choose their own.")
    name = StringField("Your name", validators=NAME)
    credentials = StringField("Credentials", validators=CREDENTIALS, description="For example LMFT, PsyD, MD.")
    email = EmailField("Email", validators=EMAIL)


def _optional_id(value):
    return int(value) if value not in (None, "", "None") else None


class UserForm(BaseForm):
    name = StringField("Name", validators=NAME)
    credentials = StringField("Credentials", validators=CREDENTIALS, description="For example LMFT, PsyD, MD.")
    email = EmailField("Email", validators=EMAIL)
    role = SelectField("Role", choices=list(ROLES.items()),
                       description="Clinicians read the full record of their care team's clients. Coaches work in "
                                   "coaching scope. Practice admins run the practice without clinical access.")
    profession = SelectField("Profession", choices=[("", "Not a clinician")] + list(PROFESSIONS.items()),
                             description="For clinicians. A practice admin with a profession is also a clinician "
                                         "on the care teams they are on.")
    licence = StringField("Licence", validators=[Length(max=120)],
                          description="Type, number and state, for example LMFT 123456 (CA).")
    supervisor_id = SelectField("Pre-licensed, supervised by", coerce=_optional_id, choices=[],
                                description="Their signed notes wait for this supervisor's co-signature.")

    def offer_supervisors(self, practice_id: int, member: User | None = None) -> None:
        """The practice's active clinicians, other than the member, as possible supervisors."""
        from sqlalchemy import select

        from ..extensions import db

        people = db.session.scalars(select(User).where(User.practice_id == practice_id, User.active.is_(True))
                                    .order_by(User.name)).all()
        self.supervisor_id.choices = [(None, "No: fully licensed")] + [
            (u.id, u.display_name) for u in people if u.is_clinician and (member is None or u.id != member.id)]

    def clinical_fields(self) -> dict:
        """Profession, licence and supervisor as they apply to the chosen role."""
        role = self.role.data
        if role == "coach":
            return {"profession": "", "licence": "", "supervisor_id": None}
        profession = self.profession.data or ("therapist" if role == "therapist" else "")
        return {"profession": profession, "licence": (self.licence.data or "").strip(),
                "supervisor_id": self.supervisor_id.data if profession else None}


class NewUserForm(NewPasswordMixin, UserForm):
    password = PasswordField(
        "First password",
        validators=[DataRequired(), StrongPassword("email", "name")],
        description="Share it privately; they can change it after signing in.",
    )


class NewPasswordForm(BaseForm):
    """A new password for one's own account (a reset link); ChangePasswordForm adds the current one."""

    password = PasswordField(
        "New password",
        validators=[DataRequired(), StrongPassword()],
        description="At least 12 characters. A few unrelated words make a strong, memorable password.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)])


class CodeForm(BaseForm):
    """The second step at sign-in: a code from the app, or a recovery code."""

    code = StringField("Code", validators=[DataRequired(message="Type the code from your app."), Length(max=40)],
                       description="The 6-digit code your authenticator app shows now, or one of your "
                                   "recovery codes.")


class SetupCodeForm(BaseForm):
    code = StringField("The 6-digit code your app shows",
                       validators=[DataRequired(message="Type the code your app shows."), Length(max=20)])


class ConfirmPasswordForm(BaseForm):
    """Asks for the password again before a change to how this person signs in."""

    current = PasswordField("Your password", validators=[DataRequired(), Length(max=MAX_LENGTH)])


class PracticeSettingsForm(BaseForm):
    timezone = zone_field("Practice time zone", description="Plan dates and the integration window count days "
                                                            "here; members without a zone of their own see times in it.")


class TimeZoneForm(BaseForm):
    timezone = zone_field("Your time zone", blank="Same as the practice",
                          description="Every date and time you see, and the times you type, are in this zone.")


class SecuritySettingsForm(BaseForm):
    require_two_step = BooleanField("Everyone signs in with two steps")
