"""Per-pick notifications in batches (fantasy/notifications/batch.py): picks made before the worker runs are
stored by as few drain jobs as the batch size allows, with the notices one job per pick gave; a drain that
fails after taking its batch loses nothing and stores nothing twice, and one that never runs again is rescued
by the minute's sweep."""
import json
from collections import Counter

import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry
from sqlalchemy.exc import OperationalError

from drafts_helpers import League, race_id
from fantasy.common.redis import get_redis
from fantasy.jobs import notifications as notification_jobs
from fantasy.jobs.queues import LOW, get_queue
from fantasy.notifications import batch, service
from notifications_helpers import drain, inbox, pick_all, your_turns

pytestmark = pytest.mark.usefixtures("f1")
DRAIN = "fantasy.jobs.notifications.drain_picks"
# The database gone in the middle of a drain: a failure the job's retry (or a later drain) may not repeat.
LOST = OperationalError("INSERT INTO notifications ...", {}, Exception("server closed the connection unexpectedly"))


def drain_jobs(app, registry=FinishedJobRegistry) -> list[Job]:
    """The drain jobs of the low queue in `registry` (finished, failed), or waiting in the queue (None)."""
    with app.app_context():
        queue = get_queue(LOW)
        ids = queue.job_ids if registry is None else registry(queue=queue).get_job_ids()
        return [job for job in Job.fetch_many(ids, connection=get_redis()) if job and job.func_name == DRAIN]


def autopicked(client, league) -> dict[int, int]:
    return {team: Counter(item["kind"] for item in inbox(client, user))["autopicked"]
            for team, user in league.players.items()}


def draft_night(app, client, make_user) -> tuple[list[League], int]:
    """3 leagues of 3 teams × 2 picks, snake (turns 1–6 go to A B C C B A), opened and picked back to back
    with no worker running: two leagues pick all 6, the third 4 and then locks (the lock autopicks 5 and 6
    and starts no turn). 21 per-pick deliveries: 3 opening turns, 16 picks, 2 autopicks."""
    round1 = race_id(app, 2023, 1)
    leagues = [League(client, make_user, size=3, picks_per_team=2, draft_method="snake", name=f"Night {n}")
               for n in range(3)]
    drain(app)  # the joins' notices: the drafts' deliveries are alone in Redis from here
    for league in leagues:
        league.order = [entry["team_id"] for entry in league.open(round1).get_json()["order"]]
    for league in leagues[:2]:
        pick_all(league, round1, 6)
    pick_all(leagues[2], round1, 4)
    assert leagues[2].lock(round1).status_code == 200
    return leagues, round1


def assert_told_once(client, leagues) -> None:
    """The notices of `draft_night`, each exactly once (19: 12 + 5 your_turn, 2 autopicked): what one
    delivery job per pick stored (the pick kinds' semantics, as test_notifications_turns pins them)."""
    for league in leagues[:2]:
        a, b, c = league.order
        assert your_turns(client, league) == {a: [1, 6], b: [2, 5], c: [3, 4]}
        assert autopicked(client, league) == {a: 0, b: 0, c: 0}
    a, b, c = leagues[2].order
    assert your_turns(client, leagues[2]) == {a: [1], b: [2, 5], c: [3, 4]}
    assert autopicked(client, leagues[2]) == {a: 1, b: 1, c: 0}


@pytest.mark.parametrize(("size", "drains"), [(500, 1), (4, 6)], ids=["one batch", "batches of 4"])
def test_picks_made_before_the_worker_runs_are_stored_by_as_few_drains_as_batches(
        app, client, make_user, monkeypatch, size, drains):
    monkeypatch.setitem(app.config, "NOTIFICATION_BATCH_SIZE", size)
    leagues, _round1 = draft_night(app, client, make_user)
    with app.app_context():
        assert batch.pending() == 21
    # The first push queued the one drain job; the 20 after it found it waiting.
    assert len(drain_jobs(app, None)) == 1
    drain(app)
    assert_told_once(client, leagues)
    # A drain that leaves items behind queues the next one: ceil(21 / size) in all, each of them once.
    finished = drain_jobs(app)
    assert (len(finished), sum(job.return_value() for job in finished)) == (drains, 19)
    with app.app_context():
        assert (batch.pending(), batch.holders(), get_redis().exists(batch.DRAIN_FLAG)) == (0, [], 0)


