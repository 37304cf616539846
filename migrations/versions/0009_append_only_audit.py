"""audit: the database itself refuses to change or remove audit rows

The ORM already refused UPDATE and DELETE of AuditEvent; this puts the rule in the database, so
a hand-typed statement, another program or a future bug cannot rewrite the trail either.

- SQLite: BEFORE UPDATE and BEFORE DELETE triggers on audit_event that abort the statement.
  (A future purge would drop and re-create them inside its own transaction: SQLite's DDL is
  transactional, and SQLite has no session settings a trigger could read.)
- PostgreSQL: one trigger function refuses UPDATE and DELETE (per row) and TRUNCATE (per
  statement), even for the tables' owner, unless the session has set
  `integration.audit_maintenance` to `on` (SET LOCAL, inside one transaction). No command sets
  it today; it is the explicit path for a future erasure that leaves tombstones. The app's own
  database role cannot use it: `flask db-grants` gives that role INSERT and SELECT only on
  audit_event, and privileges are checked before any trigger runs.

The test suite builds its schema with create_all, which makes no triggers, so it can still empty
the audit table between tests; tests/test_migrations_0009.py runs this migration with rows present.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

MESSAGE = 'audit events are append-only'

SQLITE_TRIGGERS = {
    'audit_event_no_update': 'UPDATE',
    'audit_event_no_delete': 'DELETE',
}

POSTGRES_FUNCTION = f"""
CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('integration.audit_maintenance', true), '') = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION USING MESSAGE = '{MESSAGE} (' || TG_OP || ' refused)';
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_FUNCTION)
        op.execute('CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event '
                   'FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()')
        op.execute('CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event '
                   'FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()')
        return
    for name, operation in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON audit_event "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event')
        op.execute('DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event')
        op.execute('DROP FUNCTION IF EXISTS audit_event_refuse_change()')
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f'DROP TRIGGER IF EXISTS {name}')
