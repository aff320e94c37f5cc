"""End to end: a replay league plays two rounds with a real worker process, the real scheduler and Redis.

Round 1 starts with a pick clock that runs out (the scheduler moves the expiry job, the worker autopicks),
the other picks are made by hand, the manager locks, the worker scores; round 2 likewise by hand (with the
bundled season complete, the next round scores too: it once stayed `locked` for want of results). The
standings must then equal the official points of every team's picks: the `standard` ruleset.
"""
from decimal import Decimal

import pytest

from drafts_helpers import API, League, race_id
from processes import process_env, start, stop, wait_for
from scoring_helpers import official_points

pytestmark = [pytest.mark.usefixtures("f1"), pytest.mark.slow]


@pytest.fixture
def background(backing_urls, tmp_path):
    env = process_env(backing_urls, tmp_path / "instance")
    worker, scheduler = start(env, "worker.py", "worker"), start(env, "worker.py", "scheduler")
    yield
    outputs = [stop(worker), stop(scheduler)]
    print(*outputs, sep="\n")  # shown by pytest when the test fails
    assert all("Traceback" not in output for output in outputs), outputs


def pick_all(app, league: League, race: int) -> None:
    while (state := league.state(race))["state"] == "open":
        response = league.pick(race, state["available_driver_ids"][0])
        assert response.status_code in (201, 409), response.get_json()  # 409: the clock picked first


def test_replay_league_plays_two_rounds_with_worker_and_scheduler(app, client, make_user, background):
    league = League(client, make_user, size=3, pick_seconds=2)
    round1, round2 = race_id(app, 2023, 1), race_id(app, 2023, 2)

    opened = league.open(round1).get_json()
    first_team = opened["on_the_clock"]
    # Nobody picks: the pick clock's job, moved by the scheduler, autopicks for the first team.
    assert wait_for(lambda: league.state(round1)["current_pick"] == 2, timeout=90)
    [autopick] = league.state(round1)["picks"]
    assert autopick["autopicked"] and autopick["team_id"] == first_team
    pick_all(app, league, round1)
    assert league.lock(round1).status_code == 200
    assert wait_for(lambda: league.state(round1)["state"] == "scored", timeout=90)

    league.open(round2)
    pick_all(app, league, round2)
    assert league.lock(round2).status_code == 200
    assert wait_for(lambda: league.state(round2)["state"] == "scored", timeout=90)

    standings = client.get(f"{API}/leagues/{league.id}/standings", headers=league.owner["headers"]).get_json()
    expected = official_points(app, league.id)
    assert {row["team_id"]: Decimal(row["points"]) for row in standings} == expected
    assert sum(expected.values()) > 0
    assert [row["rank"] for row in standings] == sorted(row["rank"] for row in standings)