@pytest.mark.parametrize("fails", ["before storing", "after committing"])
def test_a_drain_that_fails_after_taking_its_batch_is_retried_to_every_notice_once(
        app, client, make_user, monkeypatch, fails):
    """The first run fails once it holds the batch; RQ retries the same job (no wait here), which stores the
    batch its processing list kept: all of it, or nothing again when the first run had committed."""
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", [0, 0])
    leagues, _round1 = draft_night(app, client, make_user)
    seen = []
    target, name = (service, "deliver_picks") if fails == "before storing" else (batch, "finish")
    real = getattr(target, name)

    def fail_once(*args):
        if not seen:
            held = get_redis().lrange(batch.PROCESSING.format(batch.holders()[0]), 0, -1)
            seen.append((batch.pending(), len(held)))
            raise LOST
        return real(*args)

    monkeypatch.setattr(target, name, fail_once)
    drain(app)
    assert seen == [(0, 21)]  # the batch was out of the pending list, in the drain's own list
    assert_told_once(client, leagues)
    [job] = drain_jobs(app)
    assert (job.retries_left, job.return_value()) == (1, 0 if fails == "after committing" else 19)
    with app.app_context():
        assert (batch.pending(), batch.holders()) == (0, [])


def test_the_sweep_gives_a_dead_drains_batch_back_and_drains_what_nobody_would(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", [])

    def dies(items):
        raise LOST

    leagues, round1 = draft_night(app, client, make_user)
    with monkeypatch.context() as patch:
        patch.setattr(service, "deliver_picks", dies)
        drain(app)
    [dead] = drain_jobs(app, FailedJobRegistry)
    with app.app_context():
        assert (batch.holders(), batch.pending()) == ([dead.id], 0)
        # A pusher whose drain job was never queued (Redis lost after the push) leaves the flag set.
        get_redis().set(batch.DRAIN_FLAG, 1)
    extra = League(client, make_user, size=2, picks_per_team=1, name="Late")
    extra.open(round1)
    with app.app_context():
        assert (batch.pending(), len(drain_jobs(app, None))) == (1, 0)
        get_redis().delete(batch.DRAIN_FLAG)  # it lapses (FLAG_SECONDS)
        assert notification_jobs.redeliver_pending() == 0  # no race-wide delivery pending
        assert (batch.holders(), batch.pending(), len(drain_jobs(app, None))) == ([], 22, 1)
    drain(app)
    assert_told_once(client, leagues)
    assert sorted(your_turns(client, extra).values()) == [[], [1]]


def test_an_item_no_drain_can_store_is_set_aside_and_the_rest_are_stored(app, client, make_user):
    """A bad item (here one without its data, as another version of the code might write it, and text that is
    not JSON) fails its batch on every try; the drain stores the batch item by item instead and sets the bad
    ones aside, so the notices behind them are not stuck behind a batch that can never be stored."""
    leagues, _round1 = draft_night(app, client, make_user)
    with app.app_context():
        redis = get_redis()
        good = [json.loads(item) for item in redis.lrange(batch.PENDING, 0, -1)]
        broken = {"kind": "pick", "payload": {"league_id": leagues[0].id, "race_id": None}}
        redis.delete(batch.PENDING)
        redis.rpush(batch.PENDING, *map(json.dumps, good[:5]), json.dumps(broken), "{not json",
                    *map(json.dumps, good[5:]))
    drain(app)
    assert_told_once(client, leagues)
    assert len(drain_jobs(app)) == 1 and drain_jobs(app, FailedJobRegistry) == []
    with app.app_context():
        assert [json.loads(item) if item.startswith(b"{\"") else item for item in redis.lrange(batch.DEAD, 0, -1)] \
            == [b"{not json", broken]
        assert redis.llen(batch.PENDING) == 0 and batch.holders() == []
