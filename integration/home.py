"""The front door: first run leads to setup, everyone else to sign-in or their clients."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from .auth.models import User
from .extensions import db

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    if db.session.scalar(select(User.id).limit(1)) is None:
        return redirect(url_for("auth.setup"))
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role in ("therapist", "coach") or current_user.is_clinician:
        return redirect(url_for("worklist.index"))  # a practitioner's home: what waits for them
    return redirect(url_for("clients.index"))


@bp.route("/healthz")
def health():
    """For load balancers: the app answers and the database is reachable."""
    db.session.execute(select(1))
    return {"status": "ok"}
