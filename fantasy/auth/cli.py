"""`flask users ...`: admin bootstrap from the command line."""
import click
from flask import current_app
from flask.cli import AppGroup
from marshmallow import ValidationError

from fantasy.auth import service
from fantasy.auth.schemas import RegisterSchema
from fantasy.errors import AppError

users_cli = AppGroup("users", help="Manage user accounts.")


def _create_admin(username: str, email: str, password: str, promote: bool | None = None) -> None:
    try:
        RegisterSchema().load({"username": username, "email": email, "password": password})
        user, outcome = service.ensure_admin(email, password, username, promote=promote)
    except ValidationError as error:
        raise click.ClickException(f"invalid admin account: {error.messages}") from None
    except AppError as error:
        hint = " (pass --promote to make it an admin)" if promote is False else ""
        raise click.ClickException(f"admin refused: {error.message}{hint}") from None
    click.echo(f"admin {user.username} (id {user.id}) {outcome}")


@users_cli.command("create-admin")
@click.option("--username", default="admin", show_default=True)
@click.option("--email", required=True)
@click.option("--promote", is_flag=True, help="Make the existing account with this email an admin.")
@click.password_option()
def create_admin(username, email, promote, password):
    """Create an admin account (or, with --promote, make the account with this email one)."""
    _create_admin(username, email, password, promote=promote)


@users_cli.command("bootstrap-admin")
def bootstrap_admin():
    """Create the admin from ADMIN_EMAIL/ADMIN_PASSWORD if they are set (run at release and start-up).

    An existing account with ADMIN_EMAIL is promoted only if its password is ADMIN_PASSWORD; otherwise
    this fails, so a release never hands the admin role to whoever registered that email first.
    """
    email, password = current_app.config["ADMIN_EMAIL"], current_app.config["ADMIN_PASSWORD"]
    if not email or not password:
        click.echo("ADMIN_EMAIL/ADMIN_PASSWORD not set: no admin bootstrapped")
        return
    _create_admin(current_app.config["ADMIN_USERNAME"], email, password)
