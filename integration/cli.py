"""Flask commands: create-user, demo-data."""
import click
from flask import Flask

from .auth.models import ROLES, Practice, User
from .auth.passwords import password_problem
from .extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(demo_data)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--practice", "practice_name", required=True, help="Created if it does not exist.")
@click.option("--credentials", default="", help='For example "LMFT".')
def create_user(email, password, name, role, practice_name, credentials):
    """Create a user (and their practice, if new)."""
    problem = password_problem(password, hints=(email, name))
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    if User.by_email(email):
        raise click.BadParameter("a user with this email exists", param_hint="--email")
    user = User(practice=Practice.ensure(practice_name), email=email.strip().lower(), name=name,
                credentials=credentials, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {role} {user.email} in {user.practice.name}")


@click.command("demo-data")
def demo_data():
    """Load a fictional demo practice; running it again changes nothing."""
    from .demo import load_demo

    for role, email, password in load_demo():
        click.echo(f"{role} {email} {password}")
