"""Error pages that say what happened in plain words and leak nothing about the system."""
from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError

from . import csrf_tokens
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

# Fields never echoed back on the "form expired" page (by name, after any form prefix).
_NEVER_ECHO = ("csrf_token", "password", "confirm", "current")
REFUSED_FORM = ("This form was not accepted",
                "Nothing was changed. The form did not carry this app's safety check for your session, "
                "which is what happens when another page tries to send it for you. If you sent it yourself, "
                "go back, reload the page and try again.")


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
    """A failed CSRF check. The signed-in person's own form from an earlier session of theirs comes
    back with what they typed and a button to send it again; signed out, they see it to copy. No
    token, a forged one, or another person's is refused plainly with nothing filled in, so that no
    page elsewhere can turn this page into a one-click form."""
    if wants_json():
        return {"error": "form-expired"}, 400
    verdict = csrf_tokens.judge(error.description)
    if verdict == csrf_tokens.REFUSED:
        title, text = REFUSED_FORM
        return render_template("errors/error.html", code=400, title=title, text=text), 400
    fields = [(key, value) for key, value in request.form.items(multi=True)
              if not key.rpartition("-")[2].startswith(_NEVER_ECHO)]
    return render_template("errors/form_expired.html", action=request.path,
                           resend=verdict == csrf_tokens.RESEND,
                           kept=[(key, value) for key, value in fields if value],
                           blank=[key for key, value in fields if not value]), 400
