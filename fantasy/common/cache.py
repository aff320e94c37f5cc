"""Read caches in Redis kept current by version counters (generations), never by scanning keys or by expiry.

An entry is stored with a stamp: the values of the version counters its data depends on, read *before* the
data was, plus whatever else identifies what it was computed from. A change bumps the counters it affects,
so the next read sees another stamp and recomputes; a writer that computed across a bump stores its entry
under the stamp it read, which costs a recompute but never serves stale data. The TTL only bounds memory.
A read fetches the counters and the entry in one round trip (or takes them from a caller that fetched them
with its own keys). Reads bypass the cache when Redis is down; bumps do not: a write must fail rather than
leave a stale entry behind a committed change (`commit_bumping`).

Users: the standings (scoring/cache.py) and the market's reads (market/reads.py).
"""
import json
import logging

import redis

from fantasy.common.redis import get_redis
from fantasy.extensions import db

log = logging.getLogger(__name__)


def bump(version_keys) -> None:
    """Increment these version counters, in one round trip."""
    if not version_keys:
        return
    with get_redis().pipeline() as pipe:
        for key in version_keys:
            pipe.incr(key)
        pipe.execute()


def commit_bumping(version_keys) -> None:
    """Commit the session's changes, bumping the counters before (Redis down: the change fails, nothing is
    committed) and after (a read between the two stored what it read before the commit under the new stamp)."""
    bump(version_keys)
    db.session.commit()
    bump(version_keys)


class Entry:
    """An entry as read from Redis: its value when still current, else None (to be computed and written)."""

    def __init__(self, key: str | None, stamp: list | None, value):
        self.key, self.stamp, self.value = key, stamp, value


def read(key: str, version_keys: list[str], identity: list = (), prefetched: list | None = None) -> Entry:
    """The entry `key` if its stamp (`identity`, then the counters' values) is current: the counters and the
    entry in one round trip, or none when `prefetched` holds their values already (the counters', then the
    entry's). Its value is None on a miss, or when Redis cannot be read (the entry is then not written)."""
    if prefetched is None:
        try:
            prefetched = get_redis().mget(*version_keys, key)
        except redis.RedisError:
            log.warning("cache bypassed: redis unavailable", extra={"key": key})
            return Entry(None, None, None)
    *versions, raw = prefetched
    stamp = [*identity, *(int(version or 0) for version in versions)]
    cached = json.loads(raw) if raw else None
    return Entry(key, stamp, cached["value"] if cached and cached.get("stamp") == stamp else None)


def write(entry: Entry, seconds: int) -> None:
    """Store the entry's value, computed after it was read, under the stamp read then."""
    if entry.key is None:
        return
    try:
        get_redis().set(entry.key, json.dumps({"stamp": entry.stamp, "value": entry.value}), ex=seconds)
    except redis.RedisError:
        log.warning("cache not written: redis unavailable", extra={"key": entry.key})
