"""Real `worker.py` processes: the scheduler reconciles at start-up, retries wait and run, races have one effect."""
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rq import Retry
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler
from sqlalchemy import select

from drafts_helpers import League, race_id
from fantasy.common.redis import get_redis
from fantasy.extensions import db
from fantasy.jobs import scoring as scoring_jobs
from fantasy.jobs.queues import DEFAULT, HIGH, LOW, enqueue_unique, get_queue
from fantasy.jobs.schedule import PERIODIC_JOBS
from fantasy.scoring.models import DriverScore
from processes import process_env, start, stop, wait_for


def run(backing_urls, instance: Path, *command: str) -> subprocess.Popen:
    return start(process_env(backing_urls, instance), "worker.py", *command)


def finish(process: subprocess.Popen, timeout: float = 120) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output
    return output


@pytest.mark.slow
def test_scheduler_process_reconciles_at_start_and_its_draft_tick_runs(app, backing_urls, tmp_path):
    with app.app_context():
        scheduler = Scheduler(connection=get_redis())
        expiry_at = datetime.now(timezone.utc) + timedelta(hours=1)
        scheduler.enqueue_at(expiry_at, "fantasy.jobs.drafts.expire_turn", 1, 1, job_id="draft-1-pick-1-expiry")

        process = run(backing_urls, tmp_path, "scheduler")
        try:
            # Interval jobs are due at start-up, so the draft tick reaches its queue within a scheduler pass.
            assert wait_for(lambda: "periodic-draft-tick" in get_queue(HIGH).get_job_ids()), process
        finally:
            output = stop(process)
        assert f"periodic_reconcile created={len(PERIODIC_JOBS)} unchanged=0 replaced=0 removed=0" in output
        scheduled = {job.id for job in scheduler.get_jobs()}
        assert scheduled == {d.id for d in PERIODIC_JOBS} | {"draft-1-pick-1-expiry"}

        finish(run(backing_urls, tmp_path, "worker", "--burst"))
        tick = Job.fetch("periodic-draft-tick", connection=get_redis())
        assert (tick.get_status(), tick.return_value()) == (JobStatus.FINISHED,
                                                             {"opened": 0, "locked": 0, "lineup_rounds_locked": 0,
                                                              "clocks_restored": 0})
        assert "periodic-draft-tick" in {job.id for job in scheduler.get_jobs()}  # still periodic after its run


@pytest.mark.slow
def test_a_retry_with_backoff_runs_when_its_delay_is_over(app, backing_urls, tmp_path):
    """An unexpected error (here a math domain error) waits for its retry; a 4xx-class failure (a race
    that does not exist) fails at once, its retries dropped: running it again would answer the same."""
    with app.app_context():
        retry = Retry(max=1, interval=1)
        job = get_queue(DEFAULT).enqueue("math.sqrt", -1, job_id="retry-me", retry=retry)
        permanent = get_queue(DEFAULT).enqueue("fantasy.jobs.scoring.score_race", 424242, job_id="no-such-race",
                                               retry=retry)
        finish(run(backing_urls, tmp_path, "worker", "--burst"))
        job.refresh()
        assert (job.get_status(refresh=False), job.retries_left) == (JobStatus.SCHEDULED, 0)
        permanent.refresh()
        assert (permanent.get_status(refresh=False), permanent.retries_left) == (JobStatus.FAILED, 0)
        assert "No race 424242" in permanent.latest_result().exc_string
        time.sleep(1.5)
        second = finish(run(backing_urls, tmp_path, "worker", "--burst"))
        assert job.get_status(refresh=True) == JobStatus.FAILED
        assert "retry-me" in second and "math domain error" in job.latest_result().exc_string
        assert "no-such-race" not in second


def test_enqueueing_the_same_job_twice_gives_one_job(app):
    with app.app_context():
        first = scoring_jobs.enqueue_score_race(7)
        second = scoring_jobs.enqueue_score_race(7, session="race")
        again = enqueue_unique(DEFAULT, "fantasy.jobs.scoring.score_race", 7, job_id="score-race-7")
        assert first == second == again.id == "score-race-7"
        assert get_queue(DEFAULT).get_job_ids() == ["score-race-7"]


@pytest.fixture
def locked_round(app, client, make_user, f1):
    """A replay league whose round 1 draft is locked (autopicked), with no score yet and no job queued (the
    snapshot load's price-season jobs included: they write the market's own rows)."""
    league = League(client, make_user)
    race = race_id(app, 2023, 1)
    assert league.open(race).status_code == 200
    assert league.lock(race).status_code == 200
    with app.app_context():
        get_queue(DEFAULT).empty()
        get_queue(LOW).empty()
    return race


def score_rows(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(DriverScore.id, DriverScore.driver_id, DriverScore.points, DriverScore.computed_at)
            .order_by(DriverScore.id)
        ).all()


def test_two_threads_scoring_one_race_at_once_write_it_once(app, locked_round):
    barrier, summaries = threading.Barrier(2), []

    def score():
        with app.app_context():
            barrier.wait()
            summaries.append(scoring_jobs.score_race(locked_round))

    threads = [threading.Thread(target=score) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(s["rulesets_changed"] for s in summaries) == [0, 1]
    assert sorted(s["leagues_newly_scored"] for s in summaries) == [0, 1]
    rows = score_rows(app)
    assert len(rows) == 20 and [row.id for row in rows] == list(range(1, 21))
    assert len({row.computed_at for row in rows}) == 1


@pytest.mark.slow
def test_two_worker_processes_with_a_copy_each_of_one_race_score_it_once(app, backing_urls, tmp_path, locked_round):
    with app.app_context():
        copies = [get_queue(DEFAULT).enqueue("fantasy.jobs.scoring.score_race", locked_round, job_id=f"copy-{n}")
                  for n in (1, 2)]
    workers = [run(backing_urls, tmp_path / str(n), "worker", "--burst") for n in (1, 2)]
    for worker in workers:
        finish(worker)

    with app.app_context():
        results = [job.return_value(refresh=True) for job in copies]
    assert all(result["scored"] for result in results)
    assert sorted(result["rulesets_changed"] for result in results) == [0, 1]
    rows = score_rows(app)
    assert len(rows) == 20 and len({row.computed_at for row in rows}) == 1
