"""The admins' team pages: people, their sign-in help (reset links, second steps), practice security."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..audit.log import record
from ..clock import utcnow
from ..extensions import db
from ..permissions import practice_object_or_404, requires
from . import recovery, sessions, two_step
from .blueprint import bp
from .forms import NewUserForm, PracticeSettingsForm, SecuritySettingsForm, UserForm
from .models import User


def _email_taken(email: str, exclude: User | None = None) -> bool:
    other = User.by_email(email)
    return other is not None and other is not exclude


@bp.route("/team")
@requires("practice.manage")
def team():
    users = db.session.scalars(
        select(User).where(User.practice_id == current_user.practice_id).order_by(User.active.desc(), User.name)
    ).all()
    return render_template("auth/team.html", users=users)


@bp.route("/team/new", methods=["GET", "POST"])
@requires("practice.manage")
def add_member():
    form = NewUserForm(role="therapist", profession="therapist")
    form.offer_supervisors(current_user.practice_id)
    if form.validate_on_submit():
        if _email_taken(form.email.data):
            form.email.errors.append("Someone already signs in with this email.")
        else:
            user = User(practice_id=current_user.practice_id, email=form.email.data.strip().lower(),
                        name=form.name.data.strip(), credentials=form.credentials.data.strip(), role=form.role.data,
                        **form.clinical_fields())
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.flush()
            record("create", obj=user)
            db.session.commit()
            flash(f"{user.name} can now sign in.", "success")
            return redirect(url_for("auth.team"))
    return render_template("auth/member_form.html", form=form, member=None)


@bp.route("/team/<int:user_id>/edit", methods=["GET", "POST"])
@requires("practice.manage")
def edit_member(user_id: int):
    member = practice_object_or_404(User, user_id)
    form = UserForm(obj=member)
    form.offer_supervisors(current_user.practice_id, member)
    if form.validate_on_submit():
        if _email_taken(form.email.data, exclude=member):
            form.email.errors.append("Someone already signs in with this email.")
        elif member.id == current_user.id and form.role.data != "admin":
            form.role.errors.append("You cannot remove your own admin role.")
        else:
            form.populate_obj(member)
            for name, value in form.clinical_fields().items():
                setattr(member, name, value)
            member.email = member.email.strip().lower()
            record("change", obj=member)
            db.session.commit()
            flash(f"Saved {member.name}.", "success")
            return redirect(url_for("auth.team"))
    return render_template("auth/member_form.html", form=form, member=member)


@bp.route("/team/<int:user_id>/active", methods=["POST"])
@requires("practice.manage")
def set_member_active(user_id: int):
    """Deactivate or reactivate; people are never deleted, so their notes stay attributed."""
    member = practice_object_or_404(User, user_id)
    activate = request.form.get("active") == "1"
    if member.id == current_user.id and not activate:
        flash("You cannot deactivate your own account.", "error")
        return redirect(url_for("auth.team"))
    member.active = activate
    if not activate:
        sessions.end_all(member, "deactivated")  # and reactivating opens none of them again
    record("reactivate" if activate else "deactivate", obj=member)
    db.session.commit()
    flash(f"{member.name} is {'active again' if activate else 'deactivated and can no longer sign in'}.", "success")
    return redirect(url_for("auth.team"))


@bp.route("/team/roles-notice", methods=["POST"])
@requires("practice.manage")
def dismiss_roles_notice():
    """The one-time notice about roles by minimum necessary, read and put away."""
    practice = current_user.practice
    if practice.roles_notice_dismissed_at is None:
        practice.roles_notice_dismissed_at = utcnow()
        record("change", obj=practice, detail="read the notice on roles by minimum necessary")
        db.session.commit()
    return redirect(url_for("auth.team"))


@bp.route("/team/<int:user_id>/reset-link", methods=["POST"])
@requires("practice.manage")
def make_reset_link(user_id: int):
    """A single-use link for a member who cannot sign in, shown once for the admin to hand over."""
    member = practice_object_or_404(User, user_id)
    if not member.active:
        flash(f"{member.name} is deactivated. Reactivate them first.", "error")
        return redirect(url_for("auth.edit_member", user_id=member.id))
    link, token = recovery.create_link(member, current_user._get_current_object(), how="made on the team page")
    db.session.commit()
    return render_template("auth/reset_link_created.html", member=member, link=link,
                           url=url_for("auth.reset_password", token=token, _external=True))


@bp.route("/team/<int:user_id>/two-step/reset", methods=["POST"])
@requires("practice.manage")
def reset_member_two_step(user_id: int):
    """For a member who lost their phone and their recovery codes: their second step is removed,
    their sessions end, and they set it up again (at their next sign-in, if the practice asks)."""
    member = practice_object_or_404(User, user_id)
    if member.id == current_user.id:
        flash("Your own second step is on Sign-in and security.", "info")
        return redirect(url_for("auth.account_security"))
    two_step.turn_off(member)
    sessions.end_all(member, "second step reset")
    record("two-step-reset", obj=member)
    db.session.commit()
    when = "at their next sign-in" if member.practice.require_two_step else "when they choose"
    flash(f"{member.name}'s second step is reset and their sign-ins have ended. They set it up again {when}.",
          "success")
    return redirect(url_for("auth.edit_member", user_id=member.id))


@bp.route("/settings/practice", methods=["GET", "POST"])
@requires("practice.manage")
def practice_settings():
    """The practice's time zone: plan dates and the integration window count days in it."""
    practice = current_user.practice
    form = PracticeSettingsForm(obj=practice)
    if form.validate_on_submit():
        if form.timezone.data != practice.timezone:
            record("change", obj=practice, detail=f"time zone {practice.timezone} -> {form.timezone.data}")
            practice.timezone = form.timezone.data
            db.session.commit()
        flash("Practice settings saved.", "success")
        return redirect(url_for("auth.practice_settings"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/practice_settings.html", form=form, practice=practice), status


@bp.route("/settings/security", methods=["GET", "POST"])
@requires("practice.manage")
def security_settings():
    practice = current_user.practice
    form = SecuritySettingsForm(obj=practice)
    if form.validate_on_submit():
        wanted = form.require_two_step.data
        if wanted and not current_user.has_two_step:
            form.require_two_step.errors.append(
                "Set up two-step sign-in for yourself first (Sign-in and security), then turn this on.")
        else:
            if wanted != practice.require_two_step:
                practice.require_two_step = wanted
                record("change", obj=practice,
                       detail="two-step sign-in required" if wanted else "two-step sign-in no longer required")
                db.session.commit()
            flash("Security settings saved.", "success")
            return redirect(url_for("auth.security_settings"))
    members = db.session.scalars(select(User).where(User.practice_id == practice.id, User.active)
                                 .order_by(User.name)).all()
    return render_template("auth/security_settings.html", form=form,
                           without_two_step=[m for m in members if not m.has_two_step])
