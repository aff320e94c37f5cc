"""The pick clock: each turn's deadline and its one-off expiry job on rq-scheduler."""
import logging
import math
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler
from sqlalchemy import select

from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.drafts import order
from fantasy.drafts.events import turn_started
from fantasy.drafts.models import Draft, DraftState
from fantasy.extensions import db
from fantasy.jobs.queues import HIGH, enqueue_at

log = logging.getLogger(__name__)


def expiry_job_id(draft_id: int, pick_number: int) -> str:
    """Deterministic: the same turn never gets two jobs, and a pick can cancel its turn's job."""
    return f"draft-{draft_id}-pick-{pick_number}-expiry"


def fire_time(deadline: datetime) -> datetime:
    """The deadline rounded up to a whole second: rq-scheduler stores whole seconds and truncates, so an
    unrounded job would fire before its deadline, find the turn not yet due and do nothing at all."""
    return datetime.fromtimestamp(math.ceil(deadline.timestamp()), tz=timezone.utc)


class Turn(NamedTuple):
    """The turn now on the clock, as plain values: scheduled after the commit, which expires the draft row."""

    draft_id: int
    pick_number: int
    deadline: datetime | None
    pick_seconds: int
    # The turn this one follows, whose job is cancelled: not always pick_number - 1, skipped turns between.
    replaced: int | None = None


def _full_time(draft: Draft, pick_seconds: int) -> datetime | None:
    """The deadline of a turn starting now: none without a pick clock, once complete, or while paused. An
    expiry job finding no deadline does nothing, so a paused turn is never autopicked."""
    if draft.state == DraftState.open and draft.paused_at is None and pick_seconds > 0:
        return utcnow() + timedelta(seconds=pick_seconds)
    return None


def start_turn(draft: Draft, pick_seconds: int, replaced: int | None = None) -> Turn:
    """Every turn change comes here: set the deadline of the turn now on the clock (see `_full_time`);
    `replaced` is the pick number that was on the clock before."""
    draft.pick_deadline = _full_time(draft, pick_seconds)
    if draft.state == DraftState.open:  # whose turn it is, decided in the turn's own transaction (§9)
        turn_started.send(draft, team_id=order.team_on_turn(draft.order, draft.method, draft.current_pick))
    return Turn(draft.id, draft.current_pick, draft.pick_deadline, pick_seconds, replaced)


def pause(draft: Draft, user_id: int, pick_seconds: int) -> Turn:
    """Stop the clock of the turn on the clock (§14): its job is cancelled after the commit."""
    draft.paused_at, draft.paused_by_id, draft.pick_deadline = utcnow(), user_id, None
    return Turn(draft.id, draft.current_pick, None, pick_seconds, replaced=draft.current_pick)


def resume(draft: Draft, pick_seconds: int) -> Turn:
    """Restart the clock with the turn's full time. The same team stays on the clock: no new your_turn."""
    draft.paused_at = draft.paused_by_id = None
    draft.pick_deadline = _full_time(draft, pick_seconds)
    return Turn(draft.id, draft.current_pick, draft.pick_deadline, pick_seconds)


def schedule_expiry(turn: Turn) -> None:
    """After commit: cancel the previous turn's job and schedule this turn's, in one round trip. A late or
    duplicate run is harmless (the job checks the turn), so a Redis hiccup here only costs the clock, never
    a pick. Without a pick clock there is no job to cancel or schedule."""
    if turn.pick_seconds <= 0:
        return
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
    enqueue_at(scheduler, fire_time(deadline), "fantasy.jobs.drafts.expire_turn", draft_id, pick_number,
               job_id=expiry_job_id(draft_id, pick_number))


def restore_lost_expiries() -> int:
    """Schedule again the expiry job of every running turn whose job is gone (Redis restarted empty, a
    failover, a flush), at its deadline or at once if that passed; returns how many. Without this such a
    turn would wait for its player forever. One Redis round trip when nothing is missing; a job already
    queued or running counts as there, and a duplicate would do nothing anyway (the job checks its turn)."""
    turns = db.session.execute(
        select(Draft.id, Draft.current_pick, Draft.pick_deadline)
        .where(Draft.state == DraftState.open, Draft.pick_deadline.is_not(None))
    ).all()
    db.session.rollback()  # end the read: on SQLite every transaction holds the one write lock until it ends
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
