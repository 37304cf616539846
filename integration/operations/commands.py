"""Flask commands for the people who run the app: db-grants, backup, backup-key, restore, check-deploy,
optimize-search.

Each prints what it did in a few lines; a refusal is one line on stderr and a non-zero exit.
"""
import os
from functools import wraps

import click
from flask import Flask, current_app
from sqlalchemy.exc import DBAPIError

from .errors import OperationsError


def register(app: Flask) -> None:
    for command in (db_grants, backup, backup_key, restore, check_deploy, optimize_search):
        app.cli.add_command(command)


def one_line_errors(command):
    """Turn a refusal into one line on stderr and exit status 1, without a traceback.

    A database error is shown by the database's own first line only: SQLAlchemy's message would
    repeat the statement, and CREATE ROLE's statement holds a password.
    """
    @wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except OperationsError as problem:
            message = str(problem)
        except DBAPIError as error:
            message = "the database refused: " + (str(error.orig).strip().splitlines() or ["no message"])[0]
        click.echo(f"Error: {message}", err=True)
        raise SystemExit(1)
    return run


@click.command("db-grants")
@click.option("--app-role", required=True, help="The role the web app connects as (not the tables' owner).")
@click.option("--create-role", is_flag=True, help="Create the role if it is missing; password from APP_DB_PASSWORD.")
@one_line_errors
def db_grants(app_role, create_role):
    """PostgreSQL: give the app's role its rights; on the audit log only INSERT and SELECT."""
    from ..extensions import db
    from .grants import apply_grants

    with db.engine.begin() as connection:
        summary = apply_grants(connection, app_role, create_role=create_role)
    if summary.created:
        click.echo(f"created role {summary.role}")
    click.echo(f"{summary.role}: SELECT, INSERT, UPDATE, DELETE on {len(summary.ordinary)} tables; "
               f"SELECT, INSERT only on {', '.join(summary.audit) or 'no audit table'}; "
               f"SELECT only on {', '.join(summary.read_only) or 'nothing else'}; sequences: USAGE, SELECT")
    click.echo("Run this again after every `flask db upgrade`.")


@click.command("backup")
@click.option("--output", default=".", show_default=True, type=click.Path(),
              help="A directory (the archive is named by the time) or the archive's file name.")
@one_line_errors
def backup(output):
    """Write an encrypted archive of the database (with every stored PDF) and its manifest."""
    from .backup import make_backup

    result = make_backup(current_app, output)
    manifest = result.manifest
    click.echo(f"wrote {result.path} ({result.path.stat().st_size} bytes, encrypted with the key from "
               f"{result.key_source})")
    click.echo(f"{manifest['database']} at revision {manifest['schema_revision']}: "
               f"{sum(manifest['row_counts'].values())} rows in {len(manifest['row_counts'])} tables, "
               f"{len(manifest['stored_files'])} stored files")
    if "made now" in result.key_source:
        click.echo("A new backup key was made. Copy it somewhere safe, away from this machine and its backups: "
                   "without it no archive can be restored.")


@click.command("backup-key")
def backup_key():
    """Print a new random backup key (for BACKUP_KEY); nothing is stored."""
    from .archive import new_key_text

    click.echo(new_key_text())


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@one_line_errors
def restore(archive):
    """Restore an archive into an EMPTY database, after checking the whole archive first."""
    from .restore import restore as restore_archive

    result = restore_archive(current_app, archive)
    click.echo(f"restored {result.rows} rows in {result.tables} tables and {result.stored_files} stored files, "
               f"all matching the manifest of {result.manifest['created_at']}")
    if result.manifest["database"] == "postgresql":
        click.echo("Now run `flask db-grants --app-role <the app's role>`: grants are not restored.")
    click.echo("Then run `flask db upgrade` if this version of the app is newer than the archive.")


@click.command("check-deploy")
@click.option("--workers", type=int, default=lambda: int(os.environ.get("WEB_CONCURRENCY") or 2),
              show_default="WEB_CONCURRENCY or 2, as gunicorn.conf.py", help="How many gunicorn workers will serve.")
@click.option("--behind-proxy/--no-proxy", default=True, show_default=True,
              help="Whether a reverse proxy (which ends TLS) stands in front of gunicorn.")
def check_deploy(workers, behind_proxy):
    """Refuse an unsafe production configuration: one line per problem, exit status 1."""
    from ..extensions import db
    from .backup import migration_head
    from .deploy_check import Settings, configuration_problems, database_problems

    settings = Settings(current_app.config, os.environ, workers=workers, behind_proxy=behind_proxy)
    problems = configuration_problems(settings) + database_problems(db.engine, migration_head(current_app))
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("check-deploy: the configuration is fit for production")


@click.command("optimize-search")
@one_line_errors
def optimize_search():
    """SQLite: merge the search index into one piece (nightly, like the backup). Safe while the app runs."""
    from ..extensions import db
    from ..search.index import merge_segments

    merged = merge_segments(db.engine)
    if not merged:
        click.echo("PostgreSQL keeps its search index itself (autovacuum): nothing to do.")
    for table, (before, after) in merged.items():
        click.echo(f"{table}: {before} segments -> {after}")
