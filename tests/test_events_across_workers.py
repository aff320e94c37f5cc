"""The event stream across processes: two clients on two gunicorn workers hear a pick made through a third.

Each worker is its own gunicorn (one worker process each), so which process serves which client is
certain; the only path from the pick to the streams is Redis pub/sub.
"""
import json
import queue
import socket
import threading

import pytest
import requests

from drafts_helpers import API, League, driver_id, f1, race_id  # noqa: F401  (f1 is a fixture)
from processes import process_env, start, stop, wait_for

pytestmark = pytest.mark.usefixtures("f1")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def servers(backing_urls, tmp_path):
    """Three gunicorn servers with one worker each, on the test's database and Redis."""
    urls, processes = [], []
    for number in range(3):
        port = free_port()
        env = process_env(backing_urls, tmp_path / f"web{number}", HOST="127.0.0.1", PORT=str(port),
                          WEB_CONCURRENCY="1")
        processes.append(start(env, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"))
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        assert wait_for(lambda url=url: _ready(url), timeout=120)
    yield urls
    for process in processes:
        stop(process)


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def listen(url: str, token: str, events: queue.Queue) -> threading.Thread:
    ticket = requests.post(f"{url}{API}/events/ticket", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert ticket.status_code == 201

    def read():
        with requests.get(f"{url}{API}/events", params={"ticket": ticket.json()["ticket"]}, stream=True,
                          timeout=120) as response:
            kind = None
            for line in response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    kind = line[len("event: "):]
                elif line.startswith("data: "):
                    events.put((kind, json.loads(line[len("data: "):])))
                    if kind == "pick":
                        return

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_two_streams_on_two_workers_hear_a_pick_made_through_a_third(app, client, make_user, servers):
    league = League(client, make_user, size=3)
    round1 = race_id(app, 2023, 1)
    on_clock = league.open(round1).get_json()["on_the_clock"]
    listeners = [user for team, user in league.players.items() if team != on_clock]
    streams = []
    for url, user in zip(servers[:2], listeners):
        events: queue.Queue = queue.Queue()
        streams.append((events, listen(url, user["tokens"]["access_token"], events)))
    for events, _ in streams:
        assert events.get(timeout=60)[0] == "ready"

    hamilton = driver_id(app, "hamilton")
    picker = league.players[on_clock]["tokens"]["access_token"]
    response = requests.post(f"{servers[2]}{league.url(round1, '/picks')}", json={"driver_id": hamilton},
                             headers={"Authorization": f"Bearer {picker}"}, timeout=30)
    assert response.status_code == 201

    for events, thread in streams:
        kind, data = events.get(timeout=60)
        assert kind == "pick" and data["league_id"] == league.id
        assert data["data"]["driver_id"] == hamilton and data["data"]["team_id"] == on_clock
        thread.join(timeout=30)
