"""Sign-in (password, then the second step), sign-out, first-run setup, session limits, reset links.

The signed-in person's own pages are in account_views.py and the admins' team pages in
team_views.py; all are routes of this one blueprint (blueprint.py).
"""
import time
from functools import wraps
from urllib.parse import urlsplit

from flask import (Response, abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, login_required
from sqlalchemy import select

from ..audit.log import record
from ..extensions import db, limiter, login_manager
from ..http import wants_json
from . import recovery, sessions, throttle, two_step
from .blueprint import SETUP_CODE_WRONG, bp, setup_page
from .forms import CodeForm, LoginForm, NewPasswordForm, SetupCodeForm, SetupForm
from .models import Practice, User


# Per network address, over every step of signing in (password, second step, reset links).
sign_in_rate = limiter.shared_limit(lambda: current_app.config["LOGIN_RATE_PER_ADDRESS"], scope="sign-in",
                                    methods=["POST"])
# Between the password and the second step: who, since when, where to go after.
PENDING = "pending_sign_in"
PENDING_MINUTES = 10


@login_manager.user_loader
def load_user(cookie_value: str):
    return sessions.load(cookie_value)


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
def enforce_session_limits():
    """End a session left idle longer than SESSION_IDLE_MINUTES or older than SESSION_MAX_HOURS."""
    if request.endpoint == "static":
        return None
    if not current_user.is_authenticated:
        expired = g.pop("expired_sign_in", None)  # left by sessions.load
        if expired is None:
            return None
        record("sign-out", obj=expired.user, user=expired.user, detail="time limit")
        sessions.end(expired, "time limit")
        db.session.commit()
        session.clear()
        hours = current_app.config["SESSION_MAX_HOURS"]
        return _signed_out(f"For safety, a sign-in lasts at most {hours} hours. "
                           "Sign in again to pick up where you left off.")
    now = time.time()
    last_seen = session.get("last_seen", now)
    if now - last_seen > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        record("sign-out", obj=current_user._get_current_object(), detail="idle timeout")
        sessions.end_this_one("idle")
        db.session.commit()
        return _signed_out("You were signed out after a time without activity. "
                           "Sign in to pick up where you left off.")
    session.permanent = True
    session["last_seen"] = now
    return None


def _signed_out(message: str):
    if wants_json():
        return {"error": "signed-out", "login": url_for("auth.login")}, 401
    flash(message, "info")
    back = request.full_path if request.method == "GET" else request.referrer
    return redirect(url_for("auth.login", next=_safe_next(urlsplit(back or "").path or None)))


# --- signing in -----------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@sign_in_rate
def login():
    form = LoginForm()  # reads a form post or a JSON body; the lockout reads what the form read
    if not _any_user():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("clients.index"))
    if form.validate_on_submit():
        email = form.email.data
        if minutes := throttle.minutes_paused(email):
            return _paused(form, email, minutes)
        user, password_ok = User.check_credentials(email, form.password.data)
        if not password_ok:
            throttle.count_failure(email)
            record("sign-in-failed", detail=email[:254], user=user, practice_id=user.practice_id if user else None)
            db.session.commit()
            form.password.errors.append("That email and password do not match an active account.")
        elif user.has_two_step or user.practice.require_two_step:
            session.clear()
            session[PENDING] = {"user": user.id, "at": time.time(), "password_generation": user.session_token,
                                "next": _safe_next(request.args.get("next")),
                                "shared_computer": bool(form.shared_computer.data)}
            return redirect(url_for("auth.second_step" if user.has_two_step else "auth.two_step_at_sign_in"))
        else:
            _sign_in(user, shared_computer=bool(form.shared_computer.data))
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("clients.index"))
    return render_template("auth/login.html", form=form)


