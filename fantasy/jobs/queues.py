"""The three RQ queues, on the app's Redis connection."""
from rq import Queue

from fantasy.common.redis import get_redis

HIGH, DEFAULT, LOW = "high", "default", "low"
QUEUE_NAMES = (HIGH, DEFAULT, LOW)


def get_queue(name: str = DEFAULT) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis())
