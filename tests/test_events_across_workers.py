"""The event stream across processes: two clients on two gunicorn workers hear a pick made through a third;
a user's streams are capped across workers, and a dead worker's streams stop counting.

Each worker is its own gunicorn (one worker process each), so which process serves which client is
certain; the only path from the pick to the streams is Redis pub/sub.
"""
import os
import signal
import time

import pytest
import requests

from drafts_helpers import API, League, driver_id, race_id
from fantasy.notifications.stream import LEASE_SECONDS
from processes import serving, start_web, stop_all, wait_for
from streams import Reader

pytestmark = [pytest.mark.usefixtures("f1"), pytest.mark.slow]


@pytest.fixture
def servers(backing_urls, tmp_path):
    """Three gunicorn servers with one worker each, on the test's database and Redis."""
    urls, processes = zip(*(start_web(backing_urls, tmp_path / f"web{number}", WEB_CONCURRENCY="1")
                            for number in range(3)))
    for url in urls:
        assert wait_for(lambda url=url: serving(url), timeout=120)
    yield list(urls), list(processes)
    # The test is over and its streams with it: stop at once rather than wait out each graceful timeout.
    stop_all(processes, sig=signal.SIGQUIT)


def test_two_streams_on_two_workers_hear_a_pick_made_through_a_third(app, client, make_user, servers):
    servers, _ = servers
    league = League(client, make_user, size=3)
    round1 = race_id(app, 2023, 1)
    on_clock = league.open(round1).get_json()["on_the_clock"]
    listeners = [user for team, user in league.players.items() if team != on_clock]
    streams = [Reader(url, user["tokens"]["access_token"]) for url, user in zip(servers[:2], listeners)]
    for stream in streams:
        assert stream.events.get(timeout=60)[0] == "ready"

    hamilton = driver_id(app, "hamilton")
    picker = league.players[on_clock]["tokens"]["access_token"]
    response = requests.post(f"{servers[2]}{league.url(round1, '/picks')}", json={"driver_id": hamilton},
                             headers={"Authorization": f"Bearer {picker}"}, timeout=30)
    assert response.status_code == 201

    for stream in streams:
        kind, data = stream.events.get(timeout=60)
        assert kind == "pick" and data["league_id"] == league.id
        assert data["data"]["driver_id"] == hamilton and data["data"]["team_id"] == on_clock


def test_logout_all_through_another_worker_closes_the_stream_within_a_second(app, client, make_user, servers):
    servers, _ = servers
    league = League(client, make_user, size=3)
    round1 = race_id(app, 2023, 1)
    on_clock = league.open(round1).get_json()["on_the_clock"]
    member = next(user for team, user in league.players.items() if user is not league.owner and team != on_clock)
    stream = Reader(servers[0], member["tokens"]["access_token"])
    assert stream.events.get(timeout=60)[0] == "ready"

    response = requests.post(f"{servers[1]}{API}/auth/logout-all", headers=member["headers"], timeout=30)
    assert response.status_code == 204
    revoked = time.monotonic()
    picker = league.players[on_clock]["tokens"]["access_token"]
    assert requests.post(f"{servers[2]}{league.url(round1, '/picks')}", json={"driver_id": driver_id(app, "hamilton")},
                         headers={"Authorization": f"Bearer {picker}"}, timeout=30).status_code == 201
    assert stream.ended.wait(timeout=10)
    assert time.monotonic() - revoked < 1.5
    assert stream.heard(0.1) == [("closed", {"reason": "revoked"})]


def test_a_user_holds_three_streams_across_workers_and_the_fourth_is_refused(app, client, make_user, servers):
    servers, _ = servers
    league = League(client, make_user, size=2)
    round1 = race_id(app, 2023, 1)
    on_clock = league.open(round1).get_json()["on_the_clock"]
    member = next(user for user in league.players.values() if user is not league.owner)
    token = member["tokens"]["access_token"]
    mine = [Reader(servers[0], token), Reader(servers[0], token), Reader(servers[1], token)]
    assert [reader.response.status_code for reader in mine] == [200, 200, 200]

    fourth = Reader(servers[1], token)  # that server holds one stream: the cap is the user's, not the process's
    assert fourth.response.status_code == 429
    assert fourth.response.headers["Retry-After"] == str(LEASE_SECONDS)
    assert fourth.response.json()["code"] == 429 and fourth.response.json()["status"] == "Too Many Requests"
    owners = Reader(servers[1], league.owner["tokens"]["access_token"])  # another user is not affected
    assert owners.response.status_code == 200

    hamilton = driver_id(app, "hamilton")
    picker = league.players[on_clock]["tokens"]["access_token"]
    response = requests.post(f"{servers[2]}{league.url(round1, '/picks')}", json={"driver_id": hamilton},
                             headers={"Authorization": f"Bearer {picker}"}, timeout=30)
    assert response.status_code == 201
    for reader in [*mine, owners]:
        heard = reader.heard(3)
        assert [kind for kind, _ in heard] == ["ready", "pick"]
        assert heard[1][1]["data"]["driver_id"] == hamilton


def _worker_pid(master: int) -> int:
    with open(f"/proc/{master}/task/{master}/children") as children:
        return int(children.read().split()[0])


def test_a_dead_workers_streams_stop_counting_once_their_leases_expire(app, client, make_user, servers):
    servers, processes = servers
    user = make_user("streamer")
    token = user["tokens"]["access_token"]
    streams = [Reader(servers[0], token) for _ in range(3)]
    assert [reader.response.status_code for reader in streams] == [200, 200, 200]
    os.kill(_worker_pid(processes[0].pid), signal.SIGKILL)  # no code of the stream runs: no lease is given back
    killed = time.monotonic()
    assert Reader(servers[1], token).response.status_code == 429

    def reopened():
        reader = Reader(servers[1], token, follow=False)
        assert reader.response.status_code in (200, 429)
        return reader.response.status_code == 200

    assert wait_for(reopened, timeout=LEASE_SECONDS + 10, interval=1)
    assert time.monotonic() - killed < LEASE_SECONDS + 5
