"""Redis snapshots of the rows every authenticated read checks, so a cached read makes no PostgreSQL round trip.

PostgreSQL stays the source of truth; a snapshot is a copy that is only used while provably current.
Each guarded object (a user, a league) has a generation counter `gen` and a `pending` counter:

* **Writers** never touch snapshots. Any flush that inserts, updates or deletes a guarded row (a model
  registered with `guard`) increments the object's `gen` and `pending` before the transaction commits,
  and after the transaction ends (commit or rollback) increments `gen` again and releases `pending`.
  This happens in session events, so no write path can forget it.
* **Readers** fetch `gen` and the snapshot in one MGET. A snapshot is stored with the `gen` it was
  read under and counts only while `gen` is unchanged. On a miss the reader loads the row from
  PostgreSQL and stores it with a compare-and-set (a Lua script): only if `gen` is still what it read
  *before* loading and no write is pending.

Why this is safe: a reader that loaded a row before a writer's commit either sees `gen` moved by the
writer's second increment, or tries to store while the writer's `pending` is held, so an old row is
never stored as current. If the writer dies (or Redis fails) between its commit and its release,
`pending` expires after PENDING_SECONDS (longer than any of these transactions); until then readers
fall back to PostgreSQL. Snapshots also expire after SNAPSHOT_SECONDS, the bound on a change made
outside the ORM (SQL by hand). When Redis is down readers use PostgreSQL; a write of a guarded row
fails (503) instead of committing a change that a surviving snapshot could hide once Redis is back.

The keys assume one Redis (not a cluster): the Lua scripts take all their keys as KEYS though.
"""
import json
import logging

import redis
from flask import has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from fantasy.common.redis import get_redis

log = logging.getLogger(__name__)

GEN = "snap:{}:{}:gen"
PENDING = "snap:{}:{}:pending"
PENDING_SECONDS = 120
SNAPSHOT_SECONDS = 600
_BEGUN = "fantasy_snapshots_begun"

# kind -> id attribute, per guarded model
_GUARDS: dict[type, tuple[str, str]] = {}

_RELEASE = """
for i = 1, #KEYS, 2 do
  redis.call('INCR', KEYS[i])
  if redis.call('DECR', KEYS[i + 1]) <= 0 then redis.call('DEL', KEYS[i + 1]) end
end
"""
_READ = """
local values = redis.call('MGET', unpack(KEYS))
local followed = false
if ARGV[1] ~= '' and values[2] then
  local tagged = cjson.decode(values[2])
  if tagged[1] == (values[1] or '0') and type(tagged[2]) == 'table' and tagged[2][ARGV[1]] then
    followed = redis.call('GET', ARGV[2] .. tagged[2][ARGV[1]]) or '0'
  end
end
values[#values + 1] = followed
return values
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

    def __init__(self, kind: str, object_id: int, key: str, gen: bytes | None, raw: bytes | None):
        self.kind, self.object_id, self.key = kind, object_id, key
        self.gen = (gen or b"0").decode()
        tagged = json.loads(raw) if raw else None
        self.data = tagged[1] if tagged and tagged[0] == self.gen else None

    def store(self, data) -> None:
        """Keep `data` (loaded from PostgreSQL after this snapshot was read) unless a write intervened."""
        try:
            get_redis().eval(_STORE, 3, GEN.format(self.kind, self.object_id), PENDING.format(self.kind, self.object_id),
                             self.key, self.gen, json.dumps([self.gen, data]), SNAPSHOT_SECONDS)
        except redis.RedisError:
            log.warning("snapshot not stored: redis unavailable")


def read(kind: str, object_id: int, key: str, *extra_keys: str, follow: tuple[str, str] | None = None
         ) -> tuple[Snapshot, list, bytes | None]:
    """The snapshot `key` of object (`kind`, `object_id`) and the values of `extra_keys`, in one round trip.

    `follow` = (field, prefix) also reads the key prefix + the current snapshot's `field` in the same round
    trip (a Lua script; the followed key is not declared, which a single Redis allows): b"0" when that key
    does not exist, None when the snapshot is missing or out of date. Raises redis.RedisError: the caller decides how to do without Redis.
    """
    field, prefix = follow or ("", "")
    gen, raw, *extra, followed = get_redis().eval(_READ, 2 + len(extra_keys), GEN.format(kind, object_id), key,
                                                  *extra_keys, field, prefix)
    return Snapshot(kind, object_id, key, gen, raw), extra, followed


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
    return [key for kind, object_id in sorted(objects) for key in (GEN.format(kind, object_id), PENDING.format(kind, object_id))]


def _begin(session: Session, _flush_context) -> None:
    begun = session.info.setdefault(_BEGUN, set())
    new = _guarded(session) - begun
    if not new or not has_app_context():
        return
    with get_redis().pipeline(transaction=False) as pipe:
        for gen_key, pending_key in zip(*[iter(_keys(new))] * 2):
            pipe.incr(gen_key).incr(pending_key).expire(pending_key, PENDING_SECONDS)
        pipe.execute()  # a RedisError here fails the flush, so the transaction cannot commit
    begun |= new


def _release(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    begun = session.info.pop(_BEGUN, None)
    if not begun:
        return
    try:
        get_redis().eval(_RELEASE, 2 * len(begun), *_keys(begun))
    except redis.RedisError:  # the pending marks expire on their own: readers use PostgreSQL until then
        log.warning("snapshot generations not released: redis unavailable", extra={"objects": sorted(begun)})


def init_snapshots() -> None:
    if not event.contains(Session, "after_flush", _begin):
        event.listen(Session, "after_flush", _begin)
        event.listen(Session, "after_transaction_end", _release)
