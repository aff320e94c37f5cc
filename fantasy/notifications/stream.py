"""The Server-Sent Events stream: a user's notifications and their leagues' picks, from Redis pub/sub.

Each web process holds one pub/sub subscription for all its open streams and fans the messages out
(hub.py), so an event published by any process (another gunicorn worker, an RQ worker) reaches every
stream. A stream ends after EVENT_STREAM_SECONDS so long-lived connections are recycled; EventSource
reconnects on its own (with a new ticket).

A stream delivers only what its user may see now (audience.py): it is re-checked at least every
hub.CHECK_SECONDS and before every event, drops a league the user left or was removed from (a
`league_dropped` event), and closes (a `closed` event) when every session of the user ended or the
account was deactivated.

Under gunicorn's gevent worker (gunicorn.conf.py) a stream holds a connection and a greenlet, not a
thread, so a process serves up to EVENT_STREAMS_PER_PROCESS of them (fewer than
GUNICORN_WORKER_CONNECTIONS: the other connections always serve the API). One stream more is a 503 with
Retry-After, before the ticket is used, so the client retries with it.
A user holds at most STREAMS_PER_USER streams across every process (one account must not take every
slot): leases in Redis that the hub renews while the stream runs, so a dead worker's streams (or one whose
response is no longer iterated) count only until they expire.
One more is a 429 with Retry-After, also before the ticket is used.
The slots are given back when the server closes the response: at the stream's end, or at the first frame
or heartbeat that finds the client gone (within HEARTBEAT_SECONDS).
"""
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable

import redis
from flask import Flask, current_app

from fantasy.common.redis import get_redis
from fantasy.errors import ServiceUnavailable, TooManyRequests
from fantasy.notifications import tickets
from fantasy.notifications.audience import Audience
from fantasy.notifications.hub import CHECK, GONE, RENEW_SECONDS, Subscriber, hub_of
from fantasy.notifications.service import LEAGUE_CHANNEL

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15
SLOTS = "event_stream_slots"
STREAMS_PER_USER = 3
STREAMS = "events:streams:user:{}"
# The hub renews every open stream's lease; a dead worker's leases stop counting after LEASE_SECONDS.
LEASE_SECONDS = 15

# Drop expired leases, then add this one if there is room: 1, or 0 (no room).
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def init_stream_slots(app: Flask) -> None:
    streams, connections = app.config["EVENT_STREAMS_PER_PROCESS"], app.config["GUNICORN_WORKER_CONNECTIONS"]
    if not 0 <= streams < connections:
        raise RuntimeError(f"EVENT_STREAMS_PER_PROCESS ({streams}) must be from 0 to below "
                           f"GUNICORN_WORKER_CONNECTIONS ({connections}): every open stream holds a connection, "
                           "and the API needs some")
    app.extensions[SLOTS] = threading.BoundedSemaphore(streams)


def _once(*steps: Callable[[], None]) -> Callable[[], None]:
    """A function that runs `steps` on its first call only: it is called from the stream's end and from the
    response's close, whichever runs (a second release would free another stream's slot)."""
    once = threading.Lock()

    def release() -> None:
        if once.acquire(blocking=False):
            for step in steps:
                step()

    return release


def take_slot() -> Callable[[], None]:
    """One of this process's stream slots, or 503; returns the function that gives it back once."""
    slots = current_app.extensions[SLOTS]
    if not slots.acquire(blocking=False):
        raise ServiceUnavailable("This server holds as many live streams as it can; retry shortly",
                                 headers={"Retry-After": "10"})
    return _once(slots.release)


