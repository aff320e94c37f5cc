"""The Server-Sent Events stream: a user's notifications and their leagues' picks, from Redis pub/sub.

Every web process subscribes its open streams to Redis, so an event published by any process (another
gunicorn worker, an RQ worker) reaches every stream. A stream ends after STREAM_SECONDS so long-lived
connections are recycled; EventSource reconnects on its own (with a new ticket).

A stream holds one of its gunicorn worker's threads for its whole life, so a process serves at most
EVENT_STREAMS_PER_PROCESS of them (fewer than GUNICORN_THREADS): the other threads always serve the API.
One stream more is a 503 with Retry-After, before the ticket is used, so the client retries with it.
The slot is given back when the server closes the response: at the stream's end, or at the first frame
or heartbeat that finds the client gone (within HEARTBEAT_SECONDS).
"""
import json
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app

from fantasy.common.redis import get_redis
from fantasy.errors import ServiceUnavailable

HEARTBEAT_SECONDS = 15
POLL_SECONDS = 1.0
SLOTS = "event_stream_slots"


def init_stream_slots(app: Flask) -> None:
    streams, threads = app.config["EVENT_STREAMS_PER_PROCESS"], app.config["GUNICORN_THREADS"]
    if not 0 <= streams < threads:
        raise RuntimeError(f"EVENT_STREAMS_PER_PROCESS ({streams}) must be from 0 to below GUNICORN_THREADS "
                           f"({threads}): every open stream holds a thread, and the API needs at least one")
    app.extensions[SLOTS] = threading.BoundedSemaphore(streams)


def take_slot() -> Callable[[], None]:
    """One of this process's stream slots, or 503; returns the function that gives it back (only its first
    call does: it is called from the stream's end and from the response's close, whichever runs)."""
    slots = current_app.extensions[SLOTS]
    if not slots.acquire(blocking=False):
        raise ServiceUnavailable("This server holds as many live streams as it can; retry shortly",
                                 headers={"Retry-After": "10"})
    once = threading.Lock()

    def release() -> None:
        if once.acquire(blocking=False):
            slots.release()

    return release


def frames(channels: list[str], user_id: int, release: Callable[[], None]):
    """Yield SSE frames until the stream's time is up; on exit the pub/sub connection is closed and the
    stream's slot released."""
    pubsub = get_redis().pubsub(ignore_subscribe_messages=True)
    deadline = time.monotonic() + current_app.config["EVENT_STREAM_SECONDS"]
    last_frame = time.monotonic()
    try:
        pubsub.subscribe(*channels)
        yield f"retry: 3000\nevent: ready\ndata: {json.dumps({'user_id': user_id})}\n\n"
        while time.monotonic() < deadline:
            # Short polls: subscribe confirmations also come back as None, and a heartbeat is only
            # due after HEARTBEAT_SECONDS of silence.
            message = pubsub.get_message(timeout=POLL_SECONDS)
            if message is not None:
                body = message["data"].decode() if isinstance(message["data"], bytes) else message["data"]
                kind = json.loads(body).get("type", "message")
                yield f"event: {kind}\ndata: {body}\n\n"
                last_frame = time.monotonic()
            elif time.monotonic() - last_frame >= HEARTBEAT_SECONDS:
                yield ": keep-alive\n\n"
                last_frame = time.monotonic()
    finally:
        try:
            pubsub.close()
        finally:
            release()
