"""Standings cache in Redis, invalidated by version counters (never by scanning keys).

An entry (rows with team names, each as its JSON response text) records the ruleset it was computed
under, the versions of that ruleset's scores and of the league's scored drafts, and the league's creation
time and roster version (columns of the league row, the version bumped in the same transaction as a join,
leave or rename, so both come free with the access check). Re-scoring bumps the counters, so the next read
sees other versions and recomputes. A read fetches both counters and the entry in one round trip
(bench/README.md), in the round trip of the league access check when the caller's access snapshot is
current (scoring/standings.py).
Reads bypass the cache when Redis is down; bumps do not (a scoring job must fail rather than leave a
stale entry).
"""
import json
import logging

import redis
from flask import current_app

from fantasy.common.redis import get_redis

log = logging.getLogger(__name__)

RULESET_VERSION = "standings:v:ruleset:{}"
LEAGUE_VERSION = "standings:v:league:{}"
ENTRY = "standings:{}:{}"
# Part of every stamp: entries written in an earlier form (rows as objects: 1) are misses, not errors.
FORMAT = 2


def bump(ruleset_keys, league_ids) -> None:
    if not ruleset_keys and not league_ids:
        return
    with get_redis().pipeline() as pipe:
        for key in ruleset_keys:
            pipe.incr(RULESET_VERSION.format(key))
        for league_id in league_ids:
            pipe.incr(LEAGUE_VERSION.format(league_id))
        pipe.execute()


class Entry:
    """One league's standings (season or one race) as read from Redis: the rows when still current."""

    def __init__(self, key: str | None, stamp: list | None, rows):
        self.key, self.stamp, self.rows = key, stamp, rows


def keys(league_id: int, scope: str) -> list[str]:
    """The keys of an entry besides its ruleset's version, for a caller that reads them along with others."""
    return [LEAGUE_VERSION.format(league_id), ENTRY.format(league_id, scope)]


def read(ruleset_key: str, league_id: int, roster: list, scope: str, prefetched: list | None = None) -> Entry:
    """The current entry in one round trip, or none when `prefetched` holds the values already (ruleset
    version, then the values of `keys`); rows None on a miss (or when Redis cannot be read).

    `roster` identifies the league's teams as of this read: its creation time (SQLite reuses the id of a
    deleted league, whose entries would otherwise match) and its roster version."""
    key = ENTRY.format(league_id, scope)
    if prefetched is None:
        try:
            prefetched = get_redis().mget(RULESET_VERSION.format(ruleset_key), *keys(league_id, scope))
        except redis.RedisError:
            log.warning("standings cache bypassed: redis unavailable")
            return Entry(None, None, None)
    ruleset_version, league_version, raw = prefetched
    stamp = [FORMAT, ruleset_key, int(ruleset_version or 0), int(league_version or 0), *roster]
    cached = json.loads(raw) if raw else None
    rows = cached["rows"] if cached and cached.get("stamp") == stamp else None
    return Entry(key, stamp, rows)


def write(entry: Entry) -> None:
    """Store the entry's rows, computed after it was read, under the versions read then: a bump meanwhile
    makes the next read miss, so a slow writer can cost a recompute but never serve stale standings."""
    if entry.key is None:
        return
    try:
        get_redis().set(entry.key, json.dumps({"stamp": entry.stamp, "rows": entry.rows}),
                        ex=current_app.config["STANDINGS_CACHE_SECONDS"])
    except redis.RedisError:
        log.warning("standings cache not written: redis unavailable")
