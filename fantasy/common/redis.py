"""The app's Redis connection, created from REDIS_URL when the app starts, and the app's Redis locks."""
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from flask import current_app
from redis.exceptions import LockError, LockNotOwnedError

log = logging.getLogger(__name__)


def init_redis(app) -> None:
    app.extensions["redis"] = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
    )


def get_redis() -> redis.Redis:
    """The current app's Redis client (one connection pool per app)."""
    return current_app.extensions["redis"]


@contextmanager
def redis_lock(name: str, *, timeout: float, wait: float | None = None) -> Iterator[bool]:
    """Hold the Redis lock `name` for the block (it lapses after `timeout` seconds if its holder dies).

    `wait` seconds at most for a lock held elsewhere, then LockError (a job raising it is retried); `wait=0`
    does not wait and gives the block False instead. A lock lost while held (it expired, or Redis was
    flushed or restarted under it) is logged, not raised: the block's work is done, and every job that
    holds one of these locks is idempotent."""
    lock = get_redis().lock(name, timeout=timeout)
    acquired = lock.acquire(blocking=wait != 0, blocking_timeout=wait or None)
    if not acquired and wait != 0:
        raise LockError(f"Unable to acquire lock {name} within {wait} s")
    try:
        yield acquired
    finally:
        if acquired:
            try:
                lock.release()
            except LockNotOwnedError:
                log.warning("redis_lock_lost name=%s timeout=%s", name, timeout)
