"""The Server-Sent Events stream: a user's notifications and their leagues' picks, from Redis pub/sub.

Every web process subscribes its open streams to Redis, so an event published by any process (another
gunicorn worker, an RQ worker) reaches every stream. A stream ends after STREAM_SECONDS so long-lived
connections are recycled; EventSource reconnects on its own (with a new ticket).

A stream delivers only what its user may see now (audience.py): it re-checks at least every
CHECK_SECONDS and before every event, drops a league the user left or was removed from (a
`league_dropped` event), and closes (a `closed` event) when every session of the user ended or the
account was deactivated.

A stream holds one of its gunicorn worker's threads for its whole life, so a process serves at most
EVENT_STREAMS_PER_PROCESS of them (fewer than GUNICORN_THREADS): the other threads always serve the API.
One stream more is a 503 with Retry-After, before the ticket is used, so the client retries with it.
A user holds at most STREAMS_PER_USER streams across every process (one account must not take every
slot): leases in Redis that the stream renews, so a dead worker's streams count only until they expire.
One more is a 429 with Retry-After, also before the ticket is used.
The slots are given back when the server closes the response: at the stream's end, or at the first frame
or heartbeat that finds the client gone (within HEARTBEAT_SECONDS).
"""
import json
import logging
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
from fantasy.notifications.service import LEAGUE_CHANNEL

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15
# A revocation reaches an open stream within a second: this, plus one MGET (and a reload if it moved).
CHECK_SECONDS = 0.5
SLOTS = "event_stream_slots"
STREAMS_PER_USER = 3
STREAMS = "events:streams:user:{}"
# A stream renews its lease every RENEW_SECONDS; a dead worker's leases stop counting after LEASE_SECONDS.
LEASE_SECONDS = 15
RENEW_SECONDS = 5

# Drop expired leases, then add this one if there is room: 1, or 0 (no room).
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def init_stream_slots(app: Flask) -> None:
    streams, threads = app.config["EVENT_STREAMS_PER_PROCESS"], app.config["GUNICORN_THREADS"]
    if not 0 <= streams < threads:
        raise RuntimeError(f"EVENT_STREAMS_PER_PROCESS ({streams}) must be from 0 to below GUNICORN_THREADS "
                           f"({threads}): every open stream holds a thread, and the API needs at least one")
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
        now = time.time()  # the web processes' clocks must agree to well within LEASE_SECONDS
        if not get_redis().eval(_TAKE, 1, self.key, now, now + LEASE_SECONDS, self.id, STREAMS_PER_USER,
                                LEASE_SECONDS):
            raise TooManyRequests(f"You already have {STREAMS_PER_USER} open event streams; close one or retry "
                                  "after Retry-After", headers={"Retry-After": str(LEASE_SECONDS)})

    def renew(self) -> None:
        """Push the expiry on; a lease lost meanwhile (a stalled thread, an emptied Redis) is taken again."""
        with get_redis().pipeline(transaction=False) as pipe:
            pipe.zadd(self.key, {self.id: time.time() + LEASE_SECONDS}).expire(self.key, LEASE_SECONDS).execute()

    def release(self) -> None:
        try:
            get_redis().zrem(self.key, self.id)
        except redis.RedisError:  # it expires on its own
            log.warning("event stream lease not released: redis unavailable")


def open_stream(ticket: str) -> tuple[Audience, Lease, Callable[[], None]]:
    """What a stream needs before its first frame, or the refusal: 503 (no room in this process), 401
    (ticket or session no longer valid), 429 (the user's streams are all open). The ticket is spent only
    when the stream opens, so a refused one can be retried. Returns the function that frees the slot and
    the lease once."""
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
    return audience, lease, _once(lease.release, release_slot)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _frame(kind: str, data: str) -> str:
    return f"event: {kind}\ndata: {data}\n\n"


def frames(audience: Audience, lease: Lease, release: Callable[[], None]):
    """Yield SSE frames until the stream's time is up or its user may no longer stream; on exit the
    pub/sub connection is closed and the stream's slot and lease released."""
    pubsub = get_redis().pubsub(ignore_subscribe_messages=True)
    deadline = time.monotonic() + current_app.config["EVENT_STREAM_SECONDS"]
    last_frame = last_check = renewed = time.monotonic()
    try:
        pubsub.subscribe(*audience.channels())
        yield f"retry: 3000\n{_frame('ready', json.dumps({'user_id': audience.user_id}))}"
        while time.monotonic() < deadline:
            # Short polls: subscribe confirmations also come back as None, and a heartbeat is only
            # due after HEARTBEAT_SECONDS of silence.
            message = pubsub.get_message(timeout=CHECK_SECONDS)
            now = time.monotonic()
            # Before every event too: one published right after a revocation must not get through.
            if message is not None or now - last_check >= CHECK_SECONDS:
                dropped = audience.check()
                last_check = now
                if not audience.allowed:
                    yield _frame("closed", json.dumps({"reason": "revoked"}))
                    return
                if dropped:
                    pubsub.unsubscribe(*(LEAGUE_CHANNEL.format(league) for league in dropped))
                    for league in sorted(dropped):
                        yield _frame("league_dropped", json.dumps({"league_id": league}))
                    last_frame = now
            if now - renewed >= RENEW_SECONDS:
                lease.renew()
                renewed = now
            if message is not None and audience.hears(_text(message["channel"])):
                body = _text(message["data"])
                yield _frame(json.loads(body).get("type", "message"), body)
                last_frame = now
            elif now - last_frame >= HEARTBEAT_SECONDS:
                yield ": keep-alive\n\n"
                last_frame = now
    except redis.RedisError:  # the client reconnects, with a new ticket, once Redis is back
        log.warning("event stream closed: redis unavailable")
    finally:
        try:
            pubsub.close()
        finally:
            release()
