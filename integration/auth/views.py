"""Sign-in and sign-out, first-run setup, idle timeout, password change, team management."""
import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..audit.log import record
from ..clock import utcnow
from ..extensions import db, limiter, login_manager
from ..http import wants_json
from ..permissions import practice_object_or_404, requires
from .forms import ChangePasswordForm, LoginForm, NewUserForm, SetupForm, UserForm
from .models import Practice, User, verify_dummy_password

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    """Sessions carry "<id>:<session token>"; see User.session_token."""
    ident, _, token = user_id.partition(":")
    user = db.session.get(User, int(ident)) if ident.isdigit() else None
    if user is None or not user.active or user.session_token != token:
        return None  # deactivated or password changed: that session ends now
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        return {"error": "signed-out", "login": url_for("auth.login")}, 401
    flash("Please sign in to continue.", "info")
    return redirect(url_for("auth.login", next=_safe_next(request.full_path)))


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so /login?next= cannot send anyone elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target.rstrip("?")


@bp.before_app_request
def enforce_idle_timeout():
    """Sign out a session left idle for longer than SESSION_IDLE_MINUTES."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = time.time()
    last_seen = session.get("last_seen", now)
    limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    if now - last_seen > limit:
        record("sign-out", obj=current_user._get_current_object(), detail="idle timeout")
        db.session.commit()
        logout_user()
        session.clear()
        if wants_json():
            return {"error": "signed-out", "login": url_for("auth.login")}, 401
        flash("You were signed out after a time without activity. Sign in to pick up where you left off.", "info")
        back = request.full_path if request.method == "GET" else request.referrer
        return redirect(url_for("auth.login", next=_safe_next(urlsplit(back or "").path or None)))
    session.permanent = True
    session["last_seen"] = now
    return None


def _login_email_key() -> str:
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"login-email:{email}"


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LOCKOUT"], methods=["POST"],
               key_func=_login_email_key, deduct_when=_login_failed)
def login():
    if not _any_user():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("clients.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user is None:
            verify_dummy_password()
        if user is not None and user.active and user.check_password(form.password.data):
            session.clear()
            login_user(user)
            session["last_seen"] = time.time()
            record("sign-in", obj=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("clients.index"))
        g.login_failed = True
        record("sign-in-failed", detail=form.email.data[:254],
               user=user, practice_id=user.practice_id if user else None)
        db.session.commit()
        form.password.errors.append("That email and password do not match an active account.")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    record("sign-out", obj=current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def _any_user() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """First run only: create the practice and its first admin. Afterwards, 404."""
    if _any_user():
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        practice = Practice(name=form.practice_name.data.strip())
        admin = User(practice=practice, email=form.email.data.strip().lower(), name=form.name.data.strip(),
                     credentials=form.credentials.data.strip(), role="admin")
        admin.set_password(form.password.data)
        db.session.add_all([practice, admin])
        db.session.flush()
        record("create", obj=practice, user=admin, detail="first-run setup")
        db.session.commit()
        login_user(admin)
        session["last_seen"] = time.time()
        flash(f"Welcome. {practice.name} is ready. Add your team, then your first client.", "success")
        return redirect(url_for("clients.index"))
    return render_template("auth/setup.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            current_user.set_password(form.password.data)
            record("password-change", obj=current_user._get_current_object())
            db.session.commit()
            login_user(current_user._get_current_object())  # the session token changed
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for("clients.index"))
    return render_template("auth/password.html", form=form)


# --- team management (admins) ---------------------------------------------------------

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
