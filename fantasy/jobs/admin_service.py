"""Admin job operations, the admin's view of the queues: counts, failed jobs without secrets, scheduled jobs,
requeue, dashboard sign-in."""
import logging
import re
from datetime import datetime, timezone
from functools import lru_cache

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler
from werkzeug.security import check_password_hash, generate_password_hash

from fantasy.auth.models import User
from fantasy.auth.schemas import is_login
from fantasy.common.redis import get_redis
from fantasy.errors import Conflict, NotFound
from fantasy.extensions import db
from fantasy.jobs.queues import QUEUE_NAMES, get_queue

audit = logging.getLogger("fantasy.audit")

FAILED_SHOWN = 50
EXC_CHARS = 300
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Settings whose values must never leave the server, even inside an exception message.
SECRET_SETTINGS = ("SECRET_KEY", "JWT_SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "ADMIN_PASSWORD")
# user:password@ in any URL (a driver's error may quote its connection string).
_URL_CREDENTIALS = re.compile(r"([a-z][a-z0-9+.-]*://)[^\s/@]+@", re.IGNORECASE)


def redact(text: str) -> str:
    for name in SECRET_SETTINGS:
        value = current_app.config.get(name)
        if isinstance(value, str) and len(value) >= 8:
            text = text.replace(value, "[redacted]")
    return _URL_CREDENTIALS.sub(r"\1[redacted]@", text)


def exception_summary(job: Job) -> str | None:
    """The exception's last line (type and message), redacted and short: no traceback, no arguments."""
    result = job.latest_result()
    text = (result.exc_string if result is not None else None) or ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return redact(lines[-1])[:EXC_CHARS] if lines else None


def _utc(moment):
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _queue_counts(queue) -> dict:
    return {"name": queue.name, "queued": queue.count, "started": queue.started_job_registry.count,
            "failed": queue.failed_job_registry.count, "finished": queue.finished_job_registry.count,
            "deferred": queue.deferred_job_registry.count, "scheduled": queue.scheduled_job_registry.count}


def _failed_jobs(queues) -> list[dict]:
    redis = get_redis()
    failed = []
    for queue in queues:
        ids = queue.failed_job_registry.get_job_ids(0, FAILED_SHOWN - 1, desc=True)
        for job in Job.fetch_many(ids, connection=redis):
            if job is not None:
                failed.append({"id": job.id, "queue": queue.name, "func": job.func_name,
                               "ended_at": _utc(job.ended_at), "exception": exception_summary(job)})
    failed.sort(key=lambda item: item["ended_at"] or EPOCH, reverse=True)
    return failed[:FAILED_SHOWN]


def _scheduled_jobs(queues) -> list[dict]:
    """Periodic and one-off jobs on rq-scheduler, then retries waiting out their backoff."""
    scheduled = []
    for job, next_run in Scheduler(connection=get_redis()).get_jobs(with_times=True):
        scheduled.append({"id": job.id, "queue": job.origin, "func": job.func_name, "next_run": _utc(next_run),
                          "cron": job.meta.get("cron_string"), "interval": job.meta.get("interval")})
    for queue in queues:
        registry = queue.scheduled_job_registry
        ids = registry.get_job_ids()
        for job_id, job in zip(ids, Job.fetch_many(ids, connection=get_redis())):
            if job is not None:
                scheduled.append({"id": job.id, "queue": queue.name, "func": job.func_name,
                                  "next_run": _utc(registry.get_scheduled_time(job_id)), "cron": None,
                                  "interval": None})
    return scheduled


def overview() -> dict:
    queues = [get_queue(name) for name in QUEUE_NAMES]
    return {"queues": [_queue_counts(queue) for queue in queues], "failed": _failed_jobs(queues),
            "scheduled": _scheduled_jobs(queues)}


def requeue_failed(job_id: str, actor_id: int | None) -> dict:
    """Put a failed job back on its queue; any other state is a conflict (it is waiting, running or done)."""
    try:
        job = Job.fetch(job_id, connection=get_redis())
    except (NoSuchJobError, ValueError):  # rq raises ValueError for an id no job can have
        raise NotFound(f"No job {job_id}") from None
    status = job.get_status()
    if status != JobStatus.FAILED:
        raise Conflict(f"Job {job_id} is {status.value}, not failed")
    job.requeue()
    audit.info("job_requeued job_id=%s func=%s actor_id=%s", job_id, job.func_name, actor_id)
    return {"id": job.id, "queue": job.origin, "status": job.get_status().value}


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash("timing-equaliser-not-a-password", method=method)


def is_admin_login(login: str, password: str) -> bool:
    """HTTP Basic for the dashboard: an active admin's username or email and password.

    An unknown login still costs one hash check, so response times do not reveal which logins exist.
    """
    user = db.session.scalars(User.by_login(login)).first() if is_login(login) else None
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(user.password_hash, password) and user.is_active and user.is_admin
