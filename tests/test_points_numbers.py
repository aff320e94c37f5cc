"""Points are JSON numbers (§11 "Numbers are JSON numbers"), read as raw JSON with their exact values: a draft
league's standings (computed, then from the cache), a team's scores, its race_scored notification and its custom
ruleset; a salary-cap team's round and standings. Bahrain 2023: Verstappen, Pérez, Alonso first to third."""
import json

import pytest

from drafts_helpers import API, League, race_id
from fantasy.scoring.service import score_race
from lineups_helpers import TEAM_A, lock, salary_league
from notifications_helpers import inbox, names, play

pytestmark = pytest.mark.usefixtures("f1")

# Halves, so a number that would print as a string ("12.50") or lose its half (12) shows.
HALVES = {"race_points": [12.5, 9, 7.5], "race_fastest_lap": 0.5}


def body(response):
    """The response's JSON as sent, its numbers as Python reads them (a decimal string stays a str)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


def floats(*values) -> bool:
    return all(type(value) is float for value in values)


def test_a_draft_league_s_points_and_custom_ruleset_are_json_numbers(app, client, make_user):
    league = League(client, make_user, size=3, name="Figures", picks_per_team=1, ruleset=HALVES)
    owner_team = next(team for team, user in league.players.items() if user is league.owner)
    owner = names(league)[owner_team]
    bahrain = play(app, league, 1, {owner: "max_verstappen", "Figures 1": "perez", "Figures 2": "alonso"})
    headers = league.owner["headers"]

    computed = body(client.get(f"{API}/leagues/{league.id}/standings", headers=headers))
    cached = body(client.get(f"{API}/leagues/{league.id}/standings", headers=headers))
    assert cached == computed
    assert [(row["team_name"], row["rank"], row["points"], row["best_pick"], row["race_wins"]) for row in cached] == [
        (owner, 1, 12.5, 12.5, 1), ("Figures 1", 2, 9.0, 9.0, 0), ("Figures 2", 3, 7.5, 7.5, 0)]
    assert floats(*(row[key] for row in cached for key in ("points", "best_pick")))

    [race] = body(client.get(f"{API}/teams/{owner_team}/scores", headers=headers))
    [pick] = race["picks"]
    assert (race["race_id"], race["points"], pick["driver_ref"], pick["points"], pick["breakdown"]) == (
        bahrain, 12.5, "max_verstappen", 12.5, {"race_position": 12.5})
    assert floats(race["points"], pick["points"], *pick["breakdown"].values())

    [note] = [item for item in inbox(client, league.owner) if item["kind"] == "race_scored"]
    data = note["data"]
    assert (data["round_points"], data["season_points"], data["rank"], data["previous_rank"]) == (12.5, 12.5, 1, None)
    assert floats(data["round_points"], data["season_points"])

    ruleset = body(client.get(f"{API}/leagues/{league.id}", headers=headers))["ruleset"]
    assert ruleset == {"race_points": [12.5, 9.0, 7.5], "race_fastest_lap": 0.5}
    assert floats(*ruleset["race_points"], ruleset["race_fastest_lap"])


def test_a_salary_cap_round_s_points_are_json_numbers(app, client, make_user):
    league, (team, *_others) = salary_league(client, make_user)
    round1 = race_id(app, 2023, 1)
    lock(app, league.id, round1, {team: TEAM_A})  # boost on Verstappen, 10 points of transfer penalty
    with app.app_context():
        score_race(round1)
    headers = league.owner["headers"]

    scored = body(client.get(f"{API}/teams/{team}/rounds/{round1}", headers=headers))
    assets = {asset["asset"]["ref"]: asset for asset in scored["assets"]}
    # Hand-checked in test_scoring_f1_fantasy.py / test_scoring_assets.py.
    assert {key: assets["max_verstappen"][key] for key in ("multiplier", "base_points", "points", "breakdown")} == {
        "multiplier": 2, "base_points": 35.0, "points": 70.0,
        "breakdown": {"qualifying_position": 10.0, "race_position": 25.0}}
    assert (assets["red_bull"]["points"], assets["red_bull"]["breakdown"]) == (
        72.0, {"qualifying_position": 19.0, "race_position": 43.0, "qualifying_bonus": 10.0})
    assert {ref: asset["points"] for ref, asset in assets.items()} == {
        "max_verstappen": 70.0, "perez": 27.0, "alonso": 23.0, "hamilton": 16.0, "stroll": 13.0, "red_bull": 72.0,
        "aston_martin": 46.0}
    assert (scored["penalty"], scored["points"]) == (10, 257.0)  # 267 less the penalty
    assert floats(scored["points"], *(asset[key] for asset in assets.values() for key in ("base_points", "points")),
                  *(value for asset in assets.values() for value in asset["breakdown"].values()))
    assert [(row["team_id"], row["points"]) for row in body(
        client.get(f"{API}/leagues/{league.id}/standings", headers=headers))][0] == (team, 257.0)
