"""Salary-cap scoring (§13): locked lineups score their assets' stored f1_fantasy_2025 points with the boost,
chips and the transfer penalty; standings and round breakdowns are derived from them and cached like a draft
league's; score_race scores the race's constructors for them, marks the rounds scored, and corrections re-score
and announce once whichever job stores them.

Lineups are written here as h6's lock writes them (tests/test_e2e_salary_cap.py plays them through the API).
"""
from decimal import Decimal

import pytest
from sqlalchemy import select

from drafts_helpers import API, League, driver_id, race_id
from fantasy.extensions import db
from fantasy.f1data.models import Constructor, Driver, SessionKind
from fantasy.market import service as market
from fantasy.scoring import events
from fantasy.scoring.models import AssetScore
from fantasy.scoring.service import score_race
from lineups_helpers import TEAM_A, TEAM_B, TEAM_C, lock, salary_league
from scoring_helpers import correct, standings

pytestmark = pytest.mark.usefixtures("f1")
D = Decimal

# Round 1 (Bahrain 2023) and round 2 (Saudi Arabia) lineups of three teams, by upstream refs.
@pytest.fixture
def signals():
    heard = []

    def scored(race_id, league_ids, **_):
        heard.append(("race_scored", race_id, league_ids))

    def corrected(race_id, league_ids, **_):
        heard.append(("scores_corrected", race_id, league_ids))

    events.race_scored.connect(scored)
    events.scores_corrected.connect(corrected)
    yield heard
    events.race_scored.disconnect(scored)
    events.scores_corrected.disconnect(corrected)


def score(app, race: int) -> dict:
    with app.app_context():
        return score_race(race)


def stored(app, race: int) -> dict[str, tuple[Decimal, dict]]:
    """The race's f1_fantasy_2025 asset scores by ref: what the hand computations below read."""
    with app.app_context():
        rows = db.session.scalars(select(AssetScore).where(AssetScore.ruleset == "f1_fantasy_2025",
                                                           AssetScore.race_id == race)).all()
        drivers = dict(db.session.execute(select(Driver.id, Driver.ref)).all())
        constructors = dict(db.session.execute(select(Constructor.id, Constructor.ref)).all())
        return {drivers[row.driver_id] if row.driver_id else constructors[row.constructor_id]:
                (row.points, row.breakdown) for row in rows}


def test_round_points_apply_boost_chips_and_penalty_and_standings_follow(app, client, make_user, signals):
    league, (a, b, c) = salary_league(client, make_user)
    round1 = race_id(app, 2023, 1)
    lock(app, league.id, round1, {a: TEAM_A, b: TEAM_B, c: TEAM_C})
    # Locked, not scored yet: nothing counts.
    assert [(row["points"], row["race_wins"], row["best_pick"]) for row in standings(client, league)] == [
        (0.0, 0, None)] * 3
    summary = score(app, round1)
    assert summary["leagues_newly_scored"] == 1
    assert signals == [("race_scored", round1, [league.id])]

    p = {ref: points for ref, (points, _items) in stored(app, round1).items()}
    items = {ref: breakdown for ref, (_points, breakdown) in stored(app, round1).items()}
    assert {"red_bull", "ferrari", "mclaren", "williams"} <= set(p)  # the constructors were scored for the round
    positive = {ref: sum(max(D(value), D(0)) for value in items[ref].values()) for ref in TEAM_C["drivers"]
                + TEAM_C["constructors"]}
    expected = {
        a: 2 * p["max_verstappen"] + p["perez"] + p["alonso"] + p["hamilton"] + p["stroll"] + p["red_bull"]
        + p["aston_martin"] - 10,
        b: p["leclerc"] + 2 * p["sainz"] + 3 * p["hamilton"] + p["russell"] + p["norris"] + p["ferrari"]
        + p["mercedes"],
        c: 2 * positive["leclerc"] + positive["piastri"] + positive["norris"] + positive["de_vries"]
        + positive["sargeant"] + positive["mclaren"] + positive["williams"] - 20,
    }
    assert p["leclerc"] < 0 < positive["leclerc"]  # Leclerc retired in Bahrain: no_negative drops the -20
    rows = standings(client, league)
    assert {row["team_id"]: D(row["points"]) for row in rows} == expected
    winner = max(expected, key=expected.get)
    assert [row["team_id"] for row in rows] == sorted(expected, key=lambda team: -expected[team])
    assert {row["team_id"]: row["race_wins"] for row in rows} == {team: int(team == winner) for team in expected}
    assert {row["team_id"]: D(row["best_pick"]) for row in rows}[a] == max(
        2 * p["max_verstappen"], *(p[ref] for ref in TEAM_A["drivers"][1:] + TEAM_A["constructors"]))

    breakdown = client.get(f"{API}/teams/{c}/rounds/{round1}", headers=league.owner["headers"]).get_json()
    assert (breakdown["chip"], breakdown["penalty"], breakdown["transfers"]) == ("no_negative", 20, 4)
    assert D(breakdown["points"]) == expected[c]
    leclerc = breakdown["assets"][0]
    assert (leclerc["asset"]["ref"], leclerc["asset"]["name"], leclerc["multiplier"], leclerc["boost"]) == (
        "leclerc", "Charles Leclerc", 2, "boost")
    assert leclerc["breakdown"]["race_not_classified"] == 0.0
    assert D(leclerc["points"]) == 2 * positive["leclerc"]
    assert [asset["asset"]["kind"] for asset in breakdown["assets"]] == ["driver"] * 5 + ["constructor"] * 2
    extra = client.get(f"{API}/teams/{b}/rounds", headers=league.owner["headers"]).get_json()
    assert [(asset["asset"]["ref"], asset["multiplier"]) for asset in extra[0]["assets"]] == [
        ("leclerc", 1), ("sainz", 2), ("hamilton", 3), ("russell", 1), ("norris", 1), ("ferrari", 1), ("mercedes", 1)]

    # Round 2: a locked round counts only once scored; autopilot moves the 2x to the best-scoring driver.
    round2 = race_id(app, 2023, 2)
    lock(app, league.id, round2, {a: {**TEAM_A, "boost": "stroll", "chip": "autopilot", "penalty": 0},
                                  b: {key: value for key, value in TEAM_B.items() if key not in ("chip", "extra")}})
    assert [row["points"] for row in standings(client, league)] == [row["points"] for row in rows]
    score(app, round2)
    p2 = {ref: points for ref, (points, _items) in stored(app, round2).items()}
    best = max(TEAM_A["drivers"], key=lambda ref: p2[ref])
    round2_points = {
        a: sum(p2[ref] for ref in TEAM_A["drivers"] + TEAM_A["constructors"]) + p2[best],
        b: sum(p2[ref] for ref in TEAM_B["drivers"] + TEAM_B["constructors"]) + p2["sainz"],
    }
    season = standings(client, league)
    assert {row["team_id"]: D(row["points"]) for row in season} == {
        a: expected[a] + round2_points[a], b: expected[b] + round2_points[b], c: expected[c]}
    assert all(row["movement"] is not None for row in season)
    race_view = standings(client, league, race_id=round2)
    assert {row["team_id"]: D(row["points"]) for row in race_view} == {**round2_points, c: D(0)}  # c had no lineup
    autopilot = client.get(f"{API}/teams/{a}/rounds/{round2}", headers=league.owner["headers"]).get_json()
    assert {asset["asset"]["ref"]: asset["multiplier"] for asset in autopilot["assets"]}[best] == 2
    assert {asset["asset"]["ref"]: asset["multiplier"] for asset in autopilot["assets"]}["stroll"] == (
        2 if best == "stroll" else 1)


