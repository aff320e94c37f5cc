"""`flask f1 ...`: sync a season from Jolpica, record a snapshot of it, load a snapshot offline, bootstrap."""
from pathlib import Path

import click
from flask.cli import AppGroup

from fantasy.errors import AppError
from fantasy.f1data import offline, service

f1_cli = AppGroup("f1", help="Real F1 data: sync, snapshot, load, bootstrap.")


def _call(action, *args):
    """Run a service call; domain errors become a clean CLI failure."""
    try:
        return action(*args)
    except AppError as error:
        raise click.ClickException(error.message) from None


def _run(label: str, steps: int, action):
    """Run a service call under a progress bar."""
    with click.progressbar(length=steps, label=label) as bar:
        return _call(action, lambda step: bar.update(1))


@f1_cli.command("sync")
@click.argument("season", type=click.IntRange(1950, 2100))
@click.option("--round", "round_", type=click.IntRange(1, 40), help="Only this round's classifications.")
def sync(season, round_):
    """Fetch SEASON (or one round) from the upstream and store it."""
    steps = service.SYNC_STEPS if round_ is None else len(service.RESULT_ENDPOINTS) + 1
    summary = _run(f"sync {season}", steps,
                   lambda tick: service.sync_season(season, round_, progress=tick))
    click.echo(summary.line())


@f1_cli.command("snapshot")
@click.argument("season", type=click.IntRange(1950, 2100))
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def snapshot(season, directory):
    """Write every upstream page of SEASON under DIRECTORY for offline loading."""
    requests_made = _run(f"snapshot {season}", service.SYNC_STEPS - 1,
                         lambda tick: service.snapshot_season(season, directory, progress=tick))
    click.echo(f"requests={requests_made} directory={directory}")


@f1_cli.command("load")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
                default=offline.BUNDLED)
def load(directory):
    """Load a snapshot DIRECTORY (default: the bundled one) offline through the normal ingest."""
    click.echo(_call(service.load_snapshot, directory).line())


@f1_cli.command("bootstrap")
@click.option("--season", type=click.IntRange(1950, 2100), help="The season to try live (default: this year's).")
def bootstrap(season):
    """Store F1 data once: the season from the upstream if it answers quickly, else the bundled snapshot."""
    source, summary = _call(service.bootstrap, season)
    click.echo(f"source={source} " + (summary.line() if summary else "(F1 data already stored: nothing fetched)"))
