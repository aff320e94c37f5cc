"""Periodic jobs as data, and the reconcile step that makes rq-scheduler hold exactly these, at start-up and
every minute after (§10)."""
import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from crontab import CronTab
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq_scheduler import Scheduler

from fantasy.jobs.queues import DEFAULT, HIGH, LOW, QUEUE_NAMES

log = logging.getLogger(__name__)

# Reconcile owns every scheduled id with this prefix and nothing else (pick-clock expiries stay untouched).
PREFIX = "periodic-"
SIGNATURE = "periodic_signature"
MINUTE, HOUR, DAY = 60, 3600, 24 * 3600


@dataclass(frozen=True)
class PeriodicJob:
    """One periodic job: exactly one of `cron` (UTC) or `interval` (seconds, first run at start-up)."""

    name: str
    func: str
    queue: str
    timeout: int
    result_ttl: int
    cron: str | None = None
    interval: int | None = None

    def __post_init__(self):
        if (self.cron is None) == (self.interval is None):
            raise ValueError(f"{self.name}: give exactly one of cron or interval")
        if self.queue not in QUEUE_NAMES:
            raise ValueError(f"{self.name}: unknown queue {self.queue!r}")
        # A finished run's record expires after result_ttl; rq-scheduler drops a job whose record is gone,
        # so the record must outlive the gap to the next run.
        if self.result_ttl <= self.period():
            raise ValueError(f"{self.name}: result_ttl must exceed the period ({self.period()} s)")

    @property
    def id(self) -> str:
        return PREFIX + self.name

    def period(self) -> int:
        """Seconds between runs; for cron, the longest gap between its next eight runs."""
        if self.interval is not None:
            return self.interval
        cron, moment = CronTab(self.cron), datetime(2026, 1, 5, tzinfo=timezone.utc)
        runs = []
        for _ in range(9):
            moment += timedelta(seconds=cron.next(now=moment, default_utc=True))
            runs.append(moment)
        return int(max((later - earlier).total_seconds() for earlier, later in zip(runs, runs[1:])))

    def signature(self) -> str:
        """What reconcile compares: any change of the definition replaces the scheduled job."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]

    def schedule(self, scheduler: Scheduler, now: datetime) -> Job:
        common = {"queue_name": self.queue, "timeout": self.timeout, "result_ttl": self.result_ttl,
                  "id": self.id, "description": f"periodic {self.name}", "meta": {SIGNATURE: self.signature()}}
        if self.cron is not None:
            return scheduler.cron(self.cron, self.func, **common)
        return scheduler.schedule(now, self.func, interval=self.interval, **common)


PERIODIC_JOBS = (
    # The season's calendar, entries and any results published meanwhile: 8 requests a day.
    PeriodicJob("calendar-sync", "fantasy.jobs.f1data.sync_current_season", DEFAULT, cron="17 5 * * *",
                timeout=15 * MINUTE, result_ttl=2 * DAY),
    # Cheap when nothing is due (one query); the tick decides per session how often to ask upstream.
    PeriodicJob("results-poll", "fantasy.jobs.f1data.results_poll_tick", DEFAULT, interval=3 * MINUTE,
                timeout=10 * MINUTE, result_ttl=HOUR),
    PeriodicJob("draft-tick", "fantasy.jobs.drafts.draft_tick", HIGH, interval=MINUTE,
                timeout=5 * MINUTE, result_ttl=10 * MINUTE),
    PeriodicJob("cleanup", "fantasy.jobs.cleanup.cleanup", LOW, cron="43 4 * * *",
                timeout=30 * MINUTE, result_ttl=2 * DAY),
    # The notifications' outbox: race-wide deliveries that were never queued (one indexed query when none).
    PeriodicJob("notification-outbox", "fantasy.jobs.notifications.redeliver_pending", LOW, interval=MINUTE,
                timeout=5 * MINUTE, result_ttl=10 * MINUTE),
)


class PeriodicScheduler(Scheduler):
    """rq-scheduler that reconciles the periodic jobs at start-up and again every `reconcile_seconds`, so a
    Redis that lost its data (restarted without persistence, a failover, a flush) gets them back on its own
    instead of leaving every periodic job unscheduled until someone restarts this process."""

    def __init__(self, *args, reconcile_seconds: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.reconcile_seconds = reconcile_seconds
        self._next_reconcile: float | None = None

    def enqueue_jobs(self):
        # rq-scheduler calls this only while it holds its lock, so two schedulers never reconcile at once.
        now = time.monotonic()
        if self._next_reconcile is None or now >= self._next_reconcile:
            reconcile(self, startup=self._next_reconcile is None)
            self._next_reconcile = now + self.reconcile_seconds
        return super().enqueue_jobs()


def reconcile(scheduler: Scheduler, definitions=PERIODIC_JOBS, now: datetime | None = None, *,
              startup: bool = True) -> dict[str, list[str]]:
    """Make the scheduler's periodic jobs equal `definitions`: create new, keep unchanged (and their next
    run), replace changed, remove ours no longer defined. Ids without our prefix are never touched.

    At start-up the outcome is logged as INFO; later runs are silent unless they had to change something,
    which only a Redis that lost (or someone who edited) the schedule explains: a WARNING then."""
    now = now or datetime.now(timezone.utc)
    wanted = {definition.id: definition for definition in definitions}
    outcome = {"created": [], "unchanged": [], "replaced": [], "removed": []}
    for job_id in sorted(owned_ids(scheduler)):
        job = _fetch(scheduler, job_id)
        definition = wanted.get(job_id)
        if definition is not None and job is not None and job.meta.get(SIGNATURE) == definition.signature():
            outcome["unchanged"].append(job_id)
            continue
        _drop(scheduler, job_id, job)
        outcome["replaced" if definition is not None else "removed"].append(job_id)
    for job_id, definition in wanted.items():
        if job_id not in outcome["unchanged"]:
            definition.schedule(scheduler, now)
            if job_id not in outcome["replaced"]:
                outcome["created"].append(job_id)
    counts = " ".join(f"{key}={len(ids)}" for key, ids in outcome.items())
    if startup:
        log.info("periodic_reconcile %s", counts)
    elif outcome["created"] or outcome["replaced"] or outcome["removed"]:
        log.warning("periodic_jobs_recreated %s reason=the_schedule_in_redis_was_lost_or_changed", counts)
    return outcome


def owned_ids(scheduler: Scheduler) -> list[str]:
    ids = (raw.decode() for raw in scheduler.connection.zrange(scheduler.scheduled_jobs_key, 0, -1))
    return [job_id for job_id in ids if job_id.startswith(PREFIX)]


def _fetch(scheduler: Scheduler, job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=scheduler.connection)
    except NoSuchJobError:
        return None


def _drop(scheduler: Scheduler, job_id: str, job: Job | None) -> None:
    scheduler.cancel(job_id)
    if job is not None:
        job.delete()
