"""Flask commands: create-user, reset-password, demo-data."""
import click
from flask import Flask, current_app, url_for

from .auth.models import ROLES, Practice, User
from .auth.passwords import password_problem
from .extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(reset_password)
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


@click.command("reset-password")
@click.option("--email", required=True, help="The person who cannot sign in (for example the last admin).")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
              help="The address people open the app at, for the printed link.")
@click.option("--reset-two-step", is_flag=True, help="Also remove their second step (a lost phone).")
def reset_password(email, base_url, reset_two_step):
    """Print a one-time link (valid one hour) that sets a new password and ends every session."""
    from .audit.log import record
    from .auth import recovery, sessions, two_step

    user = User.by_email(email)
    if user is None or not user.active:
        raise click.BadParameter("no active account has this email", param_hint="--email")
    with current_app.test_request_context(base_url=base_url):
        if reset_two_step and user.has_two_step:
            two_step.turn_off(user)
            sessions.end_all(user, "second step reset")
            record("two-step-reset", obj=user, practice_id=user.practice_id, detail="command line")
        link, token = recovery.create_link(user, None, how="made with flask reset-password")
        db.session.commit()
        url = url_for("auth.reset_password", token=token, _external=True)
    click.echo(f"A one-time link for {user.email}, valid until {link.expires_at:%Y-%m-%d %H:%M} UTC:")
    click.echo(url)
    click.echo("Opening it sets a new password and ends every session of this account.")


@click.command("demo-data")
@click.option("--scale", type=click.IntRange(min=0), default=0,
              help="Also add this many generated clients (about 40 notes each) to the demo practice.")
@click.option("--seed", type=int, default=14, help="The generator's seed: the same seed gives the same clients.")
def demo_data(scale, seed):
    """Load a fictional demo practice; running it again changes nothing (but --scale adds clients each time)."""
    from .demo import load_demo

    for role, email, password in load_demo():
        click.echo(f"{role} {email} {password}")
    if scale:
        from .demo_scale import add_generated_clients

        written = add_generated_clients(scale, seed=seed)
        click.echo("generated: " + ", ".join(f"{value:,} {name}" for name, value in written.items()))
