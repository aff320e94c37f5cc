"""Periodic jobs as data: reconcile creates, keeps, replaces and removes only the ids it owns."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from rq.job import Job
from rq_scheduler import Scheduler

from fantasy.common.redis import get_redis
from fantasy.jobs.queues import HIGH, LOW
from fantasy.jobs.schedule import PERIODIC_JOBS, PREFIX, PeriodicJob, reconcile

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
EXPIRY = "draft-7-pick-3-expiry"


def scheduled(scheduler: Scheduler) -> dict[str, float]:
    """Every id in rq-scheduler's sorted set with its next run (epoch seconds)."""
    return {raw.decode(): score for raw, score in
            scheduler.connection.zrange(scheduler.scheduled_jobs_key, 0, -1, withscores=True)}


@pytest.fixture
def scheduler(app):
    with app.app_context():
        yield Scheduler(connection=get_redis())


def test_periodic_jobs_are_declared_once_each_with_the_callables_they_name():
    names = [definition.name for definition in PERIODIC_JOBS]
    assert sorted(names) == ["calendar-sync", "cleanup", "draft-tick", "notification-outbox", "results-poll"]
    for definition in PERIODIC_JOBS:
        module, _, attribute = definition.func.rpartition(".")
        assert callable(getattr(__import__(module, fromlist=[attribute]), attribute)), definition.func
    by_name = {definition.name: definition for definition in PERIODIC_JOBS}
    assert (by_name["draft-tick"].queue, by_name["draft-tick"].interval) == (HIGH, 60)
    assert by_name["cleanup"].queue == LOW and by_name["calendar-sync"].period() == 24 * 3600


@pytest.mark.parametrize("settings, message", [
    ({"cron": "0 4 * * *", "interval": 60}, "exactly one"),
    ({}, "exactly one"),
    ({"interval": 600, "result_ttl": 600}, "result_ttl must exceed the period"),
    ({"cron": "0 4 * * *", "result_ttl": 3600}, r"result_ttl must exceed the period \(86400 s\)"),
    ({"interval": 60, "queue": "urgent"}, "unknown queue"),
])
def test_a_definition_that_would_misbehave_is_refused(settings, message):
    fields = {"name": "x", "func": "fantasy.jobs.drafts.draft_tick", "queue": HIGH, "timeout": 30,
              "result_ttl": 7200, **settings}
    with pytest.raises(ValueError, match=message):
        PeriodicJob(**fields)


def test_reconcile_creates_keeps_replaces_and_removes_only_its_own_jobs(scheduler):
    one_off_at = START + timedelta(minutes=2)
    scheduler.enqueue_at(one_off_at, "fantasy.jobs.drafts.expire_turn", 7, 3, job_id=EXPIRY)
    lookalike = scheduler.enqueue_at(one_off_at, "fantasy.jobs.drafts.draft_tick", job_id="periodically-1")
    retired = PeriodicJob("retired", "fantasy.jobs.drafts.draft_tick", LOW, timeout=30, result_ttl=7200,
                          interval=3600)

    first = reconcile(scheduler, PERIODIC_JOBS + (retired,), now=START)

    ours = sorted(definition.id for definition in PERIODIC_JOBS + (retired,))
    assert sorted(first["created"]) == ours and first["unchanged"] == first["replaced"] == first["removed"] == []
    after_first = scheduled(scheduler)
    assert sorted(after_first) == sorted(ours + [EXPIRY, lookalike.id])
    tick = Job.fetch(PREFIX + "draft-tick", connection=scheduler.connection)
    assert (tick.origin, tick.timeout, tick.result_ttl, tick.meta["interval"]) == (HIGH, 300, 600, 60)
    assert after_first[PREFIX + "draft-tick"] == START.timestamp()  # interval jobs run at start-up
    assert after_first[PREFIX + "cleanup"] > START.timestamp()  # cron jobs at their next time

    changed = tuple(replace(d, interval=120, result_ttl=1200) if d.name == "draft-tick" else d
                    for d in PERIODIC_JOBS if d.name != "calendar-sync")
    second = reconcile(scheduler, changed, now=START + timedelta(hours=1))

    assert second == {
        "created": [],
        "unchanged": [PREFIX + "cleanup", PREFIX + "notification-outbox", PREFIX + "results-poll"],
        "replaced": [PREFIX + "draft-tick"],
        "removed": [PREFIX + "calendar-sync", PREFIX + "retired"],
    }
    after_second = scheduled(scheduler)
    assert sorted(after_second) == sorted([PREFIX + "cleanup", PREFIX + "draft-tick", PREFIX + "notification-outbox",
                                           PREFIX + "results-poll", EXPIRY, lookalike.id])
    # Unchanged jobs keep their next run; the replaced one starts from this reconcile.
    assert after_second[PREFIX + "results-poll"] == after_first[PREFIX + "results-poll"]
    assert after_second[PREFIX + "cleanup"] == after_first[PREFIX + "cleanup"]
    assert after_second[PREFIX + "draft-tick"] == (START + timedelta(hours=1)).timestamp()
    assert Job.fetch(PREFIX + "draft-tick", connection=scheduler.connection).meta["interval"] == 120
    for removed in second["removed"]:
        assert not Job.exists(removed, connection=scheduler.connection)
    # The pick clock's one-off job and a merely similar id are exactly as they were.
    for job_id in (EXPIRY, lookalike.id):
        assert after_second[job_id] == after_first[job_id] == one_off_at.timestamp()
    expiry = Job.fetch(EXPIRY, connection=scheduler.connection)
    assert (expiry.func_name, expiry.args) == ("fantasy.jobs.drafts.expire_turn", (7, 3))

    third = reconcile(scheduler, changed, now=START + timedelta(hours=2))
    assert third["unchanged"] == sorted(d.id for d in changed) and not third["created"] + third["replaced"]
    assert scheduled(scheduler) == after_second


def test_reconcile_recreates_a_job_whose_record_expired(scheduler):
    reconcile(scheduler, now=START)
    Job.fetch(PREFIX + "cleanup", connection=scheduler.connection).delete()
    scheduler.connection.zadd(scheduler.scheduled_jobs_key, {PREFIX + "cleanup": START.timestamp()})

    outcome = reconcile(scheduler, now=START)

    assert outcome["replaced"] == [PREFIX + "cleanup"]
    assert Job.fetch(PREFIX + "cleanup", connection=scheduler.connection).func_name == "fantasy.jobs.cleanup.cleanup"
