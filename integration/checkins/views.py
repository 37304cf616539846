"""The check-in page of the private link (/p/<token>/check-in, no account) and the practitioner's view of a
client's check-ins (the strip of the window's days, comments, "reach out" requests taken up)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..audit.log import record
from ..auth.models import Practice
from ..clock import local_today, utcnow
from ..extensions import db, limiter
from ..permissions import child_or_404, client_scoped, may, reads, writes
from ..plans import delivery
from ..plans.models import ShareLink
from ..plans.views import _private, _share_rate
from . import link as checkin_link
from .forms import CheckInForm, CodeForm, CommentForm, measure_form
from .models import ClientCheckIn
from .record import window_strip

bp = Blueprint("checkins", __name__)


# --- the client's side ----------------------------------------------------------------------------

def _ended(token: str) -> Response:
    """A link that no longer takes check-ins says why to the one who holds it (it names no one)."""
    known = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == delivery._hash(token))) \
        if token and len(token) <= 200 else None
    if known is None:
        return _private(Response(render_template("plans/link_unavailable.html"), status=404))
    why = "stopped" if known.revoked_at is not None else "expired"
    return _private(Response(render_template("checkins/link_ended.html", why=why), status=410))


def _page(token: str, link: ShareLink, *, code_form=None, form=None, measure_forms=None, crisis_first=False,
          saved: str = "", status: int = 200) -> Response:
    landing = delivery.landing(link)
    today = checkin_link.today_for(link)
    if form is None:
        form = CheckInForm(formdata=None)
    form.practices.choices = [(title, title) for title in today.practices]
    forms = measure_forms or {}
    measures = [(d, forms.get(d.key) or measure_form(d, formdata=None, prefix=d.key)) for d in today.measures]
    body = render_template("checkins/page.html", landing=landing, today=today, token=token,
                           unlocked=checkin_link.unlocked(link), paused=checkin_link.code_paused(link),
                           code_form=code_form or CodeForm(formdata=None), form=form, measures=measures,
                           crisis_first=crisis_first, saved=saved)
    db.session.commit()
    return _private(Response(body, status=status))


@bp.route("/p/<token>/check-in")
@limiter.shared_limit(_share_rate, scope="share-link")
def page(token: str):
    link = delivery.open_link(token, "check-in page", count=False)
    if link is None:
        return _ended(token)
    return _page(token, link)


@bp.route("/p/<token>/code", methods=["POST"])
@limiter.shared_limit(_share_rate, scope="share-link")
def code(token: str):
    link = delivery.open_link(token, "check-in code", count=False)
    if link is None:
        return _ended(token)
    form = CodeForm()
    if not form.validate():
        return _page(token, link, code_form=form, status=422)
    db.session.commit()  # the link's use lands first: a wrong code is counted in its own short transaction
    outcome = checkin_link.check_code(link, form.code.data)
    if outcome == "ok":
        db.session.commit()
        return redirect(url_for("checkins.page", token=token, _anchor="check-in"), 303)
    form.code.errors = ["Too many tries. Please wait 15 minutes, or call us for help."] if outcome == "paused" \
        else ["That code does not match. Please check it and try again."]
    return _page(token, link, code_form=form, status=429 if outcome == "paused" else 422)


def _writable(token: str):
    """The live link, unlocked by its code in this browser, and today's state; or an answer to send."""
    link = delivery.open_link(token, "check-in", count=False)
    if link is None:
        return None, None, _ended(token)
    if not checkin_link.unlocked(link):
        return None, None, _page(token, link, status=403)
    today = checkin_link.today_for(link)
    return link, today, None


