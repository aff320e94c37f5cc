"""The three RQ queues on the app's Redis connection, the one way jobs are queued (every default here), and
which failures retry."""
import logging
from datetime import datetime

from flask import current_app
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler
from rq_scheduler.utils import to_unix

from fantasy.common.redis import get_redis
from fantasy.errors import BadRequest, Forbidden, NotFound, Unprocessable

log = logging.getLogger(__name__)

HIGH, DEFAULT, LOW = "high", "default", "low"
QUEUE_NAMES = (HIGH, DEFAULT, LOW)
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)
# Failures another run would repeat (the 4xx-class errors but 409, which a concurrent change can cause).
PERMANENT_FAILURES = (BadRequest, Forbidden, NotFound, Unprocessable)
# Failed jobs stay a week for admins to inspect and requeue; the cleanup job sweeps what outlives it.
FAILURE_TTL_SECONDS = 7 * 24 * 3600
# The setting that holds a job's retry delays (seconds, one per retry): bounded retries with growing delays
# for jobs whose work is idempotent. The F1 sync waits longer (F1_SYNC_RETRY_INTERVALS).
JOB_RETRIES = "JOB_RETRY_INTERVALS"


def get_queue(name: str = DEFAULT) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis())


def retry_policy(setting: str = JOB_RETRIES) -> Retry | None:
    """One retry per delay listed in `setting`; none when the list is empty."""
    intervals = current_app.config[setting]
    return Retry(max=len(intervals), interval=list(intervals)) if intervals else None


def ttls() -> dict:
    """How long a job's record stays once it finished (the setting) or failed (a week)."""
    return {"result_ttl": current_app.config["JOB_RESULT_TTL_SECONDS"], "failure_ttl": FAILURE_TTL_SECONDS}


def enqueue(queue_name: str, func, *args, job_id: str | None = None, retries: str | None = JOB_RETRIES,
            pipeline=None) -> Job:
    """Queue a job with the defaults every job carries: finished results kept JOB_RESULT_TTL_SECONDS, failed
    jobs a week (FAILURE_TTL_SECONDS; RQ's own default is a year), the retries of the setting `retries`
    (None: no retry). Into `pipeline` when given, which the caller executes (RQ's own enqueue takes two round
    trips, a pipeline one for all it holds)."""
    return get_queue(queue_name).enqueue(func, *args, job_id=job_id, pipeline=pipeline,
                                         retry=retry_policy(retries) if retries else None, **ttls())


def enqueue_unique(queue_name: str, func, *args, job_id: str, retries: str = JOB_RETRIES) -> Job:
    """Enqueue under a deterministic id unless that job is still waiting to run (then reuse it).

    A job already running or finished is enqueued again: the work it did may be stale by now.
    """
    try:
        existing = Job.fetch(job_id, connection=get_redis())
    except NoSuchJobError:
        existing = None
    if existing is not None and existing.get_status(refresh=False) in WAITING:
        return existing
    return enqueue(queue_name, func, *args, job_id=job_id, retries=retries)


def enqueue_at(scheduler: Scheduler, when: datetime, func, *args, job_id: str) -> Job:
    """A one-off job that rq-scheduler moves to the scheduler's queue at `when` (whole seconds, as it stores
    them), with the TTLs of `enqueue` and no retry. rq-scheduler's own enqueue_at cannot set a failure TTL,
    so the job is created here; on the scheduler's connection, which may be a pipeline."""
    job = Job.create(func, args=args, connection=scheduler.connection, id=job_id, status=JobStatus.SCHEDULED,
                     origin=scheduler.queue_name, **ttls())
    job.save()
    scheduler.connection.zadd(scheduler.scheduled_jobs_key, {job.id: to_unix(when)})
    return job


def no_retry_when_permanent(job: Job, exc_type, exc_value, traceback) -> bool:
    """Worker exception handler: a job that failed with a 4xx-class error (an upstream with no such season,
    a race that does not exist) fails at once; running it again would give the same answer. A conflict
    (409: a concurrent change won a race) and every other failure keep their retries. RQ calls this before
    it decides on a retry; returning True lets the next handler run."""
    if isinstance(exc_value, PERMANENT_FAILURES) and job.retries_left:
        log.info("job=%s outcome=failed_permanently retries_dropped=%s", job.id, job.retries_left)
        job.retries_left = 0
    return True
