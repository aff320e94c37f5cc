"""`flask prices ...`: import a season's opening prices, replay a season's scores and prices from the stored data."""
import json
from pathlib import Path

import click
from flask.cli import AppGroup
from marshmallow import ValidationError

from fantasy.errors import AppError
from fantasy.market import reads, service
from fantasy.market.schemas import OpeningPricesSchema

prices_cli = AppGroup("prices", help="The market: opening prices, season replay.")


def _call(action, *args):
    """Run a service call; domain errors become a clean CLI failure."""
    try:
        return action(*args)
    except AppError as error:
        details = f" {json.dumps(error.errors)}" if error.errors else ""
        raise click.ClickException(error.message + details) from None


@prices_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_prices(file):
    """Store a season's opening prices from FILE (the format of fantasy/market/data/2023-opening.json)."""
    try:
        data = OpeningPricesSchema().load(json.loads(file.read_text()))
    except (ValueError, ValidationError) as error:
        raise click.ClickException(f"{file} is not a price list: {getattr(error, 'messages', error)}") from None
    summary = _call(service.import_opening, data)
    click.echo(" ".join(f"{key}={value}" for key, value in summary.items()))


@prices_cli.command("replay")
@click.argument("season", type=click.IntRange(1950, 2100))
@click.option("--show-round", type=click.IntRange(1, 40), help="Print the top of this round's price list.")
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True)
def replay(season, show_round, top):
    """Score SEASON's stored rounds under f1_fantasy_2025 and store every round's prices (opening prices:
    stored, else the bundled list, else derived from the previous stored season)."""
    summary = _call(service.price_season, season)
    click.echo(" ".join(f"{key}={value}" for key, value in summary.items()))
    if show_round:
        rows = _call(reads.round_prices, season, show_round, None)[:top]
        click.echo(f"\n| # | {season} round {show_round} | kind | price | change |\n|---:|---|---|---:|---:|")
        for number, row in enumerate(rows, start=1):
            change = "" if row["change"] is None else f"{row['change']:+.1f}"
            click.echo(f"| {number} | {row['asset']['name']} | {row['asset']['kind']} | {row['price']} | {change} |")
