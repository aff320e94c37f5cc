"""The daily cleanup: old job records go, recent and still-scheduled ones stay, every domain step runs."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from rq import SimpleWorker
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler

from fantasy.common.redis import get_redis
from fantasy.jobs import cleanup as cleanup_jobs
from fantasy.jobs.queues import DEFAULT, LOW, get_queue
from fantasy.jobs.schedule import PERIODIC_JOBS, reconcile

DAY = timedelta(days=1)
steps_seen = []


def record_step(now: datetime) -> int:
    steps_seen.append(now)
    return 3


def broken_step(now: datetime) -> int:
    raise RuntimeError("boom")


def run(queue_name: str, func: str, *args, job_id: str, **options) -> Job:
    """Enqueue and run one job in this process, as a worker would."""
    job = get_queue(queue_name).enqueue(func, *args, job_id=job_id, **options)
    SimpleWorker([get_queue(queue_name)], connection=get_redis()).work(burst=True)
    return Job.fetch(job.id, connection=get_redis())


def test_cleanup_removes_only_records_past_their_ttl(app):
    with app.app_context():
        # Kept forever by rq unless swept: a result_ttl of -1, and a failure with rq's default year.
        old_done = run(DEFAULT, "fantasy.common.clock.utcnow", job_id="old-done", result_ttl=-1)
        old_failed = run(DEFAULT, "fantasy.jobs.scoring.score_race", 999, job_id="old-failed")
        assert (old_done.get_status(), old_failed.get_status()) == (JobStatus.FINISHED, JobStatus.FAILED)
        reconcile(Scheduler(connection=get_redis()), PERIODIC_JOBS)
        periodic = run(LOW, "fantasy.common.clock.utcnow", job_id="periodic-cleanup", result_ttl=-1)
        get_queue(DEFAULT).finished_job_registry.connection.zadd(
            get_queue(DEFAULT).finished_job_registry.key, {"vanished": float("inf")})
    later = datetime.now(timezone.utc) + 8 * DAY
    with time_machine.travel(later, tick=False), app.app_context():
        recent_done = run(DEFAULT, "fantasy.common.clock.utcnow", job_id="recent-done", result_ttl=-1)
        recent_failed = run(DEFAULT, "fantasy.jobs.scoring.score_race", 998, job_id="recent-failed")

        counts = cleanup_jobs.cleanup()

        redis = get_redis()
        assert counts == {"fantasy.jobs.cleanup.old_job_records": 3, "fantasy.notifications.service.delete_old": 0,
                          "fantasy.auth.service.delete_expired_families": 0}
        for gone in ("old-done", "old-failed"):
            assert not Job.exists(gone, connection=redis)
        for kept in (recent_done.id, recent_failed.id, periodic.id):
            assert Job.exists(kept, connection=redis), kept
        assert get_queue(DEFAULT).finished_job_registry.get_job_ids() == ["recent-done"]
        assert get_queue(DEFAULT).failed_job_registry.get_job_ids() == ["recent-failed"]


def test_every_cleanup_step_runs_and_a_failing_one_fails_the_job(app, monkeypatch):
    steps_seen.clear()
    monkeypatch.setattr(
        cleanup_jobs,
        "CLEANUP_STEPS",
        ("test_jobs_cleanup.broken_step",) + cleanup_jobs.CLEANUP_STEPS + ("test_jobs_cleanup.record_step",),
    )
    with app.app_context(), pytest.raises(RuntimeError, match="cleanup steps failed: test_jobs_cleanup.broken_step"):
        cleanup_jobs.cleanup()
    assert len(steps_seen) == 1