@bp.route("/p/<token>/check-in", methods=["POST"])
@limiter.shared_limit(_share_rate, scope="share-link")
def check_in(token: str):
    link, today, refusal = _writable(token)
    if refusal is not None:
        return refusal
    if today.state != "open":
        return _page(token, link, status=409)
    form = CheckInForm()
    form.practices.choices = [(title, title) for title in today.practices]
    if not form.validate():
        return _page(token, link, form=form, status=422)
    try:
        checkin_link.save_checkin(link, today, mood=form.mood.data, sleep=form.sleep.data,
                                  practices=form.practices.data or [],
                                  stayed_with=(form.stayed_with.data or "").strip(),
                                  reach_out=bool(form.reach_out.data), reach_when=form.reach_when.data or "")
    except IntegrityError:  # the same form sent twice at once: the other one landed
        db.session.rollback()
        link = delivery.live_link(token)
        return _page(token, link, status=409) if link is not None else _ended(token)
    return _page(token, link, saved="checkin")


@bp.route("/p/<token>/measures/<key>", methods=["POST"])
@limiter.shared_limit(_share_rate, scope="share-link")
def measure(token: str, key: str):
    link, today, refusal = _writable(token)
    if refusal is not None:
        return refusal
    definition = next((d for d in today.measures if d.key == key), None)
    if definition is None:  # not asked for, or already answered today (a replay)
        return _page(token, link, status=409)
    form = measure_form(definition, prefix=definition.key)
    if not form.validate():
        return _page(token, link, measure_forms={key: form}, status=422)
    answers = [form[f"item_{n}"].data for n in range(1, len(definition.items) + 1)]
    difficulty = form.difficulty.data or "" if definition.difficulty else ""
    _, raised = checkin_link.save_measure(link, today, definition, answers, difficulty)
    return _page(token, link, crisis_first=any(a.kind == "item9" for a in raised), saved="measure")


# --- the practitioner's side ----------------------------------------------------------------------

def _checkin_or_404(client, entry_id: int) -> ClientCheckIn:
    return child_or_404(ClientCheckIn, client, entry_id)


@bp.route("/clients/<int:client_id>/check-ins")
@client_scoped
@reads("checkins")
def index(client):
    return _index(client)


def _index(client, comment_form: CommentForm | None = None, comment_on: int | None = None, status: int = 200):
    practice = db.session.get(Practice, client.practice_id)
    entries = db.session.scalars(select(ClientCheckIn).where(ClientCheckIn.client_id == client.id)
                                 .order_by(ClientCheckIn.checked_on.desc(), ClientCheckIn.id.desc()).limit(60)).all()
    strip = window_strip(client, practice, local_today(practice.timezone))
    return render_template("checkins/index.html", client=client, entries=entries, strip=strip,
                           words=may("read", "checkins.words", client), may_write=may("write", "checkins", client),
                           comment_form=comment_form or CommentForm(formdata=None), comment_on=comment_on), status


@bp.route("/clients/<int:client_id>/check-ins/<int:entry_id>/acknowledge", methods=["POST"])
@client_scoped
@writes("checkins")
def acknowledge(client, entry_id: int):
    entry = _checkin_or_404(client, entry_id)
    done = db.session.execute(
        update(ClientCheckIn).where(ClientCheckIn.id == entry.id, ClientCheckIn.reach_out.is_(True),
                                    ClientCheckIn.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_id=current_user.id)
        .execution_options(synchronize_session=False)).rowcount
    if done:
        record("acknowledge", obj=entry, client=client, detail="reach-out request")
        flash("Marked as taken up. It leaves the worklist.", "success")
    else:
        flash("Someone already took this up.", "info")
    db.session.commit()
    return redirect(url_for("checkins.index", client_id=client.id, _anchor=f"entry-{entry.id}"), 303)


@bp.route("/clients/<int:client_id>/check-ins/<int:entry_id>/comment", methods=["POST"])
@client_scoped
@writes("checkins")
def comment(client, entry_id: int):
    entry = _checkin_or_404(client, entry_id)
    form = CommentForm()
    if not form.validate():
        return _index(client, form, entry.id, 422)
    entry.comment = form.comment.data.strip()
    entry.comment_by_id = current_user.id
    record("change", obj=entry, client=client, detail="practitioner's comment")
    db.session.commit()
    flash("Comment saved beside the client's check-in.", "success")
    return redirect(url_for("checkins.index", client_id=client.id, _anchor=f"entry-{entry.id}"), 303)
