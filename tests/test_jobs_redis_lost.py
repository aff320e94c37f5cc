"""Redis loses its data (restarted without persistence, a failover, an operator's flush) under a running
scheduler: the periodic jobs come back on their own and a running draft's pick clock still autopicks (§10)."""
import logging
import time

import pytest
from rq.job import Job
from rq_scheduler import Scheduler

from drafts_helpers import League, draft_row, race_id
from fantasy.common.redis import get_redis
from fantasy.drafts.pick_clock import expiry_job_id, fire_time
from fantasy.jobs import drafts as draft_jobs
from fantasy.jobs.schedule import PERIODIC_JOBS, PeriodicScheduler
from processes import process_env, start, stop, wait_for

PERIODIC = {definition.id for definition in PERIODIC_JOBS}


def scheduled(app) -> dict[str, float]:
    """rq-scheduler's sorted set: every scheduled id with its next run (epoch seconds)."""
    with app.app_context():
        return {raw.decode(): score for raw, score in
                get_redis().zrange(Scheduler.scheduled_jobs_key, 0, -1, withscores=True)}


def warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


def test_the_scheduler_reconciles_again_and_warns_only_when_it_had_to_recreate(app, caplog):
    with app.app_context():
        every_pass = PeriodicScheduler(connection=get_redis(), interval=1, reconcile_seconds=0)
        every_pass.enqueue_jobs()
        every_pass.enqueue_jobs()
        assert set(scheduled(app)) == PERIODIC and warnings(caplog) == []  # nothing lost: nothing said

        get_redis().flushdb()
        every_pass.enqueue_jobs()
        assert set(scheduled(app)) == PERIODIC
        assert warnings(caplog) == [
            f"periodic_jobs_recreated created={len(PERIODIC)} unchanged=0 replaced=0 removed=0 "
            "reason=the_schedule_in_redis_was_lost_or_changed"]

        # Between reconciles a pass only moves due jobs: the interval is what bounds the loss.
        hourly = PeriodicScheduler(connection=get_redis(), interval=1, reconcile_seconds=3600)
        hourly.enqueue_jobs()
        get_redis().flushdb()
        hourly.enqueue_jobs()
        assert scheduled(app) == {}


def test_the_draft_tick_reschedules_exactly_the_pick_clocks_redis_lost(app, client, make_user, caplog, f1):
    round1 = race_id(app, 2023, 1)
    lost, kept = (League(client, make_user, pick_seconds=30, name=name) for name in ("Lost Clock", "Kept Clock"))
    no_clock = League(client, make_user, pick_seconds=0, name="No Clock")
    for league in (lost, kept, no_clock):
        assert league.open(round1).status_code == 200
    lost_draft, kept_draft = draft_row(app, lost.id, round1), draft_row(app, kept.id, round1)
    lost_id, kept_id = expiry_job_id(lost_draft.id, 1), expiry_job_id(kept_draft.id, 1)
    before = scheduled(app)
    assert before == {lost_id: fire_time(lost_draft.pick_deadline).timestamp(),
                      kept_id: fire_time(kept_draft.pick_deadline).timestamp()}
    with app.app_context():
        Scheduler(connection=get_redis()).cancel(lost_id)
        Job.fetch(lost_id, connection=get_redis()).delete()

        assert draft_jobs.draft_tick()["clocks_restored"] == 1
        assert scheduled(app) == before
        restored = Job.fetch(lost_id, connection=get_redis())
        assert (restored.func_name, restored.args) == ("fantasy.jobs.drafts.expire_turn", (lost_draft.id, 1))
        assert warnings(caplog) == [f"pick_clock_restored draft_id={lost_draft.id} pick=1 "
                                    f"deadline={lost_draft.pick_deadline.isoformat()}"]

        assert draft_jobs.draft_tick()["clocks_restored"] == 0  # there again: left alone
        assert scheduled(app) == before


@pytest.mark.slow
def test_redis_flushed_under_a_running_scheduler_and_worker_recovers_the_schedule_and_the_clock(
        app, client, make_user, backing_urls, tmp_path, f1):
    with app.app_context():
        get_redis().flushdb()  # the scoring jobs loading the F1 data queued are not this test's subject
    env = process_env(backing_urls, tmp_path / "instance", SCHEDULER_RECONCILE_SECONDS="1")
    scheduler, worker = start(env, "worker.py", "scheduler"), start(env, "worker.py", "worker")
    outputs = []
    try:
        assert wait_for(lambda: PERIODIC <= set(scheduled(app)), timeout=60)
        league = League(client, make_user, size=3, pick_seconds=8)
        round1 = race_id(app, 2023, 1)
        first_team = league.open(round1).get_json()["on_the_clock"]
        with app.app_context():
            get_redis().flushdb()
        flushed = time.monotonic()

        assert wait_for(lambda: PERIODIC <= set(scheduled(app)), timeout=30)
        back_after = time.monotonic() - flushed
        # Nobody picks: the restored clock job fires at the deadline and the worker autopicks.
        assert wait_for(lambda: league.state(round1)["current_pick"] == 2, timeout=60)
        [autopick] = league.state(round1)["picks"]
        assert (autopick["autopicked"], autopick["team_id"], autopick["pick_number"]) == (True, first_team, 1)
    finally:
        outputs = [stop(scheduler), stop(worker)]
        print(*outputs, sep="\n")  # shown by pytest when the test fails
    assert back_after < 10  # SCHEDULER_RECONCILE_SECONDS=1 and a 1 s scheduler pass
    # One warning; two when the flush lands inside a reconcile (the ids it already checked go in the next one).
    assert outputs[0].count("periodic_jobs_recreated") in (1, 2)
    assert outputs[1].count("pick_clock_restored") == 1
    tracebacks = [output[output.index("Traceback") - 500:][:4000] for output in outputs if "Traceback" in output]
    assert tracebacks == []


def test_a_results_poll_whose_lock_redis_lost_mid_tick_finishes_and_says_so(app, monkeypatch, caplog):
    """CI saw it: a flush during the poll tick took its lock, and releasing it raised LockNotOwnedError."""
    from fantasy.f1data import polling
    from fantasy.jobs import f1data as f1data_jobs

    real_poll = polling.poll_results

    def poll_while_redis_is_flushed():
        get_redis().flushdb()
        return real_poll()

    monkeypatch.setattr(polling, "poll_results", poll_while_redis_is_flushed)
    with app.app_context():
        assert f1data_jobs.results_poll_tick().startswith("due=")
        assert warnings(caplog) == ["redis_lock_lost name=lock:results-poll-tick timeout=900"]
        # The lock is free again: the next tick polls rather than skips.
        monkeypatch.setattr(polling, "poll_results", real_poll)
        assert f1data_jobs.results_poll_tick() != "skipped"


def test_a_held_race_lock_is_waited_for_and_a_busy_poll_lock_skips(app):
    from redis.exceptions import LockError

    from fantasy.common.redis import redis_lock
    from fantasy.jobs import f1data as f1data_jobs

    with app.app_context():
        with redis_lock("lock:results-poll-tick", timeout=60, wait=0) as first:
            assert first is True
            assert f1data_jobs.results_poll_tick() == "skipped"
        with redis_lock("lock:test", timeout=60, wait=0):
            with pytest.raises(LockError):
                with redis_lock("lock:test", timeout=60, wait=0.2):
                    pass
