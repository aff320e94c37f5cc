"""Redis snapshots of the rows every authenticated read checks, so a cached read makes no PostgreSQL round trip.

PostgreSQL stays the source of truth; a snapshot is a copy that is only used while provably current.
Each guarded object (a user, a league) has a generation counter `gen` and a `pending` counter:

* **Writers** never touch snapshots. Any flush that inserts, updates or deletes a guarded row (a model
  registered with `guard`) increments the object's `gen` and `pending` before the transaction commits,
  and after the transaction ends (commit or rollback) increments `gen` again and releases `pending`.
  This happens in session events, so no unit-of-work write can forget it; a bulk UPDATE or DELETE of a
  guarded model through the ORM raises instead (it would bypass the flush).
* **Readers** fetch `gen` and the snapshot in one round trip (a Lua call, which can also follow a key
  named by a field of the snapshot; one call can carry several reads, as the token check carries the read a
  route asked for ahead). A snapshot is stored with the `gen` it was read under and counts
  only while `gen` is unchanged. On a miss the reader loads the row from the database and stores it with
  a compare-and-set (Lua): only if `gen` is still what it read *before* loading and no write is pending,
  and only if that load sees everything committed before it started: no transaction was open yet, or the
  database runs at READ COMMITTED (PostgreSQL: each statement reads what was committed when it began;
  the loads refresh rows already in the session). A SQLite read transaction keeps the view of its first
  statement, which could be older than the `gen` read: such a fill is left to the next request.

Why this is safe: a reader that loaded a row before a writer's commit either sees `gen` moved by the
writer's second increment, or tries to store while the writer's `pending` is held, so an old row is
never stored as current. If the writer dies (or Redis fails) between its commit and its release,
`pending` expires after PENDING_SECONDS (longer than any of these transactions; concurrent writers share
it, so it is a bound, not a lock); until then readers use the database.

What Redis failures can cost: snapshots expire after SNAPSHOT_SECONDS, which bounds every case where a
snapshot could outlive a change. When Redis is down, readers use the database and writes go ahead (an
admin must be able to deactivate an account during an outage); only a snapshot stored in the last
SNAPSHOT_SECONDS before the outage could then be served after Redis returns, for the rest of its minute.
The same bound covers a change made by hand in SQL and a Redis restored from an older backup (operators
delete `snap:*` after a restore; Redis must not evict keys: `maxmemory-policy noeviction`, as RQ needs).

The keys assume one Redis (not a cluster): the read script follows a key it does not declare.
"""
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import redis
from flask import g, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from fantasy.common.redis import get_redis
from fantasy.extensions import db

log = logging.getLogger(__name__)

GEN = "snap:{}:{}:gen"
PENDING = "snap:{}:{}:pending"
PENDING_SECONDS = 120
SNAPSHOT_SECONDS = 60
# A generation unused this long is dropped (reads as 0): every snapshot tagged with it expired long ago.
GEN_SECONDS = 86400
_BEGUN = "fantasy_snapshots_begun"

# kind -> id attribute, per guarded model
_GUARDS: dict[type, tuple[str, str]] = {}

_RELEASE = """
for i = 1, #KEYS, 2 do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
  if redis.call('DECR', KEYS[i + 1]) <= 0 then redis.call('DEL', KEYS[i + 1]) end
end
"""
# KEYS: per read, its object's generation, its snapshot and its extra keys; ARGV: per read, how many keys it has
# and the field and prefix it follows ('' for none). Each read's values come back followed by its followed value.
_READ = """
local values = redis.call('MGET', unpack(KEYS))
local out, first = {}, 1
for a = 1, #ARGV, 3 do
  local count, field = tonumber(ARGV[a]), ARGV[a + 1]
  local followed = false
  if field ~= '' and values[first + 1] then
    local ok, tagged = pcall(cjson.decode, values[first + 1])
    if ok and type(tagged) == 'table' and tagged[1] == (values[first] or '0') and type(tagged[2]) == 'table' then
      local named = tagged[2][field]
      if type(named) == 'string' or type(named) == 'number' then  -- anything else: malformed, nothing followed
        followed = redis.call('GET', ARGV[a + 2] .. named) or '0'
      end
    end
  end
  for i = first, first + count - 1 do out[#out + 1] = values[i] end
  out[#out + 1] = followed
  first = first + count
end
return out
"""
_STORE = """
if (redis.call('GET', KEYS[1]) or '0') == ARGV[1] and not redis.call('GET', KEYS[2]) then
  redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[3])
end
"""


