"""A web process holds one Redis subscription for all its event streams, and checks all of them for
revocation with one MGET per tick (hub.py): the Redis cost of idle streams does not grow with their number."""
import time

import pytest

from streams import open_stream

pytestmark = pytest.mark.usefixtures("short_streams")


def mget_calls(redis) -> int:
    return redis.info("commandstats").get("cmdstat_mget", {}).get("calls", 0)


def test_four_streams_share_one_subscription_and_one_generation_read_per_tick(app, client, make_user, monkeypatch):
    from fantasy.common.redis import get_redis
    from fantasy.notifications import hub

    # Ticks 2.5 times as often, the reader's wait for a message shortened alike (a tick is due at most one such
    # wait late): the same count of ticks in 40 % of the time.
    monkeypatch.setattr(hub, "CHECK_SECONDS", hub.CHECK_SECONDS / 2.5)
    monkeypatch.setattr(hub, "POLL_SECONDS", hub.POLL_SECONDS / 2.5)
    CHECK_SECONDS = hub.CHECK_SECONDS
    listeners = [open_stream(app, client, make_user(f"streamer{number}")) for number in range(4)]
    with app.app_context():
        redis = get_redis()
        subscribed = [entry for entry in redis.client_list() if int(entry["sub"]) + int(entry["psub"]) > 0]
        assert len(subscribed) == 1
        time.sleep(2 * CHECK_SECONDS)  # each stream's first check reloads its rows (and reads its generations)
        before = mget_calls(redis)
        time.sleep(8 * CHECK_SECONDS)
        ticks = mget_calls(redis) - before
    assert 7 <= ticks <= 9  # one per tick, not one per stream and tick (32)
    assert all(listener.silent(0) for listener in listeners)
