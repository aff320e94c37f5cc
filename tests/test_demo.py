"""`flask demo seed`: demo users who can sign in and a replay league with its first rounds played, created once;
the rest of the season plays on through the API."""
import json
import stat
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import AuthActions
from drafts_helpers import API, race_id
from notifications_helpers import drain, inbox


@pytest.fixture
def instance(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path


def signed_in(client, credentials) -> dict[str, dict]:
    """Each demo user's headers, by username."""
    auth = AuthActions(client)
    return {
        user["username"]: {"Authorization": f"Bearer {auth.login(user['username'], user['password'])['access_token']}"}
        for user in credentials["users"]
    }


def team_points(client, league_id: int, headers: dict) -> dict[int, Decimal]:
    """Every team's season points summed from its per-round scores (the breakdown view)."""
    totals = {}
    for team in client.get(f"{API}/leagues/{league_id}/teams", headers=headers).get_json():
        rounds = client.get(f"{API}/teams/{team['id']}/scores", headers=headers).get_json()
        totals[team["id"]] = sum((Decimal(str(row["points"])) for row in rounds), Decimal(0))
    return totals


def standings(client, league_id: int, headers: dict) -> dict[int, Decimal]:
    rows = client.get(f"{API}/leagues/{league_id}/standings", headers=headers).get_json()
    return {row["team_id"]: Decimal(str(row["points"])) for row in rows}


def test_seed_plays_three_rounds_and_the_fourth_plays_through_the_api(app, client, runner, f1, instance):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    credentials = json.loads((instance / "demo-credentials.json").read_text())
    assert stat.S_IMODE((instance / "demo-credentials.json").stat().st_mode) == 0o600
    assert credentials["season"] == 2023 and credentials["rounds_played"] == [1, 2, 3]
    assert f"(season 2023, rounds 1-3 played) created; salary-cap demo league {credentials['salary_cap_league_id']}" \
        in first.output
    for user in credentials["users"]:
        assert f"{user['username']} / {user['password']}" in first.output
    drain(app)  # the worker delivers what the seed's events queued

    headers = signed_in(client, credentials)
    owner, alice = headers["demo_owner"], headers["demo_alice"]
    league_id = credentials["league_id"]
    league = client.get(f"{API}/leagues/{league_id}", headers=owner).get_json()
    assert (league["mode"], league["team_count"], league["my_role"]) == ("replay", 3, "owner")
    for round_ in (1, 2, 3):
        state = client.get(f"{API}/leagues/{league_id}/drafts/{race_id(app, 2023, round_)}", headers=owner).get_json()
        assert state["state"] == "scored" and len(state["picks"]) == 6  # 3 teams, 2 picks each
    for team in client.get(f"{API}/leagues/{league_id}/teams", headers=owner).get_json():
        rounds = client.get(f"{API}/teams/{team['id']}/scores", headers=owner).get_json()
        assert sorted(row["round"] for row in rounds) == [1, 2, 3]
        assert all(len(row["picks"]) == 2 and all(pick["breakdown"] for pick in row["picks"]) for row in rounds)
    after_three = standings(client, league_id, owner)
    assert len(after_three) == 3 and after_three == team_points(client, league_id, owner)
    assert sum(after_three.values()) > 0
    # Alice heard of Bob joining, and of each round's opening, her two turns, its last pick, its lock and its score.
    assert Counter(item["kind"] for item in inbox(client, {"headers": alice}) if item["league_id"] == league_id) == {
        "member_joined": 1, "draft_open": 3, "your_turn": 6, "draft_complete": 3, "draft_locked": 3, "race_scored": 3}

    # The salary-cap league: three rounds locked and scored, its standings the sum of each team's round breakdowns.
    cap_id = credentials["salary_cap_league_id"]
    cap = client.get(f"{API}/leagues/{cap_id}", headers=owner).get_json()
    assert (cap["format"], cap["mode"], cap["team_count"], cap["budget"]) == ("salary_cap", "replay", 3, 100.0)
    rounds = {team["id"]: client.get(f"{API}/teams/{team['id']}/rounds", headers=owner).get_json()
              for team in client.get(f"{API}/leagues/{cap_id}/teams", headers=owner).get_json()}
    assert all([row["round"] for row in played] == [1, 2, 3] for played in rounds.values())
    assert all(len(row["assets"]) == 7 for played in rounds.values() for row in played)
    assert {row["chip"] for played in rounds.values() for row in played} == {
        None, "extra_boost", "autopilot", "no_negative", "wildcard"}
    assert any(row["penalty"] > 0 for played in rounds.values() for row in played)
    assert standings(client, cap_id, owner) == {
        team: sum((Decimal(row["points"]) for row in played), Decimal(0)) for team, played in rounds.items()}
    heard = Counter(item["kind"] for item in inbox(client, {"headers": alice}) if item["league_id"] == cap_id)
    assert (heard["member_joined"], heard["lineup_locked"], heard["race_scored"]) == (1, 3, 3)
    assert heard["prices_changed"] >= 1

    # Round 4 (Baku, a sprint weekend) through the API, as a newcomer plays it.
    round4 = race_id(app, 2023, 4)
    url = f"{API}/leagues/{league_id}/drafts/{round4}"
    state = client.post(f"{url}/open", headers=owner).get_json()
    assert state["state"] == "open"
    team_users = {team["id"]: team["user_id"] for team in client.get(f"{API}/leagues/{league_id}/teams",
                                                                      headers=owner).get_json()}
    by_user_id = {client.get(f"{API}/users/me", headers=h).get_json()["id"]: h for h in headers.values()}
    while state["state"] == "open":
        picker = by_user_id[team_users[state["on_the_clock"]]]
        response = client.post(f"{url}/picks", json={"driver_id": state["available_driver_ids"][0]}, headers=picker)
        assert response.status_code == 201, response.get_json()
        state = client.get(url, headers=owner).get_json()
    assert client.post(f"{url}/lock", headers=owner).status_code == 200
    drain(app)  # the worker scores the round the lock queued
    assert client.get(url, headers=owner).get_json()["state"] == "scored"
    after_four = standings(client, league_id, owner)
    assert after_four == team_points(client, league_id, owner) and sum(after_four.values()) > sum(after_three.values())
    assert sum(item["kind"] == "race_scored" and item["league_id"] == league_id
               for item in inbox(client, {"headers": alice})) == 4

    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0 and "already present" in again.output
    assert credentials["users"][0]["password"] in again.output


def test_seed_without_f1_data_fails_clearly(app, runner, instance):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code != 0 and "flask f1 bootstrap" in result.output
    assert not Path(instance / "demo-credentials.json").exists()
