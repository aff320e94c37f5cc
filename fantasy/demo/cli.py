"""`flask demo seed`: the demo users and replay league, with their credentials printed."""
import click
from flask import current_app
from flask.cli import AppGroup

from fantasy.demo import service
from fantasy.errors import AppError

demo_cli = AppGroup("demo", help="Demo data for the default run.")


@demo_cli.command("seed")
def seed():
    """Create demo users and a replay league (once), and print how to sign in."""
    try:
        result = service.seed(current_app.instance_path)
    except AppError as error:
        raise click.ClickException(error.message) from None
    state = "created" if result["created"] else "already present"
    played = result.get("rounds_played") or []
    rounds = f"rounds {played[0]}-{played[-1]} played" if played else "no round played yet"
    click.echo(f"demo league {result.get('league_id')} (season {result.get('season')}, {rounds}) {state}; "
               f"salary-cap demo league {result.get('salary_cap_league_id')}; sign in with:")
    for user in result.get("users", []):
        click.echo(f"  {user['username']} / {user['password']}")