class Lease:
    """One of a user's STREAMS_PER_USER stream leases, shared by every process through Redis (a sorted set
    of lease ids scored by their expiry)."""

    def __init__(self, user_id: int):
        self.key, self.id = STREAMS.format(user_id), uuid.uuid4().hex
        self.released = False  # set before the lease is removed (the hub's renewal checks it after renewing)
        now = time.time()  # the web processes' clocks must agree to well within LEASE_SECONDS
        if not get_redis().eval(_TAKE, 1, self.key, now, now + LEASE_SECONDS, self.id, STREAMS_PER_USER,
                                LEASE_SECONDS):
            raise TooManyRequests(f"You already have {STREAMS_PER_USER} open event streams; close one or retry "
                                  "after Retry-After", headers={"Retry-After": str(LEASE_SECONDS)})

    def renew(self, pipe: redis.client.Pipeline) -> None:
        """Push the expiry on, in the hub's pipeline; a lease lost meanwhile (a stalled process, an emptied
        Redis) is taken again."""
        pipe.zadd(self.key, {self.id: time.time() + LEASE_SECONDS}).expire(self.key, LEASE_SECONDS)

    def release(self) -> None:
        self.released = True
        try:
            get_redis().zrem(self.key, self.id)
        except redis.RedisError:  # it expires on its own
            log.warning("event stream lease not released: redis unavailable")


def open_stream(ticket: str) -> tuple[Subscriber, Callable[[], None]]:
    """What a stream needs before its first frame, or the refusal: 503 (no room in this process), 401
    (ticket or session no longer valid), 429 (the user's streams are all open). The ticket is spent only
    when the stream opens, so a refused one can be retried. Returns the stream's place in the process's
    hub and the function that takes it out of the hub and frees the slot and the lease, once."""
    release_slot = take_slot()
    try:
        user_id, version = tickets.check(ticket)
        audience = Audience(user_id, version)
        lease = Lease(user_id)
        try:
            tickets.spend(ticket)
        except Exception:
            lease.release()
            raise
    except Exception:
        release_slot()
        raise
    hub = hub_of(current_app.extensions, get_redis())
    subscriber = Subscriber(audience, lease)
    # Out of the hub first: it renews the leases of the streams it holds.
    return subscriber, _once(lambda: hub.leave(subscriber), lease.release, release_slot)


def _frame(kind: str, data: str) -> str:
    return f"event: {kind}\ndata: {data}\n\n"


def frames(subscriber: Subscriber, release: Callable[[], None]):
    """Yield SSE frames until the stream's time is up or its user may no longer stream; on exit the
    stream leaves the process's hub and its slot and lease are released."""
    hub, audience = hub_of(current_app.extensions, get_redis()), subscriber.audience
    deadline = time.monotonic() + current_app.config["EVENT_STREAM_SECONDS"]
    try:
        if not hub.join(subscriber, audience.channels()):
            log.warning("event stream closed: redis did not confirm its subscription")
            return
        yield f"retry: 3000\n{_frame('ready', json.dumps({'user_id': audience.user_id}))}"
        last_frame = time.monotonic()
        while (now := time.monotonic()) < deadline:
            subscriber.alive = now
            try:
                item = subscriber.inbox.get(timeout=max(0.0, min(deadline, last_frame + HEARTBEAT_SECONDS,
                                                                 now + RENEW_SECONDS) - now))
            except queue.Empty:
                if time.monotonic() - last_frame >= HEARTBEAT_SECONDS:
                    yield ": keep-alive\n\n"
                    last_frame = time.monotonic()
                continue
            if item is GONE:
                return  # the hub lost Redis; the client reconnects, with a new ticket, once it is back
            if item is CHECK or item[3]:  # a generation moved: before an event too, so none passes a revocation
                subscriber.check_pending = False
                dropped = audience.reload()
                if not audience.allowed:
                    yield _frame("closed", json.dumps({"reason": "revoked"}))
                    return
                if dropped:
                    hub.drop(subscriber, (LEAGUE_CHANNEL.format(league) for league in dropped))
                    for league in sorted(dropped):
                        yield _frame("league_dropped", json.dumps({"league_id": league}))
                    last_frame = time.monotonic()
            if item is not CHECK and audience.hears(item[1]):
                yield _frame(json.loads(item[2]).get("type", "message"), item[2])
                last_frame = time.monotonic()
    except redis.RedisError:  # a reload failed; the client reconnects once Redis is back
        log.warning("event stream closed: redis unavailable")
    finally:
        release()