def guard(model: type, kind: str, id_attribute: str) -> None:
    """Writes of `model` rows invalidate the snapshots of object (`kind`, row.`id_attribute`)."""
    _GUARDS[model] = (kind, id_attribute)


class Snapshot:
    """One snapshot as read: its data when current, else None; `store` fills it after a miss."""

    def __init__(self, kind: str, object_id: int, key: str, gen: bytes | None, raw: bytes | None, storable: bool):
        self.kind, self.object_id, self.key, self.storable = kind, object_id, key, storable
        self.gen = (gen or b"0").decode()
        try:
            tagged = json.loads(raw) if raw else None
            self.data = tagged[1] if tagged[0] == self.gen else None
        except (TypeError, ValueError, LookupError):  # missing or malformed: a miss
            self.data = None

    def store(self, data) -> None:
        """Keep `data` (loaded from the database after this snapshot was read) unless a write intervened."""
        if not self.storable:
            return
        try:
            get_redis().eval(_STORE, 3, GEN.format(self.kind, self.object_id),
                             PENDING.format(self.kind, self.object_id), self.key, self.gen,
                             json.dumps([self.gen, data]), SNAPSHOT_SECONDS)
        except redis.RedisError:
            log.warning("snapshot not stored: redis unavailable")


@dataclass(frozen=True)
class Read:
    """One read: the snapshot `key` of object (`kind`, `object_id`), the values of `extra_keys` and, with
    `follow` = (field, prefix), the key prefix + the current snapshot's `field` (b"0" when that key does not
    exist; None when the snapshot is missing or out of date)."""

    kind: str
    object_id: int
    key: str
    extra_keys: tuple[str, ...] = ()
    follow: tuple[str, str] | None = None


_AHEAD = "snapshots_ahead"      # g: the read a route will make, as a function of the token's user id
_READ_AHEAD = "snapshots_read"  # g: (that Read, its result), made in the round trip of the token check


def ahead(read_for: Callable[[int], Read]) -> None:
    """Ask, before the request's token is checked, for the read `read_for(user id)` to be made in the token
    check's round trip (auth/tokens.py reads with `ahead_for`): a cached read then costs one round trip, not two.

    The result is kept for this request and handed to the first `read` of exactly that Read (any other read
    drops it, and so does a flush of any guarded row in this request), so a wrong guess costs a few keys, never
    a wrong answer; it is a read made a moment earlier (a change committed by another request in between is
    seen by the next request, as with any read), and a snapshot stored after it uses the generation it read,
    as any read's does: a fill is safe when its load sees everything committed before that generation was read.
    """
    setattr(g, _AHEAD, read_for)


