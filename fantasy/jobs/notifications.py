"""Notification jobs on the low queue: turn one event into stored notifications and live messages."""
import logging
from datetime import datetime, timedelta

from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.jobs.queues import LOW, enqueue
from fantasy.notifications import service
from fantasy.notifications.events import delivery_due

log = logging.getLogger(__name__)
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


def redeliver_pending(now: datetime | None = None) -> int:
    """The outbox sweep (every minute, jobs/schedule.py): queue the race-wide deliveries still pending after
    PENDING_GRACE, in one round trip; returns how many."""
    stale = service.stale_deliveries((now or utcnow()) - PENDING_GRACE)
    if stale:
        with get_redis().pipeline() as pipe:
            for kind, payload in stale:
                enqueue_delivery(kind, payload, pipeline=pipe)
            pipe.execute()
        log.warning("pending notification deliveries queued again", extra={"count": len(stale)})
    return len(stale)


def subscribe() -> None:
    delivery_due.connect(enqueue_delivery)
