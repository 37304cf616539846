"""Error pages that say what happened in plain words and leak nothing about the system."""
from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError

from .auth.forms import LoginForm
from .extensions import db
from .http import wants_json

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("Not allowed", "Your account cannot do this."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "That page cannot be used this way."),
    413: ("That was too large", "What you sent is larger than this app accepts. Shorten it and try again."),
    429: ("Please slow down", "Too many requests in a short time. Wait a few minutes, then try again."),
    500: ("Something went wrong on our side", "Nothing you typed was lost on purpose, but please check "
          "your last change. The error has been logged."),
}

# Values never echoed back on the "form expired" page.
_NEVER_ECHO = ("csrf_token", "password", "confirm", "current")


def register(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, _error_page)
    app.register_error_handler(CSRFError, _form_expired)


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    if code == 500:
        _roll_back()
    if code == 429 and request.endpoint == "auth.login":
        form = LoginForm()
        form.password.errors = [
            "Too many sign-in attempts. For safety, sign-in is paused for a while. Try again in 15 minutes."
        ]
        return render_template("auth/login.html", form=form), 429
    title, text = MESSAGES.get(code, MESSAGES[500])
    if wants_json():
        return {"error": title, "message": text}, code
    return render_template("errors/error.html", code=code, title=title, text=text), code


def _roll_back() -> None:
    """Drop the failed request's transaction, so the error page itself can still use the database."""
    try:
        db.session.rollback()
    except Exception:  # the database itself is gone: still answer with the page
        current_app.logger.exception("Rollback after an error failed")


def _form_expired(error: CSRFError):
    """A stale or missing CSRF token: show what was typed and offer to send it again."""
    kept = [(key, value) for key, value in request.form.items(multi=True)
            if not key.startswith(_NEVER_ECHO) and value]
    if wants_json():
        return {"error": "form-expired"}, 400
    return render_template("errors/form_expired.html", kept=kept, action=request.path), 400
