"""The daily cleanup: job records past their TTLs, stale registries, and the steps other domains add."""
import logging
from datetime import datetime, timedelta

from rq.job import Job
from rq.registry import clean_registries
from rq.worker_registration import clean_worker_registry
from rq_scheduler import Scheduler
from werkzeug.utils import import_string

from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.jobs.queues import QUEUE_NAMES, get_queue, ttls

log = logging.getLogger(__name__)

# Every cleanup step, by dotted path: a callable taking `now` and returning how many things it removed.
# Another domain's old data (e.g. read notifications) is cleaned by adding its function here.
CLEANUP_STEPS = (
    "fantasy.jobs.cleanup.old_job_records",
    "fantasy.notifications.service.delete_old",
    "fantasy.auth.service.delete_expired_families",
)


def old_job_records(now: datetime) -> int:
    """Finished and failed jobs older than their TTLs (records kept forever would otherwise pile up),
    registry entries whose record is gone, and workers that died without deregistering."""
    redis = get_redis()
    # Periodic and pick-clock jobs keep one record across runs: never delete a job still scheduled.
    scheduler = Scheduler(connection=redis)
    scheduled = {raw.decode() for raw in redis.zrange(scheduler.scheduled_jobs_key, 0, -1)}
    kept = ttls()
    removed = 0
    for name in QUEUE_NAMES:
        queue = get_queue(name)
        for registry, ttl in ((queue.finished_job_registry, kept["result_ttl"]),
                              (queue.failed_job_registry, kept["failure_ttl"])):
            job_ids = registry.get_job_ids(cleanup=False)
            for job_id, job in zip(job_ids, Job.fetch_many(job_ids, connection=redis)):
                if job is None:
                    registry.remove(job_id)
                    removed += 1
                elif job_id not in scheduled and job.ended_at and job.ended_at <= now - timedelta(seconds=ttl):
                    job.delete()
                    removed += 1
        clean_registries(queue)
        clean_worker_registry(queue)
    return removed


def cleanup() -> dict:
    """Run every step; one failing step does not stop the others, but fails the job so it shows and retries."""
    now = utcnow()
    counts, failed = {}, []
    for path in CLEANUP_STEPS:
        try:
            counts[path] = import_string(path)(now)
        except Exception:
            log.exception("job=cleanup step=%s outcome=failed", path)
            failed.append(path)
    log.info("job=cleanup " + " ".join(f"{path.rpartition('.')[2]}={count}" for path, count in counts.items()))
    if failed:
        raise RuntimeError(f"cleanup steps failed: {', '.join(failed)}")
    return counts
