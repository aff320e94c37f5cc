"""F1 data jobs: thin wrappers that take ids and call the f1data service, and the queuing of a sync."""
import logging

from fantasy.common.clock import utcnow
from fantasy.common.redis import redis_lock
from fantasy.errors import NotFound
from fantasy.f1data import polling, service
from fantasy.f1data.events import sync_requested
from fantasy.jobs.queues import DEFAULT, enqueue_unique

log = logging.getLogger(__name__)
# Outlives the poll job's 10-minute timeout, so it never expires under a running tick; a killed one frees it later.
POLL_LOCK_SECONDS = 15 * 60


def sync_season(season: int, round: int | None = None) -> str:
    """Sync a season (or one round) from the upstream; a failure raises so RQ retries it."""
    summary = service.sync_season(season, round)
    log.info("job=f1_sync season=%s round=%s %s", season, round, summary.line())
    return summary.line()


def enqueue_sync(year: int, round: int | None = None) -> dict:
    """The `sync_requested` receiver: queue the sync under a deterministic id, reusing one still waiting."""
    job_id = f"f1-sync-{year}" + (f"-round-{round}" if round else "")
    queued = enqueue_unique(DEFAULT, sync_season, year, round, job_id=job_id, retries="F1_SYNC_RETRY_INTERVALS")
    return {"job_id": queued.id, "status": queued.get_status(refresh=False).value}


def subscribe() -> None:
    sync_requested.connect(enqueue_sync)


def sync_current_season() -> str:
    """The daily calendar sync: this year's season, which the upstream lists only once it is announced."""
    season = utcnow().year
    try:
        return sync_season(season)
    except NotFound:
        log.warning("job=f1_calendar_sync season=%s outcome=not_published_yet", season)
        return "not published yet"


def results_poll_tick() -> str:
    """One results poll; a tick that finds the previous one still running skips rather than overlaps."""
    with redis_lock("lock:results-poll-tick", timeout=POLL_LOCK_SECONDS, wait=0) as acquired:
        if not acquired:
            log.info("job=results_poll outcome=skipped reason=previous_tick_running")
            return "skipped"
        summary = polling.poll_results()
    log.info("job=results_poll %s", summary.line())
    return summary.line()
