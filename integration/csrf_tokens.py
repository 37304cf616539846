"""CSRF tokens that name the person they were issued to, so a refused form can tell apart
"your own form, from an earlier session" and "a request that is not yours".

Flask-WTF signs a random value kept in the session; by itself a token proves only that this app
issued it to *some* session — and anyone gets one for their own session by opening the sign-in
page. So "signed by us" cannot be the test for sending a refused form again: an attacker's own
token would pass it. At sign-in the session's value is therefore made to begin with the person's
id ("<user id>.<random>"): a token we signed then also names whom it was issued to, and nobody
can mint one naming somebody else without the secret key.

WTF_CSRF_TIME_LIMIT is None (a form open all day must still save), so a token never expires
within its session. "Expired" here means: signed by us, for the person signed in now, but for an
earlier session of theirs (they signed out and in again, were signed out when idle, changed
their password) — or, when a time limit is configured, older than it.
"""
from __future__ import annotations

import secrets

from flask import current_app, g, request, session
from flask_login import current_user, user_logged_in
from itsdangerous import BadData, URLSafeTimedSerializer

SALT = "wtf-csrf-token"  # Flask-WTF's own, so the tokens it signs are the ones read here

# What Flask-WTF's CSRFError says when the token is there, signed by us, but not this session's.
NOT_THIS_SESSIONS = ("The CSRF tokens do not match.", "The CSRF token has expired.",
                     "The CSRF session token is missing.")

RESEND = "resend"  # the signed-in person's own form from an earlier session: offer to send it again
SIGNED_OUT = "signed-out"  # a signed-in person's form, nobody signed in now: show it, to copy
REFUSED = "refused"  # no token, a forged one, or another session's: refuse, show nothing


def register(app) -> None:
    user_logged_in.connect(_issue_for_person)


def _field_name() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _issue_for_person(sender, user=None, **extra) -> None:
    """At every sign-in, a new session value that begins with the person's id."""
    if user is None:
        return
    field = _field_name()
    session[field] = f"{user.id}.{secrets.token_hex(20)}"
    g.pop(field, None)  # Flask-WTF caches this request's token: the next one must use the new value


def judge(reason: str) -> str:
    """What to do with a form whose CSRF check failed for `reason` (Flask-WTF's words)."""
    if reason not in NOT_THIS_SESSIONS:
        return REFUSED  # missing, not signed by us, or from another site (the referrer check)
    owner = token_owner(sent_token())
    if owner is None:
        return REFUSED
    if not current_user.is_authenticated:
        return SIGNED_OUT
    return RESEND if owner == current_user.id else REFUSED


def sent_token() -> str | None:
    """The token the request carries, found where Flask-WTF looks for it."""
    field = _field_name()
    for key in request.form:
        if key == field or key.endswith(f"-{field}"):
            if request.form[key]:
                return request.form[key]
    for header in current_app.config.get("WTF_CSRF_HEADERS", ("X-CSRFToken", "X-CSRF-Token")):
        if request.headers.get(header):
            return request.headers[header]
    return None


def token_owner(token: str | None) -> int | None:
    """The id of the person a token was issued to, if we signed it (at any age) for a signed-in
    session; None for a forged token, another key's, or one from a session nobody had signed in to."""
    if not token:
        return None
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    try:
        value = URLSafeTimedSerializer(secret, salt=SALT).loads(token)
    except BadData:
        return None
    owner, dot, _ = value.partition(".") if isinstance(value, str) else ("", "", "")
    return int(owner) if dot and owner.isdigit() else None
