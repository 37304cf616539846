"""The signed-in person's own sign-in settings: password, two-step sign-in, signing out everywhere."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..audit.log import record
from ..extensions import db
from . import sessions, throttle, two_step
from .blueprint import SETUP_CODE_WRONG, bp, setup_page
from .forms import ChangePasswordForm, ConfirmPasswordForm, SetupCodeForm, TimeZoneForm


def _password_confirmed(field) -> bool:
    """Whether the field holds the person's password; a wrong one counts toward the sign-in lockout,
    so a borrowed session cannot be used to guess it."""
    user = current_user._get_current_object()
    if minutes := throttle.minutes_paused(user.email):
        field.errors.append(f"Too many wrong passwords. Try again in {minutes} minute{'s' if minutes != 1 else ''}.")
        return False
    if user.check_password(field.data):
        return True
    throttle.count_failure(user.email)
    db.session.commit()
    field.errors.append("That is not your current password.")
    return False


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    form.password_hints = (current_user.email, current_user.name)
    if form.validate_on_submit() and _password_confirmed(form.current):
        user = current_user._get_current_object()
        user.set_password(form.password.data)
        sessions.end_all(user, "password changed")
        record("password-change", obj=user)
        sessions.start(user)  # this browser goes on with a new session; every other one is over
        db.session.commit()
        flash("Your password is changed. You are signed out everywhere else.", "success")
        return redirect(url_for("clients.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/account/security")
@login_required
def account_security():
    user = current_user._get_current_object()
    codes_left = two_step.recovery_codes_left(user) if user.has_two_step else None
    return render_template("auth/account_security.html", codes_left=codes_left,
                           confirm_form=ConfirmPasswordForm(formdata=None),
                           zone_form=_zone_form(user))


def _zone_form(user) -> TimeZoneForm:
    return TimeZoneForm(formdata=None, timezone=user.timezone)


@bp.route("/account/time-zone", methods=["POST"])
@login_required
def account_time_zone():
    """A member's own time zone (or "" for the practice's): every time they see and type is in it."""
    user = current_user._get_current_object()
    form = TimeZoneForm()
    if not form.validate_on_submit():
        flash("Choose a time zone from the list.", "error")
        return redirect(url_for("auth.account_security", _anchor="time-zone"), code=303)
    if form.timezone.data != user.timezone:
        record("change", obj=user, detail=f"own time zone {user.timezone or 'the practice'} -> "
                                          f"{form.timezone.data or 'the practice'}")
        user.timezone = form.timezone.data
        db.session.commit()
    shown = form.timezone.data or f"the practice's ({user.practice.timezone})"
    flash(f"Times are shown in {shown.replace('_', ' ')}.", "success")
    return redirect(url_for("auth.account_security", _anchor="time-zone"), code=303)


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    user = current_user._get_current_object()
    record("sign-out-everywhere", obj=user)
    sessions.end_all(user, "signed out everywhere")
    sessions.end_this_one("signed out everywhere")
    db.session.commit()
    flash("You are signed out on every device, this one included.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/two-step/setup", methods=["GET", "POST"])
@login_required
def two_step_setup():
    user = current_user._get_current_object()
    if user.has_two_step:
        return redirect(url_for("auth.account_security"))
    two_step.start_setup(user)
    db.session.commit()
    form = SetupCodeForm()
    if form.validate_on_submit():
        codes = two_step.finish_setup(user, form.code.data)
        if codes is None:
            form.code.errors.append(SETUP_CODE_WRONG)
        else:
            record("two-step-on", obj=user)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=url_for("auth.account_security"))
    return setup_page(form, user, during_sign_in=False)


def _confirm_page(form, action: str):
    """The security page again, with the password question of `action` answered with an error."""
    user = current_user._get_current_object()
    return render_template("auth/account_security.html", confirm_form=form, failed_action=action,
                           codes_left=two_step.recovery_codes_left(user) if user.has_two_step else None,
                           zone_form=_zone_form(user))


@bp.route("/account/two-step/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes():
    user = current_user._get_current_object()
    form = ConfirmPasswordForm()
    if not user.has_two_step:
        return redirect(url_for("auth.account_security"))
    if form.validate_on_submit() and _password_confirmed(form.current):
        codes = two_step.new_recovery_codes(user)
        record("recovery-codes", obj=user)
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account_security"))
    return _confirm_page(form, "codes")


@bp.route("/account/two-step/off", methods=["POST"])
@login_required
def two_step_off():
    user = current_user._get_current_object()
    form = ConfirmPasswordForm()
    if user.practice.require_two_step:
        flash("Your practice asks everyone to sign in with two steps, so it stays on. "
              "For a new phone, ask an admin to reset your second step.", "info")
        return redirect(url_for("auth.account_security"))
    if form.validate_on_submit() and _password_confirmed(form.current):
        two_step.turn_off(user)
        record("two-step-off", obj=user)
        db.session.commit()
        flash("Two-step sign-in is off. Your password alone now signs you in.", "info")
        return redirect(url_for("auth.account_security"))
    return _confirm_page(form, "off")
