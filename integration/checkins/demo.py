"""Demo data for check-ins: the clients in an open window sent check-ins through their private link
(fictional, idempotent). The first such client also asks to be reached; the last stays quiet, so the
worklist shows both."""
from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from ..auth.models import User
from ..clients.models import Client
from ..clock import from_local, local_today, utcnow
from ..extensions import db
from ..plans.delivery import create_share_link
from ..plans.models import Plan, PlanExport
from .link import _todays_practices, issue_code
from .models import ClientCheckIn

LINES = ["The light on the water this morning.", "I cried a bit and then felt lighter.", "",
         "My sister called. I told her some of it.", "Slept long. Quiet day."]
MOODS = [5, 6, 4, 7, 6]


def load_demo(practice, users: dict[str, User], clients: list[Client]) -> None:
    today = local_today(practice.timezone)
    window = practice.integration_window_days
    in_window = []
    for client in clients:
        plan = db.session.scalar(select(Plan).where(Plan.client_id == client.id, Plan.status == "finalized")
                                 .order_by(Plan.id.desc()).limit(1))
        if plan is not None and plan.start_date <= today <= plan.start_date + timedelta(days=window):
            in_window.append((client, plan))
    for index, (client, plan) in enumerate(in_window):
        if db.session.scalar(select(ClientCheckIn.id).where(ClientCheckIn.client_id == client.id).limit(1)):
            continue
        if index == len(in_window) - 1 and len(in_window) > 1:
            continue  # quiet: the worklist asks after them once two days pass
        export = db.session.scalar(select(PlanExport).where(PlanExport.plan_id == plan.id).limit(1))
        author = plan.finalized_by or users.get("admin")
        link, _ = create_share_link(export, author)
        issue_code(link)  # the demo's code is not shown anywhere: a new link makes a new one
        day = plan.start_date
        n = 0
        while day <= today:
            practices = _todays_practices(plan.items, plan.start_date, day)[: 1 + n % 2]
            db.session.add(ClientCheckIn(client_id=client.id, share_link_id=link.id, checked_on=day,
                                         mood=MOODS[(index + n) % len(MOODS)], sleep=("well", "so_so")[n % 2],
                                         practices=practices, stayed_with=LINES[(index + n) % len(LINES)],
                                         reach_out=index == 0 and day == today,
                                         reach_when="soon" if index == 0 and day == today else "",
                                         created_at=_sent_at(day, practice.timezone)))
            day += timedelta(days=1)
            n += 1
    db.session.commit()


def _sent_at(day, tz_name: str):
    """The evening of the day checked in for, in the practice's zone; today's not after now."""
    return min(from_local(day, time(20, 30), tz_name), utcnow())
