"""Notification jobs on the low queue: turn one event into stored notifications and live messages."""
import logging

from fantasy.jobs.queues import LOW, enqueue
from fantasy.notifications import service
from fantasy.notifications.events import delivery_due

log = logging.getLogger(__name__)


def deliver(kind: str, payload: dict) -> int:
    count = service.deliver(kind, payload)
    log.info("notifications delivered", extra={"kind": kind, "count": count, "league_id": payload.get("league_id")})
    return count


def enqueue_delivery(kind: str, payload: dict, pipeline=None) -> None:
    """The `delivery_due` receiver: queue a delivery; into `pipeline` when given, which the caller executes."""
    enqueue(LOW, deliver, kind, payload, pipeline=pipeline)


def subscribe() -> None:
    delivery_due.connect(enqueue_delivery)
