"""The three RQ queues on the app's Redis connection, de-duplicated enqueueing, and which failures retry."""
import logging

from flask import current_app
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from fantasy.common.redis import get_redis
from fantasy.errors import BadRequest, Forbidden, NotFound, Unprocessable

log = logging.getLogger(__name__)

HIGH, DEFAULT, LOW = "high", "default", "low"
QUEUE_NAMES = (HIGH, DEFAULT, LOW)
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)
# Bounded retries with growing delays (seconds) for jobs whose work is idempotent.
RETRY = Retry(max=3, interval=[10, 60, 300])
# Failures another run would repeat (the 4xx-class errors but 409, which a concurrent change can cause).
PERMANENT_FAILURES = (BadRequest, Forbidden, NotFound, Unprocessable)
# Failed jobs stay a week for admins to inspect and requeue; the cleanup job sweeps what outlives it.
FAILURE_TTL_SECONDS = 7 * 24 * 3600


def get_queue(name: str = DEFAULT) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis())


def enqueue_unique(queue_name: str, func, *args, job_id: str, retry: Retry = RETRY) -> Job:
    """Enqueue under a deterministic id unless that job is still waiting to run (then reuse it).

    A job already running or finished is enqueued again: the work it did may be stale by now.
    """
    queue = get_queue(queue_name)
    try:
        existing = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        existing = None
    if existing is not None and existing.get_status(refresh=False) in WAITING:
        return existing
    return queue.enqueue(
        func, *args, job_id=job_id, retry=retry,
        result_ttl=current_app.config["JOB_RESULT_TTL_SECONDS"], failure_ttl=FAILURE_TTL_SECONDS,
    )


def no_retry_when_permanent(job: Job, exc_type, exc_value, traceback) -> bool:
    """Worker exception handler: a job that failed with a 4xx-class error (an upstream with no such season,
    a race that does not exist) fails at once; running it again would give the same answer. A conflict
    (409: a concurrent change won a race) and every other failure keep their retries. RQ calls this before
    it decides on a retry; returning True lets the next handler run."""
    if isinstance(exc_value, PERMANENT_FAILURES) and job.retries_left:
        log.info("job=%s outcome=failed_permanently retries_dropped=%s", job.id, job.retries_left)
        job.retries_left = 0
    return True
