"""plans: a revision that every change and finalize are conditional on; delivered versions keep
their calendar file

Every plan starts at revision 1. Every version delivered before this migration gets its calendar
file stored now, built from its finalized plan the way its links built it on every request until
now (same items, practice settings, circle dates and stamp): the calendar its links served last
is the one they serve from now on, and it no longer changes. Leaving these NULL would have left
each old link a choice between a calendar still rebuilt on request (the drift this fixes) and no
calendar at all, for files clients already have in hand.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

"""
import hashlib
from datetime import time, timedelta
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa

from integration.clock import from_local, local_day
from integration.groups.rules import UPCOMING_DAYS, UPCOMING_LIMIT
from integration.plans.calendar import ics_file, legacy_calendar_events


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (a server default, no table rebuild on SQLite: plan is referenced by others).
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('plan_export', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ics', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('ics_sha256', sa.String(length=64), nullable=True))

    _store_calendars()


def downgrade():
    # ALTER TABLE ... DROP COLUMN on both databases: a batch rebuild of `plan` on SQLite would drop
    # a table that plan_item and plan_export rows still reference.
    op.drop_column('plan_export', 'ics_sha256')
    op.drop_column('plan_export', 'ics')
    op.drop_column('plan', 'revision')


# The tables as they are at this revision (the models may move on; this migration must not).
PLAN = sa.table('plan', sa.column('id', sa.Integer), sa.column('client_id', sa.Integer),
                sa.column('start_date', sa.Date), sa.column('finalized_at', sa.DateTime))
CLIENT = sa.table('client', sa.column('id', sa.Integer), sa.column('practice_id', sa.Integer))
PRACTICE = sa.table('practice', sa.column('id', sa.Integer), sa.column('timezone', sa.String),
                    sa.column('integration_window_days', sa.Integer))
ITEM = sa.table('plan_item', sa.column('id', sa.Integer), sa.column('plan_id', sa.Integer),
                sa.column('position', sa.Integer), sa.column('title', sa.String),
                sa.column('instructions', sa.Text), sa.column('schedule_kind', sa.String),
                sa.column('schedule_values', sa.JSON), sa.column('time_of_day', sa.String),
                sa.column('group_series_id', sa.Integer))
EXPORT = sa.table('plan_export', sa.column('id', sa.Integer), sa.column('plan_id', sa.Integer),
                  sa.column('created_at', sa.DateTime), sa.column('ics', sa.LargeBinary),
                  sa.column('ics_sha256', sa.String))
SERIES = sa.table('group_series', sa.column('id', sa.Integer), sa.column('practice_id', sa.Integer))
SESSION = sa.table('group_session', sa.column('id', sa.Integer), sa.column('series_id', sa.Integer),
                   sa.column('starts_at', sa.DateTime), sa.column('theme', sa.String))


def _store_calendars() -> None:
    connection = op.get_bind()
    exports = connection.execute(
        sa.select(EXPORT.c.id, EXPORT.c.created_at, PLAN.c.id.label('plan_id'), PLAN.c.start_date,
                  PLAN.c.finalized_at, PRACTICE.c.id.label('practice_id'), PRACTICE.c.timezone,
                  PRACTICE.c.integration_window_days)
        .join(PLAN, PLAN.c.id == EXPORT.c.plan_id).join(CLIENT, CLIENT.c.id == PLAN.c.client_id)
        .join(PRACTICE, PRACTICE.c.id == CLIENT.c.practice_id)
        .where(EXPORT.c.ics.is_(None)).order_by(EXPORT.c.id)).all()
    for export in exports:
        items = [SimpleNamespace(**row._mapping) for row in connection.execute(
            sa.select(ITEM).where(ITEM.c.plan_id == export.plan_id).order_by(ITEM.c.position, ITEM.c.id))]
        stamp = export.finalized_at or export.created_at
        events = legacy_calendar_events(items, plan_id=export.plan_id, start=export.start_date,
                                 window_days=export.integration_window_days, timezone=export.timezone,
                                 circles=_circle_sessions(connection, items, export, stamp))
        ics = ics_file(events, stamp)
        connection.execute(EXPORT.update().where(EXPORT.c.id == export.id)
                           .values(ics=ics, ics_sha256=hashlib.sha256(ics).hexdigest()))


def _circle_sessions(connection, items: list, export, stamp) -> dict[int, list]:
    """The next sessions of each circle the plan's items point to, as the plan's links listed them:
    from the later of its start and the day it was issued, this practice's circles only."""
    series_ids = sorted({item.group_series_id for item in items if item.group_series_id})
    if not series_ids:
        return {}
    after = from_local(max(export.start_date, local_day(stamp, export.timezone)), time.min, export.timezone)
    sessions = connection.execute(
        sa.select(SESSION).join(SERIES, SERIES.c.id == SESSION.c.series_id)
        .where(SESSION.c.series_id.in_(series_ids), SERIES.c.practice_id == export.practice_id,
               SESSION.c.starts_at >= after, SESSION.c.starts_at < after + timedelta(days=UPCOMING_DAYS))
        .order_by(SESSION.c.starts_at, SESSION.c.id)).all()
    upcoming: dict[int, list] = {}
    for session in sessions:
        bucket = upcoming.setdefault(session.series_id, [])
        if len(bucket) < UPCOMING_LIMIT:
            bucket.append(session)
    return {item.id: upcoming.get(item.group_series_id, []) for item in items if item.group_series_id}
