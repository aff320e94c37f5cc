"""One Redis subscription per web process, fanned out to the process's open event streams (§9).

A stream costs a queue here, not a Redis connection: the hub's one pub/sub connection is subscribed to the
union of its streams' channels (a channel is subscribed while one stream hears it), and a single reader
(a thread under gthread, a greenlet under gevent) hands every message to the streams that hear its
channel. The reader alone touches the pub/sub connection, so subscriptions are asked for through it and a
stream starts (its `ready` frame) only once Redis confirmed its channels: no pick after `ready` is missed.

The work every stream would otherwise do against Redis is batched per process:
- the revocation check (audience.py): every CHECK_SECONDS one MGET of the generations of every stream,
  and one more before each message for the streams it goes to (one published right after a revocation
  must not get through); a stream whose generations moved reloads its rows itself;
- the lease renewals (stream.py): one pipeline every RENEW_SECONDS.
If Redis fails, every stream of the process is ended (the clients reconnect with new tickets) and the
next stream subscribes afresh.
"""
import logging
import queue
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable

import redis

log = logging.getLogger(__name__)

# A revocation reaches an open stream within a second: this, plus one MGET (and a reload if it moved).
CHECK_SECONDS = 0.5
# Every stream's lease is renewed this often (well within stream.LEASE_SECONDS).
RENEW_SECONDS = 5
# How long the reader waits for a message before it looks at subscription requests and the clock.
POLL_SECONDS = 0.05
# A stream whose channels Redis has not confirmed by then is ended (Redis is unreachable or stalled).
JOIN_SECONDS = 5
# What a stream finds in its inbox besides ("event", channel, body, moved).
CHECK, GONE = ("check",), ("gone",)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Subscriber:
    """One open stream as the hub sees it: what it watches, its lease, and its inbox."""

    def __init__(self, audience, lease):
        self.audience, self.lease = audience, lease
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.channels: set[str] = set()
        self.joined = threading.Event()
        self.check_pending = False  # one CHECK queued at a time, however slow the reload
        # When the stream last looked at its inbox (at least every RENEW_SECONDS while it runs): a stream
        # whose response is no longer being iterated keeps no lease alive.
        self.alive = time.monotonic()

    def moved(self, values: dict) -> bool:
        keys, seen = self.audience.watched()
        return [values.get(key) for key in keys] != seen


