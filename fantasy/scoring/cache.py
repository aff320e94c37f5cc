"""Standings cache in Redis: its keys and stamp on the version counters of fantasy/common/cache.py.

An entry (rows with team names, each as its JSON response text) records the ruleset it was computed
under, the versions of that ruleset's scores and of the league's scored drafts, and the league's creation
time and roster version (columns of the league row, the version bumped in the same transaction as a join,
leave or rename, so both come free with the access check). Re-scoring bumps the counters, so the next read
sees other versions and recomputes. A read fetches both counters and the entry in one round trip
(bench/README.md), in the round trip of the league access check when the caller's access snapshot is current
(scoring/standings.py).
"""
from flask import current_app

from fantasy.common import cache

# The version of a ruleset's stored scores (every race, drivers and constructors): the standings of the
# leagues playing it and the market's reads of its scores depend on it.
RULESET_VERSION = "scores:v:ruleset:{}"
LEAGUE_VERSION = "standings:v:league:{}"
ENTRY = "standings:{}:{}"
# Part of every stamp: entries written in an earlier form are misses, not errors (4: points as JSON numbers).
FORMAT = 4


def _version_keys(ruleset_keys, league_ids) -> list[str]:
    return [RULESET_VERSION.format(key) for key in ruleset_keys] + [LEAGUE_VERSION.format(id_) for id_ in league_ids]


def bump(ruleset_keys, league_ids) -> None:
    """These rulesets' scores, or these leagues' scored rounds, changed."""
    cache.bump(_version_keys(ruleset_keys, league_ids))


def keys(league_id: int, scope: str) -> list[str]:
    """The keys of an entry besides its ruleset's version, for a caller that reads them along with others."""
    return [LEAGUE_VERSION.format(league_id), ENTRY.format(league_id, scope)]


def read(ruleset_key: str, league_id: int, roster: list, scope: str, prefetched: list | None = None) -> cache.Entry:
    """The current entry in one round trip, or none when `prefetched` holds the values already (ruleset
    version, then the values of `keys`); its value (the rows) None on a miss or when Redis cannot be read.

    `roster` identifies the league's teams as of this read: its creation time (SQLite reuses the id of a
    deleted league, whose entries would otherwise match) and its roster version."""
    return cache.read(ENTRY.format(league_id, scope), _version_keys([ruleset_key], [league_id]),
                      [FORMAT, ruleset_key, *roster], prefetched)


def write(entry: cache.Entry) -> None:
    cache.write(entry, current_app.config["STANDINGS_CACHE_SECONDS"])
