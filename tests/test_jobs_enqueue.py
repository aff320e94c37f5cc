"""One enqueue helper (fantasy/jobs/queues.py): every job carries the same defaults, read from the settings when
it is queued: finished results kept JOB_RESULT_TTL_SECONDS, failed jobs a week (RQ's own default is a year),
the retries of JOB_RETRY_INTERVALS. Notification and pick-clock jobs are queued through their real paths."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from rq import SimpleWorker, get_current_job
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler

from config import env_seconds_list
from drafts_helpers import League, draft_row, race_id
from fantasy.common.redis import get_redis
from fantasy.f1data.events import results_poll_gave_up
from fantasy.f1data.models import SessionKind
from fantasy.jobs.queues import HIGH, LOW, enqueue, get_queue

WEEK = 7 * 24 * 3600


def fail_counting_runs() -> None:
    get_current_job().connection.incr("test:runs")
    raise ValueError("always fails")


def test_a_notification_job_carries_the_settings_ttls_and_retries(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_RESULT_TTL_SECONDS", 4321)
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", [1, 2])
    with app.app_context():
        results_poll_gave_up.send(7, session=SessionKind.race)  # the notifications' subscriber queues an alert

        [job] = get_queue(LOW).get_jobs()
        assert (job.func_name, job.args[0], job.args[1]["race_id"]) == (
            "fantasy.jobs.notifications.deliver", "admin_alert", 7)
        assert (job.result_ttl, job.failure_ttl) == (4321, WEEK)
        assert (job.retries_left, job.retry_intervals) == (2, [1, 2])


def test_a_pick_clock_job_carries_the_settings_ttls(app, client, make_user, f1, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_RESULT_TTL_SECONDS", 4321)
    league = League(client, make_user, pick_seconds=30)
    round9 = race_id(app, 2023, 9)
    assert league.open(round9).status_code == 200
    draft = draft_row(app, league.id, round9)

    with app.app_context():
        [(job, at)] = Scheduler(queue_name=HIGH, connection=get_redis()).get_jobs(with_times=True)
        assert (job.func_name, job.args, job.origin) == ("fantasy.jobs.drafts.expire_turn", (draft.id, 1), HIGH)
        assert job.get_status() == JobStatus.SCHEDULED
        assert (job.result_ttl, job.failure_ttl, job.retries_left) == (4321, WEEK, None)
        # At the deadline rounded up to the second (rq-scheduler keeps whole seconds).
        deadline = draft.pick_deadline.replace(tzinfo=timezone.utc)
        assert at.replace(tzinfo=timezone.utc) - deadline < timedelta(seconds=1)
        assert at.replace(tzinfo=timezone.utc) >= deadline.replace(microsecond=0)


def test_a_worker_runs_a_job_once_per_retry_setting_and_keeps_its_failure_a_week(app, monkeypatch):
    """A real (in-process) RQ worker: two retries due at once run the job three times; the failed job's record
    then expires in a week, not in RQ's default year."""
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", [0, 0])
    with app.app_context():
        enqueue(LOW, fail_counting_runs, job_id="always-fails")
        SimpleWorker([get_queue(LOW)], connection=get_redis()).work(burst=True)

        job = Job.fetch("always-fails", connection=get_redis())
        assert (job.get_status(), job.retries_left) == (JobStatus.FAILED, 0)
        assert get_redis().get("test:runs") == b"3"
        assert "ValueError: always fails" in job.latest_result().exc_string
        assert WEEK - 60 <= get_redis().ttl(job.key) <= WEEK
        expires = get_queue(LOW).failed_job_registry.get_expiration_time(job)
        assert abs((expires - datetime.now(timezone.utc)).total_seconds() - WEEK) < 60


def test_retry_settings_parse_whole_seconds_and_refuse_anything_else(monkeypatch):
    monkeypatch.setenv("JOB_RETRY_INTERVALS", " 5, 15 ")
    assert env_seconds_list("JOB_RETRY_INTERVALS", [10, 60, 300]) == [5, 15]
    monkeypatch.setenv("JOB_RETRY_INTERVALS", "")
    assert env_seconds_list("JOB_RETRY_INTERVALS", [10, 60, 300]) == [10, 60, 300]
    for bad in ("5,-1", "1.5", "x", "5,,6"):
        monkeypatch.setenv("JOB_RETRY_INTERVALS", bad)
        with pytest.raises(ValueError, match=f"JOB_RETRY_INTERVALS must be comma-separated whole non-negative "
                                             f"seconds, e.g. 10,60,300, got '{re.escape(bad)}'"):
            env_seconds_list("JOB_RETRY_INTERVALS", [10, 60, 300])
