"""Many event streams on one box: 150 streams (far beyond the 8 a gthread box held) on the Procfile's web
process with its production settings (gevent, two workers), and every stream hears its league's pick
exactly once, and no other league's."""
import queue
import signal
import time

import pytest
import requests

from drafts_helpers import League, driver_id, race_id
from processes import serving, start_web, stop_all, wait_for
from streams import Reader

pytestmark = [pytest.mark.usefixtures("f1"), pytest.mark.slow]

LEAGUES, MEMBERS, STREAMS_PER_USER = 5, 10, 3


def picks(reader: Reader) -> list[dict]:
    """The picks the stream has received so far (without waiting)."""
    received = []
    while True:
        try:
            kind, data = reader.events.get_nowait()
        except queue.Empty:
            return received
        if kind == "pick":
            received.append(data)


@pytest.fixture
def server(backing_urls, tmp_path):
    # Warnings only: nothing reads the server's output pipe before it stops, and 300 access lines would fill it.
    url, process = start_web(backing_urls, tmp_path / "web", WEB_CONCURRENCY="2", EVENT_STREAM_SECONDS="60",
                             LOG_LEVEL="WARNING")
    assert wait_for(lambda: serving(url), timeout=120)
    yield url
    # The test is over and its 150 streams with it: stop at once rather than wait out the graceful timeout.
    stop_all([process], sig=signal.SIGQUIT)


def test_150_streams_on_one_box_each_hear_their_leagues_pick_exactly_once(app, client, make_user, server):
    round1 = race_id(app, 2023, 1)
    leagues = [League(client, make_user, size=MEMBERS, name=f"League {number}") for number in range(LEAGUES)]
    on_clock = {league.id: league.open(round1).get_json()["on_the_clock"] for league in leagues}
    streams = [(league, Reader(server, user["tokens"]["access_token"]))
               for league in leagues for user in league.players.values() for _ in range(STREAMS_PER_USER)]
    assert len(streams) == 150
    assert [reader.response.status_code for _, reader in streams] == [200] * 150
    for _, reader in streams:
        assert reader.events.get(timeout=60)[0] == "ready"

    hamilton = driver_id(app, "hamilton")
    for league in leagues:
        picker = league.players[on_clock[league.id]]["tokens"]["access_token"]
        response = requests.post(f"{server}{league.url(round1, '/picks')}", json={"driver_id": hamilton},
                                 headers={"Authorization": f"Bearer {picker}"}, timeout=30)
        assert response.status_code == 201

    heard: dict[int, list] = {index: [] for index in range(len(streams))}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(not events for events in heard.values()):
        for index, (_, reader) in enumerate(streams):
            heard[index] += picks(reader)
        time.sleep(0.1)
    time.sleep(1)  # a second copy of a pick would have arrived by now
    for index, (_, reader) in enumerate(streams):
        heard[index] += picks(reader)

    for index, (league, _) in enumerate(streams):
        assert [(data["league_id"], data["data"]["driver_id"], data["data"]["team_id"]) for data in heard[index]] == [
            (league.id, hamilton, on_clock[league.id])], f"stream {index}"
