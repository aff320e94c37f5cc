"""Notification jobs on the low queue: turn one event into stored notifications and live messages."""
import logging
from datetime import datetime, timedelta

import redis
import sqlalchemy.exc
from flask import current_app
from rq import get_current_job
from rq.job import Job, JobStatus

from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.extensions import db
from fantasy.jobs.queues import LOW, WAITING, enqueue
from fantasy.notifications import batch, service
from fantasy.notifications.events import delivery_due, drain_due

log = logging.getLogger(__name__)
# What another try may not repeat: the database or Redis out of reach for a moment.
TRANSIENT_FAILURES = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, redis.exceptions.ConnectionError,
                      redis.exceptions.TimeoutError)
# A race-wide delivery still pending this long after its scoring committed was not queued (Redis failed after
# the commit) or its job was lost: the sweep queues it again. Well past a normal backlog's wait, since a
# delivery that runs twice costs a look-up (its rows are stored once, notifications/service.py).
PENDING_GRACE = timedelta(minutes=5)


def deliver(kind: str, payload: dict) -> int:
    count = service.deliver(kind, payload)
    log.info("notifications delivered", extra={"kind": kind, "count": count, "league_id": payload.get("league_id")})
    return count


def enqueue_delivery(kind: str, payload: dict, pipeline=None) -> None:
    """The `delivery_due` receiver: queue a delivery; into `pipeline` when given, which the caller executes."""
    enqueue(LOW, deliver, kind, payload, pipeline=pipeline)


def enqueue_drain(_sender=None) -> None:
    """The `drain_due` receiver: queue a drain of the batched per-pick deliveries (notifications/batch.py)."""
    enqueue(LOW, drain_picks)


def drain_picks() -> int:
    """Store one batch of per-pick deliveries (NOTIFICATION_BATCH_SIZE at most; a retry, the batch its first
    run took), then queue the next drain if items are left and none is waiting; returns how many were stored."""
    job_id = get_current_job().id
    items = batch.take(job_id, current_app.config["NOTIFICATION_BATCH_SIZE"])
    count = _deliver_isolating(items) if items else 0
    left = batch.finish(job_id)
    if left and batch.claim():
        enqueue_drain()
    log.info("notifications drained", extra={"items": len(items), "count": count, "left": left})
    return count


def _deliver_isolating(items: list[tuple[str, dict]]) -> int:
    """Store the batch; if that fails for a reason another try would repeat (not a lost connection: those
    fail the job, whose retry takes the same batch), store it item by item and set aside each item that fails
    alone (batch.py: one bad item must not stop every notice behind it)."""
    try:
        return service.deliver_picks(items)
    except TRANSIENT_FAILURES:
        raise
    except Exception:
        db.session.rollback()
        log.exception("notification batch failed: storing its items one by one", extra={"items": len(items)})
    count = 0
    for item in items:
        try:
            count += service.deliver_picks([item])
        except TRANSIENT_FAILURES:
            raise
        except Exception:
            db.session.rollback()
            batch.bury(item)
            log.exception("notification set aside", extra={"kind": item[0], "dead_list": batch.DEAD})
    return count


def redeliver_pending(now: datetime | None = None) -> int:
    """The outbox sweep (every minute, jobs/schedule.py): queue the race-wide deliveries still pending after
    PENDING_GRACE, in one round trip; returns how many. Then the batched per-pick deliveries (`rescue_batches`)."""
    stale = service.stale_deliveries((now or utcnow()) - PENDING_GRACE)
    if stale:
        with get_redis().pipeline() as pipe:
            for kind, payload in stale:
                enqueue_delivery(kind, payload, pipeline=pipe)
            pipe.execute()
        log.warning("pending notification deliveries queued again", extra={"count": len(stale)})
    rescue_batches()
    return len(stale)


def rescue_batches() -> int:
    """The items of drain jobs that will not run again (failed for good, or their record lost) go back to the
    pending list; and pending items get a drain if none is waiting (its queuing failed after the push).
    Returns how many items were given back."""
    held = batch.holders()
    jobs = dict(zip(held, Job.fetch_many(held, connection=get_redis()))) if held else {}
    given = sum(batch.give_back(job_id) for job_id, job in jobs.items()
                if job is None or job.get_status(refresh=False) not in (*WAITING, JobStatus.STARTED))
    if given:
        log.warning("batched notification deliveries of a dead drain given back", extra={"count": given})
    if batch.pending() and batch.claim():
        enqueue_drain()
    return given


def subscribe() -> None:
    delivery_due.connect(enqueue_delivery)
    drain_due.connect(enqueue_drain)
