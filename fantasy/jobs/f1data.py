"""F1 data jobs: thin wrappers that take ids and call the f1data service."""
import logging

from fantasy.f1data import service

log = logging.getLogger(__name__)


def sync_season(season: int, round: int | None = None) -> str:
    """Sync a season (or one round) from the upstream; a failure raises so RQ retries it."""
    summary = service.sync_season(season, round)
    log.info("job=f1_sync season=%s round=%s %s", season, round, summary.line())
    return summary.line()
