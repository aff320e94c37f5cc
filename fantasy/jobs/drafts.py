"""Draft jobs: the pick clock's expiry job (scheduled, cancelled and restored here, on rq-scheduler) and the
periodic draft tick (which also locks live salary-cap rounds)."""
import logging
from datetime import datetime

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler

from fantasy.common.redis import get_redis
from fantasy.drafts import lifecycle, picking
from fantasy.drafts.events import clock_changed
from fantasy.drafts.pick_clock import Turn, expiry_job_id, fire_time, running_turns
from fantasy.jobs.queues import HIGH, enqueue_at
from fantasy.lineups.lock import lock_due_rounds

log = logging.getLogger(__name__)


def expire_turn(draft_id: int, pick_number: int) -> bool:
    picked = picking.expire_turn(draft_id, pick_number)
    log.info("pick clock expired", extra={"draft_id": draft_id, "pick": pick_number, "autopicked": picked})
    return picked


def draft_tick() -> dict:
    counts = lifecycle.draft_tick()
    counts["lineup_rounds_locked"] = lock_due_rounds()  # the same clock: a weekend's first scored session
    counts["clocks_restored"] = restore_lost_expiries()  # a Redis that lost its data loses the clocks
    log.info("draft tick", extra=counts)
    return counts


def schedule_expiry(turn: Turn) -> None:
    """The `clock_changed` receiver, after the commit: cancel the previous turn's job and schedule this turn's,
    in one round trip. A late or duplicate run is harmless (the job checks the turn), so a Redis hiccup here
    only costs the clock, never a pick."""
    try:
        with get_redis().pipeline() as pipe:
            scheduler = Scheduler(queue_name=HIGH, connection=pipe)
            if turn.replaced is not None:
                scheduler.cancel(expiry_job_id(turn.draft_id, turn.replaced))
            if turn.deadline is not None:
                _enqueue_expiry(scheduler, turn.draft_id, turn.pick_number, turn.deadline)
            pipe.execute()
    except redis.RedisError:
        log.warning("pick clock not scheduled", extra={"draft_id": turn.draft_id, "pick": turn.pick_number})


def _enqueue_expiry(scheduler: Scheduler, draft_id: int, pick_number: int, deadline: datetime) -> None:
    enqueue_at(scheduler, fire_time(deadline), expire_turn, draft_id, pick_number,
               job_id=expiry_job_id(draft_id, pick_number))


def restore_lost_expiries() -> int:
    """Schedule again the expiry job of every running turn whose job is gone (Redis restarted empty, a
    failover, a flush), at its deadline or at once if that passed; returns how many. Without this such a
    turn would wait for its player forever. One Redis round trip when nothing is missing; a job already
    queued or running counts as there, and a duplicate would do nothing anyway (the job checks its turn)."""
    turns = running_turns()
    if not turns:
        return 0
    connection = get_redis()
    scheduler = Scheduler(queue_name=HIGH, connection=connection)
    with connection.pipeline(transaction=False) as pipe:
        for draft_id, pick_number, _ in turns:
            pipe.zscore(scheduler.scheduled_jobs_key, expiry_job_id(draft_id, pick_number))
        scheduled = pipe.execute()
    restored = 0
    for (draft_id, pick_number, deadline), score in zip(turns, scheduled):
        if score is not None or _waiting_to_run(expiry_job_id(draft_id, pick_number), connection):
            continue
        _enqueue_expiry(scheduler, draft_id, pick_number, deadline)
        restored += 1
        log.warning("pick_clock_restored draft_id=%s pick=%s deadline=%s", draft_id, pick_number,
                    deadline.isoformat())
    return restored


def _waiting_to_run(job_id: str, connection) -> bool:
    try:
        return Job.fetch(job_id, connection=connection).get_status() in (JobStatus.QUEUED, JobStatus.STARTED)
    except NoSuchJobError:
        return False


def subscribe() -> None:
    clock_changed.connect(schedule_expiry)