def read(spec: Read, *, ahead_for: int | None = None) -> tuple[Snapshot, list, bytes | None]:
    """`spec` in one round trip: (its snapshot, the values of its extra keys, the followed value).

    With `ahead_for` (a user id), the read asked for by `ahead`, if any, is made in the same round trip.
    Raises redis.RedisError: the caller decides how to do without Redis.
    """
    made = g.pop(_READ_AHEAD, None)
    if made is not None and made[0] == spec:
        return made[1]
    read_for = g.pop(_AHEAD, None) if ahead_for is not None else None
    specs = [spec] if read_for is None else [spec, read_for(ahead_for)]
    # No session yet means no transaction yet: a cached read sets none up just to ask (bench/README.md §3).
    storable = not db.session.registry.has() or _reads_committed(db.session())
    keys, layout = [], []  # layout: per read, its key count and what it follows (the script's ARGV)
    for one in specs:
        keys += [GEN.format(one.kind, one.object_id), one.key, *one.extra_keys]
        layout += [2 + len(one.extra_keys), *(one.follow or ("", ""))]
    values = get_redis().eval(_READ, len(keys), *keys, *layout)
    results, first = [], 0
    for one in specs:
        gen, raw, *extra = values[first:first + 2 + len(one.extra_keys)]
        first += 2 + len(one.extra_keys)
        results.append((Snapshot(one.kind, one.object_id, one.key, gen, raw, storable), extra, values[first]))
        first += 1
    if len(results) == 2:
        setattr(g, _READ_AHEAD, (specs[1], results[1]))
    return results[0]


def _reads_committed(session: Session) -> bool:
    """Whether a load in this session sees everything committed before it starts (see the module's docstring)."""
    return not session.in_transaction() or session.get_bind().dialect.default_isolation_level == "READ COMMITTED"


def clear(client: redis.Redis) -> None:
    """Delete every snapshot and counter: for a Redis that restarts from data older than the database (the
    embedded one of `make run`, a restored backup), whose snapshots could otherwise match their counters."""
    keys = list(client.scan_iter("snap:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start:start + 1000])


def _guarded(session: Session) -> set[tuple[str, int]]:
    touched = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        spec = _GUARDS.get(type(obj))
        if spec is None:
            continue
        kind, attribute = spec
        object_id = inspect(obj).dict.get(attribute)
        if object_id is not None:
            touched.add((kind, object_id))
    return touched


def _keys(objects) -> list[str]:
    """The generation and pending keys of each object, in pairs."""
    return [key for kind, object_id in sorted(objects)
            for key in (GEN.format(kind, object_id), PENDING.format(kind, object_id))]


def _begin(session: Session, _flush_context) -> None:
    touched = _guarded(session)
    if not touched or not has_app_context():
        return
    g.pop(_READ_AHEAD, None)  # a read made ahead is from before this write: the route reads again
    begun = session.info.setdefault(_BEGUN, set())
    new = touched - begun
    if not new:
        return
    begun |= new  # released after the transaction even if this fails: that increment still invalidates
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            for gen_key, pending_key in zip(*[iter(_keys(new))] * 2):
                pipe.incr(gen_key).expire(gen_key, GEN_SECONDS).incr(pending_key).expire(pending_key, PENDING_SECONDS)
            pipe.execute()
    except redis.RedisError:
        log.warning("snapshot generations not moved before commit: redis unavailable", extra={"objects": sorted(new)})


def _release(session: Session, transaction) -> None:
    if transaction.parent is not None or not has_app_context():
        return
    begun = session.info.pop(_BEGUN, None)
    if not begun:
        return
    try:
        get_redis().eval(_RELEASE, 2 * len(begun), *_keys(begun), GEN_SECONDS)
    except redis.RedisError:  # the pending marks expire on their own: readers use the database until then
        log.warning("snapshot generations not released: redis unavailable", extra={"objects": sorted(begun)})


def _refuse_bulk_writes(state) -> None:
    """A bulk UPDATE/DELETE through the ORM skips the flush that moves generations: not for guarded rows."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None and state.bind_mapper.class_ in _GUARDS:
        raise RuntimeError(f"bulk write of {state.bind_mapper.class_.__name__} rows would bypass their snapshots:"
                           " change them through the session")


def init_snapshots() -> None:
    if not event.contains(Session, "after_flush", _begin):
        event.listen(Session, "after_flush", _begin)
        event.listen(Session, "after_transaction_end", _release)
        event.listen(Session, "do_orm_execute", _refuse_bulk_writes)
