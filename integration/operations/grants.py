"""PostgreSQL privileges for the app's runtime role: it may add to the audit log and read it, never
change or empty it.

Two roles, as a clinic's database should have them: the migration role owns the tables (it runs
`flask db upgrade` and this command), the app's role runs the web app. The app's role gets
SELECT, INSERT, UPDATE and DELETE on the ordinary tables, SELECT and INSERT on the audit tables,
SELECT on alembic_version, and USAGE and SELECT on the sequences. No TRUNCATE, REFERENCES or
TRIGGER anywhere, and it owns nothing (an owner can always grant itself rights back).

Grants name existing tables only, so run this again after every `flask db upgrade` (the compose
file's migrate service does). Running it twice changes nothing.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .errors import OperationsError

# Tables whose rows the app may add and read, never change or remove.
AUDIT_TABLES = ("audit_event",)
# Alembic's bookkeeping: the app reads the schema's revision (backups, checks), migrations write it.
READ_ONLY_TABLES = ("alembic_version",)
ORDINARY_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
AUDIT_RIGHTS = "SELECT, INSERT"
PASSWORD_VARIABLE = "APP_DB_PASSWORD"
# An unquoted PostgreSQL identifier: keeps role names out of quoting games and error messages sane.
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass
class GrantSummary:
    role: str
    created: bool
    ordinary: list[str]
    audit: list[str]
    read_only: list[str]


def apply_grants(connection: Connection, role: str, *, create_role: bool = False) -> GrantSummary:
    """Give `role` the app's rights on every table of the current schema (one transaction)."""
    _require_postgresql(connection)
    if not ROLE_NAME.fullmatch(role):
        raise OperationsError(f"{role!r} is not a plain role name (lower-case letters, digits, _)")
    created = _ensure_role(connection, role, create_role)
    _refuse_powerful_role(connection, role)
    schema = connection.scalar(text("SELECT current_schema()"))
    tables = _tables(connection, schema)
    _run(connection, "GRANT CONNECT ON DATABASE %I TO %I", connection.scalar(text("SELECT current_database()")), role)
    _run(connection, "GRANT USAGE ON SCHEMA %I TO %I", schema, role)
    # Start from nothing, so a right given by hand earlier (or by an older version) goes away.
    _run(connection, "REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM %I", schema, role)
    _run(connection, "REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM %I", schema, role)
    summary = GrantSummary(role, created, [], [], [])
    for table in tables:
        rights, bucket = _rights_for(table, summary)
        _run(connection, f"GRANT {rights} ON TABLE %I.%I TO %I", schema, table, role)
        bucket.append(table)
    # USAGE for nextval() when rows are inserted; SELECT for currval(). Not UPDATE (setval).
    _run(connection, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I", schema, role)
    return summary


def role_may_change_audit_log(connection: Connection) -> list[str]:
    """What the connected role may do to the audit tables beyond adding and reading (empty: nothing)."""
    found = []
    for table in AUDIT_TABLES:
        owner = connection.scalar(text("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                                       "AND tablename = :t"), {"t": table})
        if owner is None:
            continue
        if owner == connection.scalar(text("SELECT current_user")):
            found.append(f"owns {table}")
            continue
        for right in ("UPDATE", "DELETE", "TRUNCATE"):
            if connection.scalar(text("SELECT has_table_privilege(current_user, :t, :r)"), {"t": table, "r": right}):
                found.append(f"{right} on {table}")
    return found


def _rights_for(table: str, summary: GrantSummary) -> tuple[str, list[str]]:
    if table in AUDIT_TABLES:
        return AUDIT_RIGHTS, summary.audit
    if table in READ_ONLY_TABLES:
        return "SELECT", summary.read_only
    return ORDINARY_RIGHTS, summary.ordinary


def _require_postgresql(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        raise OperationsError("db-grants is for PostgreSQL; on SQLite the audit log is protected by the "
                              "triggers of migration 0009 only (the app owns the file)")


def _ensure_role(connection: Connection, role: str, create_role: bool) -> bool:
    if connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
        return False
    if not create_role:
        raise OperationsError(f"role {role} does not exist: create it, or pass --create-role "
                              f"(with its password in {PASSWORD_VARIABLE})")
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if len(password) < 16:
        raise OperationsError(f"--create-role needs {PASSWORD_VARIABLE} set to a password of 16 characters or more")
    # The password travels as a bound value and is quoted by the server's format(%L).
    _run(connection, "CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L", role, password)
    return True


def _refuse_powerful_role(connection: Connection, role: str) -> None:
    """The app's role must be none of the roles that could undo these grants."""
    if role == connection.scalar(text("SELECT current_user")):
        raise OperationsError(f"{role} is the role running this command (the tables' owner): "
                              "the app needs a role of its own")
    if connection.scalar(text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}):
        raise OperationsError(f"{role} is a superuser: no grant can hold it back")
    owned = connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                    "AND tableowner = :r ORDER BY tablename"), {"r": role}).all()
    if owned:
        raise OperationsError(f"{role} owns {', '.join(owned)}: an owner can grant itself any right back; "
                              "let the migration role own the tables")


def _tables(connection: Connection, schema: str) -> list[str]:
    return connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
                              {"s": schema}).all()


def _run(connection: Connection, template: str, *values: str) -> None:
    """Execute a statement whose identifiers (%I) and literals (%L) are quoted by the server's format()."""
    placeholders = ", ".join(f"CAST(:v{index} AS text)" for index in range(len(values)))
    statement = connection.scalar(text(f"SELECT format(CAST(:template AS text), {placeholders})"),
                                  {"template": template, **{f"v{i}": v for i, v in enumerate(values)}})
    # Escaped colons: text() would read ":word" in a quoted password as a bound parameter.
    connection.execute(text(statement.replace(":", r"\:")))
