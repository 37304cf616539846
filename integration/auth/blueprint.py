"""The one blueprint of the auth pages, and what its view modules share.

Its routes are in views.py (signing in and out), account_views.py (the signed-in person's own pages)
and team_views.py (the admins' team pages). Each takes the blueprint from here, so none imports
another's routes to reach it; views.py imports the other two so that registering it registers all.
"""
from flask import Blueprint, render_template

from . import two_step
from .models import User

bp = Blueprint("auth", __name__)

SETUP_CODE_WRONG = "That code did not match. Check the app shows integration, then type its newest code."


def setup_page(form, user: User, *, during_sign_in: bool):
    """The page with the QR code and the key, for setting up two-step sign-in (at sign-in, or later
    from the account page)."""
    return render_template("auth/two_step_setup.html", form=form, user=user, during_sign_in=during_sign_in,
                           qr_code=two_step.qr_code(user), secret=two_step.grouped_secret(user))
