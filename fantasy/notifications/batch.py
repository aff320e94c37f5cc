"""The per-pick deliveries (a pick's autopicked notice and the your_turn it carries, a turn on its own) wait in
one Redis list and are stored by a drain job a batch at a time (§12: a draft night makes hundreds of picks per
second; one job per pick costs a forked work horse each).

The invariant: every item pushed has a drain job that starts taking after the push, and at most one drain
job waits to start. DRAIN_FLAG means "a drain job is queued and has not taken yet":
- `push` appends the item and sets the flag if absent (SET NX) in the caller's pipeline, in one MULTI; the
  pusher that set it queues a drain job. One that found it set leaves the item to the drain that set it,
  which has not taken yet: the flag is cleared only by `take`, atomically with its pop.
- `take` (a Lua script) clears the flag and moves up to a batch of items into the drain job's own processing
  list in one step: an item pushed after that finds no flag and queues the next drain.
- a drain that leaves items behind (more than a batch) queues another one itself (`finish`, then `claim`).
A flag whose pusher failed to queue the job (Redis lost in between) lapses after FLAG_SECONDS, and the
minute's sweep (jobs/notifications.py) queues a drain for items nobody drains.

Not lost, not doubled: the items a drain took stay in its processing list (keyed by the RQ job id, which its
retry keeps) until their notifications are committed; a retry stores those first, and the rows' delivery keys
(each item's token, service.deliver_picks) make a second store of a committed batch store nothing. A drain
that will not run again (failed for good, its record gone) leaves its list to the sweep, which puts the items
back (`holders`, `give_back`).

Never stuck: an item that cannot be stored (written by another version of the code, refused by the database)
would fail its whole batch on every retry and, given back by the sweep, every drain after it. A batch whose
store fails for such a reason is stored item by item instead (jobs/notifications.py), and an item that fails
alone, or cannot be read, is set aside in DEAD (the newest DEAD_KEPT, for an engineer to read) with an
error in the log."""
import json

from fantasy.common.redis import get_redis

BATCHED_KINDS = ("pick", "your_turn")
PENDING = "notifications:picks"
DRAIN_FLAG = "notifications:picks:drain"
PROCESSING = "notifications:picks:processing:{}"
# The ids of the drain jobs holding a processing list (the sweep's index of them).
HOLDERS = "notifications:picks:holders"
# Items no drain could store, newest last.
DEAD = "notifications:picks:dead"
DEAD_KEPT = 1000
# Well past a busy low queue's wait: a second drain queued meanwhile is harmless (both take atomically).
FLAG_SECONDS = 120

# KEYS: pending, flag, this job's processing list, holders; ARGV: batch size, job id. A retry's own items first.
_TAKE = """
local held = redis.call('LRANGE', KEYS[3], 0, -1)
if #held > 0 then return held end
redis.call('DEL', KEYS[2])
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return items end
redis.call('LTRIM', KEYS[1], #items, -1)
for _, item in ipairs(items) do redis.call('RPUSH', KEYS[3], item) end
redis.call('SADD', KEYS[4], ARGV[2])
return items
"""
# KEYS: pending, the processing list, holders; ARGV: job id. Back at the head, in their order.
_GIVE_BACK = """
local items = redis.call('LRANGE', KEYS[2], 0, -1)
for index = #items, 1, -1 do redis.call('LPUSH', KEYS[1], items[index]) end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return #items
"""


def push(pipe, kind: str, payload: dict) -> int:
    """Into `pipe` (a MULTI the caller executes): the item, and the flag set if absent. Returns the index of
    the result that is true when this pusher set the flag and must queue a drain job."""
    pipe.rpush(PENDING, json.dumps({"kind": kind, "payload": payload}))
    pipe.set(DRAIN_FLAG, 1, nx=True, ex=FLAG_SECONDS)
    return len(pipe.command_stack) - 1


def claim() -> bool:
    """Set the flag if absent: True when the caller must queue a drain job."""
    return bool(get_redis().set(DRAIN_FLAG, 1, nx=True, ex=FLAG_SECONDS))


def take(job_id: str, size: int) -> list[tuple[str, dict]]:
    """The drain job's batch: the items its processing list holds (a retry), else up to `size` pending ones,
    moved there with the flag cleared, in one step. An item that cannot be read is set aside (`bury`)."""
    redis = get_redis()
    batch = []
    for raw in redis.eval(_TAKE, 4, PENDING, DRAIN_FLAG, PROCESSING.format(job_id), HOLDERS, size, job_id):
        try:
            item = json.loads(raw)
            batch.append((item["kind"], item["payload"]))
        except (ValueError, TypeError, KeyError):
            bury(raw)
    return batch


def bury(item) -> None:
    """Set aside an item no drain can store: a (kind, payload) pair, or the raw text that could not be read."""
    text = item if isinstance(item, (str, bytes)) else json.dumps({"kind": item[0], "payload": item[1]})
    with get_redis().pipeline() as pipe:
        pipe.rpush(DEAD, text)
        pipe.ltrim(DEAD, -DEAD_KEPT, -1)
        pipe.execute()


def finish(job_id: str) -> int:
    """The batch is stored: drop the drain job's processing list; how many items are pending."""
    with get_redis().pipeline() as pipe:
        pipe.delete(PROCESSING.format(job_id))
        pipe.srem(HOLDERS, job_id)
        pipe.llen(PENDING)
        return pipe.execute()[-1]


def pending() -> int:
    return get_redis().llen(PENDING)


def holders() -> list[str]:
    """The ids of the drain jobs holding items (running, waiting for a retry, or dead)."""
    return sorted(job_id.decode() for job_id in get_redis().smembers(HOLDERS))


def give_back(job_id: str) -> int:
    """A dead drain's items back at the head of the pending list; how many."""
    return get_redis().eval(_GIVE_BACK, 3, PENDING, PROCESSING.format(job_id), HOLDERS, job_id)