class Hub:
    def __init__(self, client: redis.Redis):
        self.client = client
        self.lock = threading.Lock()
        self.listeners: dict[str, set[Subscriber]] = defaultdict(set)
        self.confirmed: set[str] = set()
        # SUBSCRIBEs sent and not yet confirmed, per channel: a channel is confirmed by the answer to the
        # last one (an earlier answer may come from before an UNSUBSCRIBE that followed it).
        self.unanswered: Counter = Counter()
        self.waiting: list[Subscriber] = []
        self.requests: list[tuple[str, list[str]]] = []  # ("subscribe" | "unsubscribe", channels)
        self.pubsub = client.pubsub()
        threading.Thread(target=self._run, name="event-hub", daemon=True).start()

    # Called by the streams.
    def join(self, subscriber: Subscriber, channels: Iterable[str]) -> bool:
        """Register the stream for these channels; True once Redis confirmed them all (False: give up)."""
        with self.lock:
            subscriber.channels = set(channels)
            new = [channel for channel in subscriber.channels if not self.listeners[channel]]
            for channel in subscriber.channels:
                self.listeners[channel].add(subscriber)
            if new:
                self.requests.append(("subscribe", new))
            self.waiting.append(subscriber)
            self._confirm_waiting()
        return subscriber.joined.wait(JOIN_SECONDS)

    def drop(self, subscriber: Subscriber, channels: Iterable[str]) -> None:
        with self.lock:
            self._forget(subscriber, set(channels) & subscriber.channels)

    def leave(self, subscriber: Subscriber) -> None:
        with self.lock:
            self._forget(subscriber, subscriber.channels)
            if subscriber in self.waiting:
                self.waiting.remove(subscriber)

    def _forget(self, subscriber: Subscriber, channels: set[str]) -> None:
        subscriber.channels -= channels
        unheard = []
        for channel in channels:
            self.listeners[channel].discard(subscriber)
            if not self.listeners[channel]:
                del self.listeners[channel]
                unheard.append(channel)
        if unheard:
            self.requests.append(("unsubscribe", unheard))

    def _confirm_waiting(self) -> None:
        for subscriber in [one for one in self.waiting if one.channels <= self.confirmed]:
            self.waiting.remove(subscriber)
            subscriber.joined.set()

    # The reader.
    def _run(self) -> None:
        checked = renewed = time.monotonic()
        while True:
            try:
                self._apply_requests()
                message = self.pubsub.get_message(timeout=POLL_SECONDS)
                if message is not None:
                    self._handle(message)
                now = time.monotonic()
                if now - checked >= CHECK_SECONDS:
                    self._check_all()
                    checked = now
                if now - renewed >= RENEW_SECONDS:
                    self._renew_all()
                    renewed = now
            except Exception as error:  # noqa: BLE001 (the reader must outlive any failure)
                if isinstance(error, redis.RedisError):
                    log.warning("event streams closed: redis unavailable")
                else:
                    log.exception("event streams closed: the event hub failed")
                self._reset()
                time.sleep(POLL_SECONDS)

    def _apply_requests(self) -> None:
        with self.lock:
            requests, self.requests = self.requests, []
        for action, channels in requests:
            if action == "unsubscribe":
                with self.lock:  # a stream may have come back for it meanwhile
                    channels = [channel for channel in channels if channel not in self.listeners]
                    self.confirmed.difference_update(channels)
            else:
                with self.lock:
                    self.unanswered.update(channels)
            if channels:
                getattr(self.pubsub, action)(*channels)

    def _handle(self, message: dict) -> None:
        channel = _text(message["channel"])
        if message["type"] == "subscribe":
            with self.lock:
                self.unanswered[channel] -= 1
                if self.unanswered[channel] <= 0:
                    del self.unanswered[channel]
                    if channel in self.listeners:
                        self.confirmed.add(channel)
                        self._confirm_waiting()
        elif message["type"] == "message":
            with self.lock:
                listeners = list(self.listeners.get(channel, ()))
            if listeners:
                values = self._generations(listeners)
                body = _text(message["data"])
                for subscriber in listeners:
                    subscriber.inbox.put(("event", channel, body, subscriber.moved(values)))

    def _generations(self, subscribers: list[Subscriber]) -> dict:
        keys = sorted({key for subscriber in subscribers for key in subscriber.audience.watched()[0]})
        return dict(zip(keys, self.client.mget(keys))) if keys else {}

    def _subscribers(self) -> list[Subscriber]:
        with self.lock:
            return list({subscriber for listeners in self.listeners.values() for subscriber in listeners})

    def _check_all(self) -> None:
        subscribers = self._subscribers()
        values = self._generations(subscribers)
        for subscriber in subscribers:
            if not subscriber.check_pending and subscriber.moved(values):
                subscriber.check_pending = True
                subscriber.inbox.put(CHECK)

    def _renew_all(self) -> None:
        now = time.monotonic()
        subscribers = [one for one in self._subscribers() if now - one.alive < 2 * RENEW_SECONDS]
        if subscribers:
            with self.client.pipeline(transaction=False) as pipe:
                for subscriber in subscribers:
                    subscriber.lease.renew(pipe)
                pipe.execute()
            # A stream that ended meanwhile may have removed its lease before the renewal put it back: its
            # flag was set before its removal, so it is seen here and the lease removed again.
            ended = [subscriber.lease for subscriber in subscribers if subscriber.lease.released]
            if ended:
                with self.client.pipeline(transaction=False) as pipe:
                    for lease in ended:
                        pipe.zrem(lease.key, lease.id)
                    pipe.execute()

    def _reset(self) -> None:
        """End every stream of the process and start over with a fresh pub/sub connection."""
        with self.lock:
            ended = {subscriber for listeners in self.listeners.values() for subscriber in listeners}
            ended.update(self.waiting)
            self.listeners.clear()
            self.confirmed.clear()
            self.unanswered.clear()
            self.waiting.clear()
            self.requests.clear()
        for subscriber in ended:
            subscriber.channels = set()
            subscriber.inbox.put(GONE)
        try:
            self.pubsub.close()
        except redis.RedisError:
            pass
        self.pubsub = self.client.pubsub()


_hub_lock = threading.Lock()


def hub_of(extensions: dict, client: redis.Redis) -> Hub:
    """The process's hub, started by its first stream (after gunicorn forked the worker)."""
    with _hub_lock:
        if "event_hub" not in extensions:
            extensions["event_hub"] = Hub(client)
        return extensions["event_hub"]
