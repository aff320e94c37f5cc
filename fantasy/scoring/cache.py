"""Standings cache in Redis, invalidated by version counters (never by scanning keys).

An entry's key carries the version of its league's ruleset scores and of the league's scored drafts;
re-scoring bumps the counters, so the next read misses and recomputes. Reads bypass the cache when Redis
is down; bumps do not (a scoring job must fail rather than leave a stale entry behind).
"""
import json
import logging

import redis
from flask import current_app

from fantasy.common.redis import get_redis

log = logging.getLogger(__name__)

RULESET_VERSION = "standings:v:ruleset:{}"
LEAGUE_VERSION = "standings:v:league:{}"
ENTRY = "standings:{}:{}:{}:{}"


def bump(ruleset_keys, league_ids) -> None:
    if not ruleset_keys and not league_ids:
        return
    with get_redis().pipeline() as pipe:
        for key in ruleset_keys:
            pipe.incr(RULESET_VERSION.format(key))
        for league_id in league_ids:
            pipe.incr(LEAGUE_VERSION.format(league_id))
        pipe.execute()


def entry_key(ruleset_key: str, league_id: int, scope: str) -> str | None:
    """The cache key for this league's standings now, or None when Redis cannot be read."""
    try:
        versions = get_redis().mget(RULESET_VERSION.format(ruleset_key), LEAGUE_VERSION.format(league_id))
    except redis.RedisError:
        log.warning("standings cache bypassed: redis unavailable")
        return None
    return ENTRY.format(league_id, scope, *(int(version or 0) for version in versions))


def get(key: str | None):
    if key is None:
        return None
    try:
        raw = get_redis().get(key)
    except redis.RedisError:
        return None
    return json.loads(raw) if raw else None


def put(key: str | None, value) -> None:
    if key is None:
        return
    try:
        get_redis().set(key, json.dumps(value), ex=current_app.config["STANDINGS_CACHE_SECONDS"])
    except redis.RedisError:
        log.warning("standings cache not written: redis unavailable")