def test_a_correction_rescores_the_rounds_and_is_announced_once(app, client, make_user, signals):
    league, (a, b, _c) = salary_league(client, make_user)
    round1 = race_id(app, 2023, 1)
    lock(app, league.id, round1, {a: TEAM_A, b: TEAM_B})
    score(app, round1)
    before = {row["team_id"]: D(row["points"]) for row in standings(client, league)}

    verstappen = driver_id(app, "max_verstappen")

    def disqualify_verstappen(rows):
        for row in rows:
            if row["driver_id"] == verstappen:
                row["position_text"], row["status"], row["points"] = "D", "Disqualified", D(0)

    correct(app, round1, SessionKind.race, disqualify_verstappen)
    signals.clear()
    score(app, round1)
    p = {ref: points for ref, (points, _items) in stored(app, round1).items()}
    assert stored(app, round1)["max_verstappen"][1]["disqualified"] == "-20.00"
    after = {row["team_id"]: D(row["points"]) for row in standings(client, league)}
    assert after[b] == before[b]
    others = sum(p[ref] for ref in TEAM_A["drivers"][1:] + TEAM_A["constructors"])
    assert after[a] == 2 * p["max_verstappen"] + others - 10
    assert after[a] < before[a]
    assert signals == [("scores_corrected", round1, [league.id])]
    signals.clear()
    assert score(app, round1)["leagues_corrected"] == 0 and signals == []


def test_a_correction_stored_first_by_the_market_is_announced_by_it_alone(app, client, make_user, signals):
    league, (a, b, _c) = salary_league(client, make_user)
    round1 = race_id(app, 2023, 1)
    lock(app, league.id, round1, {a: TEAM_A, b: TEAM_B})
    score(app, round1)
    with app.app_context():
        market.price_season(2023)  # scores the season's other rounds too; round 1 is unchanged
    before = standings(client, league)
    signals.clear()

    def swap_first_two(rows):
        first, second = sorted((row for row in rows if row["position"] in (1, 2)), key=lambda row: row["position"])
        for name in ("position", "position_text", "points"):
            first[name], second[name] = second[name], first[name]

    correct(app, round1, SessionKind.race, swap_first_two)
    with app.app_context():
        market.price_season(2023)
    assert signals == [("scores_corrected", round1, [league.id])]
    assert standings(client, league) != before  # the market's store bumped the cached standings
    signals.clear()
    assert score(app, round1)["leagues_corrected"] == 0 and signals == []


def test_round_breakdowns_are_for_members_of_salary_cap_leagues(app, client, make_user):
    league, (a, _b, _c) = salary_league(client, make_user)
    draft = League(client, make_user, size=2)
    draft_team = next(iter(draft.players))
    stranger = make_user("stranger")
    assert client.get(f"{API}/teams/{a}/rounds", headers=league.owner["headers"]).get_json() == []
    assert client.get(f"{API}/teams/{a}/rounds", headers=stranger["headers"]).status_code == 404
    response = client.get(f"{API}/teams/{draft_team}/rounds", headers=draft.owner["headers"])
    assert response.status_code == 404 and "draft league" in response.get_json()["message"]
    missing = client.get(f"{API}/teams/{a}/rounds/{race_id(app, 2023, 1)}", headers=league.owner["headers"])
    assert missing.status_code == 404