def _paused(form: LoginForm, email: str, minutes: int):
    """The same answer for every email, known or not: sign-in for it is paused for a while."""
    user = User.by_email(email)  # only to file the audit row with the account's practice
    record("sign-in-paused", detail=email[:254], user=user, practice_id=user.practice_id if user else None)
    db.session.commit()
    form.password.errors = ["Too many sign-in attempts. For safety, sign-in is paused for a while. "
                            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."]
    return render_template("auth/login.html", form=form), 429


def _sign_in(user: User, detail: str = "", *, shared_computer: bool | None = None) -> None:
    """Both steps passed: start this browser's session (the caller commits).

    On a shared computer (ticked at sign-in) the note editor keeps no copy of unsaved text."""
    if shared_computer is None:
        shared_computer = bool((session.get(PENDING) or {}).get("shared_computer"))
    throttle.clear_failures(user.email)
    throttle.prune()
    sessions.prune(user)
    sessions.start(user)
    session["shared_computer"] = shared_computer
    record("sign-in", obj=user, detail=detail)


def _pending_user() -> User | None:
    """The person between the password and the second step, while that lasts."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_MINUTES * 60:
        return None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or user.session_token != pending.get("password_generation"):
        return None
    return user


def _after_second_step() -> str:
    return (session.get(PENDING) or {}).get("next") or url_for("clients.index")


def _between_steps(view):
    """Decorate the pages between the password and the second step: the view receives `user=`."""

    @wraps(view)
    def wrapper():
        user = _pending_user()
        if user is None:
            session.pop(PENDING, None)
            flash("Please sign in again: the first step was more than a few minutes ago.", "info")
            return redirect(url_for("auth.login"))
        return view(user=user)

    return wrapper


def _try_code(user: User, form, check, what: str, message: str):
    """A code typed between the steps: (the paused page or None, what `check` found or None).

    A wrong code counts toward the same lockout as a wrong password and is explained at the field.
    """
    if minutes := throttle.minutes_paused(user.email):
        session.pop(PENDING, None)
        return _paused(LoginForm(email=user.email, formdata=None), user.email, minutes), None
    found = check(user, form.code.data)
    if found is None:
        throttle.count_failure(user.email)
        record("sign-in-failed", obj=user, user=user, detail=what)
        db.session.commit()
        form.code.errors.append(message)
    return None, found


@bp.route("/login/two-step", methods=["GET", "POST"])
@sign_in_rate
@_between_steps
def second_step(user: User):
    if not user.has_two_step:
        return redirect(url_for("auth.two_step_at_sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        paused, how = _try_code(user, form, two_step.check_second_step, "second step",
                                "That code did not work. Codes change every 30 seconds: type the newest one.")
        if paused or how is None:
            return paused or render_template("auth/second_step.html", form=form)
        target = _after_second_step()
        _sign_in(user, detail=f"with {how}")
        if how == "recovery code":
            flash(f"You used a recovery code; {two_step.recovery_codes_left(user)} left. Make new ones on "
                  "Sign-in and security if you are running low.", "info")
        db.session.commit()
        return redirect(target)
    return render_template("auth/second_step.html", form=form)


@bp.route("/login/two-step/setup", methods=["GET", "POST"])
@sign_in_rate
@_between_steps
def two_step_at_sign_in(user: User):
    """The practice asks for two steps and this person has none yet: they set it up now."""
    if user.has_two_step:
        return redirect(url_for("auth.second_step"))
    two_step.start_setup(user)
    db.session.commit()
    form = SetupCodeForm()
    if form.validate_on_submit():
        paused, codes = _try_code(user, form, two_step.finish_setup, "two-step setup", SETUP_CODE_WRONG)
        if paused:
            return paused
        if codes is not None:
            target = _after_second_step()
            record("two-step-on", obj=user, user=user)
            _sign_in(user, detail="with authenticator app, just set up")
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, next_url=target)
    return setup_page(form, user, during_sign_in=True)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    record("sign-out", obj=current_user._get_current_object())
    sessions.end_this_one("signed out")
    db.session.commit()
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
        practice = Practice(name=form.practice_name.data.strip(), timezone=form.timezone.data)
        admin = User(practice=practice, email=form.email.data.strip().lower(), name=form.name.data.strip(),
                     credentials=form.credentials.data.strip(), role="admin")
        admin.set_password(form.password.data)
        db.session.add_all([practice, admin])
        db.session.flush()
        record("create", obj=practice, user=admin, detail="first-run setup")
        sessions.start(admin)
        db.session.commit()
        flash(f"Welcome. {practice.name} is ready. Add your team, then your first client.", "success")
        return redirect(url_for("clients.index"))
    return render_template("auth/setup.html", form=form)


# --- a reset link, used -----------------------------------------------------------------------

def _no_referrer(response) -> Response:
    response = current_app.make_response(response)
    response.headers["Referrer-Policy"] = "no-referrer"  # the link's token must not travel on
    return response


@bp.route("/reset/<token>", methods=["GET", "POST"])
@sign_in_rate
def reset_password(token: str):
    link = recovery.live_link(token)
    if link is None:
        return _no_referrer((render_template("auth/reset_unavailable.html"), 404))
    user = link.user
    form = NewPasswordForm()
    form.password_hints = (user.email, user.name)
    if form.validate_on_submit():
        recovery.use_link(link, form.password.data)
        db.session.commit()
        flash("Your new password is set, and every earlier sign-in has ended. Sign in with it now.", "success")
        return redirect(url_for("auth.login"))
    return _no_referrer(render_template("auth/reset_password.html", form=form, member=user))


from . import account_views, team_views  # noqa: E402,F401  (their routes join this blueprint)
