"""`flask users ...`: admin bootstrap from the command line."""
import click
from flask import current_app
from flask.cli import AppGroup
from marshmallow import ValidationError

from fantasy.auth import service
from fantasy.auth.schemas import RegisterSchema
from fantasy.errors import AppError

users_cli = AppGroup("users", help="Manage user accounts.")


def _create_admin(username: str, email: str, password: str) -> None:
    try:
        RegisterSchema().load({"username": username, "email": email, "password": password})
        user, created = service.ensure_admin(email, password, username)
    except ValidationError as error:
        raise click.ClickException(f"invalid admin account: {error.messages}") from None
    except AppError as error:
        raise click.ClickException(f"{error.message}: {error.errors or ''}") from None
    click.echo(f"admin {user.username} (id {user.id}) {'created' if created else 'already present'}")


@users_cli.command("create-admin")
@click.option("--username", default="admin", show_default=True)
@click.option("--email", required=True)
@click.password_option()
def create_admin(username, email, password):
    """Create an admin account, or promote the account with this email."""
    _create_admin(username, email, password)


@users_cli.command("bootstrap-admin")
def bootstrap_admin():
    """Create the admin from ADMIN_EMAIL/ADMIN_PASSWORD if they are set (run at release and start-up)."""
    email, password = current_app.config["ADMIN_EMAIL"], current_app.config["ADMIN_PASSWORD"]
    if not email or not password:
        click.echo("ADMIN_EMAIL/ADMIN_PASSWORD not set: no admin bootstrapped")
        return
    _create_admin(current_app.config["ADMIN_USERNAME"], email, password)
