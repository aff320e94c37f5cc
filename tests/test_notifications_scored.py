"""race_scored and scores_corrected carry each team's figures (§9), computed by hand from the bundled 2023 results
(standard ruleset: official points; rounds 1 and 2 had no sprint)."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from drafts_helpers import League, driver_id, f1, race_id  # noqa: F401  (f1 is a fixture)
from fantasy.extensions import db
from fantasy.f1data import service as f1data
from fantasy.f1data.ingest import ROW_FIELDS
from fantasy.f1data.models import SessionKind, SessionResult
from notifications_helpers import drain, inbox

pytestmark = pytest.mark.usefixtures("f1")


def play(app, league: League, season_round: int, picks: dict[str, str]) -> int:
    """Open a round, let each team (by its name) pick its driver when on the clock, lock; a real worker scores it
    and delivers its notifications."""
    race = race_id(app, 2023, season_round)
    assert league.open(race).status_code == 200
    for _ in range(len(picks)):
        team_id = league.state(race)["on_the_clock"]
        assert league.pick(race, driver_id(app, picks[names(league)[team_id]]), team_id).status_code == 201
    assert league.lock(race).status_code == 200
    drain(app)
    return race


def names(league: League) -> dict[int, str]:
    teams = league.client.get(f"/api/v1/leagues/{league.id}/teams", headers=league.owner["headers"]).get_json()
    return {team["id"]: team["name"] for team in teams}


def figures(client, league: League, kind: str, race: int) -> dict[str, dict]:
    """Each team's one notification of this kind and race, by team name, without the names every one shares."""
    found = {}
    for team_id, user in league.players.items():
        [note] = [item for item in inbox(client, user) if item["kind"] == kind and item["race_id"] == race]
        assert note["league_id"] == league.id and note["data"]["team_id"] == team_id
        found[note["data"]["team_name"]] = {key: value for key, value in note["data"].items()
                                            if key not in ("team_id", "team_name")}
    return found


def expect(race: tuple[str, int], round_points: str, season_points: str, rank: int, previous_rank: int | None) -> dict:
    return {"league_name": "Figures", "race_name": race[0], "season": 2023, "round": race[1],
            "round_points": round_points, "season_points": season_points, "rank": rank, "previous_rank": previous_rank}


BAHRAIN, SAUDI = ("Bahrain Grand Prix", 1), ("Saudi Arabian Grand Prix", 2)


def test_scored_and_corrected_races_carry_round_points_season_total_and_rank_change(app, client, make_user):
    league = League(client, make_user, size=3, name="Figures", picks_per_team=1)
    owner = names(league)[next(team for team, user in league.players.items() if user is league.owner)]
    # The owner's team has the owner's name; the others are Figures 1 and Figures 2.
    bahrain = play(app, league, 1, {owner: "max_verstappen", "Figures 1": "perez", "Figures 2": "alonso"})
    assert figures(client, league, "race_scored", bahrain) == {
        owner: expect(BAHRAIN, "25.00", "25.00", 1, None),
        "Figures 1": expect(BAHRAIN, "18.00", "18.00", 2, None),
        "Figures 2": expect(BAHRAIN, "15.00", "15.00", 3, None),
    }
    # Saudi Arabia: Pérez won (25), Verstappen second with the fastest lap (19), Tsunoda eleventh (0).
    jeddah = play(app, league, 2, {owner: "tsunoda", "Figures 1": "perez", "Figures 2": "max_verstappen"})
    assert figures(client, league, "race_scored", jeddah) == {
        owner: expect(SAUDI, "0.00", "25.00", 3, 1),
        "Figures 1": expect(SAUDI, "25.00", "43.00", 1, 2),
        "Figures 2": expect(SAUDI, "19.00", "34.00", 2, 3),
    }

    perez = driver_id(app, "perez")
    with app.app_context():  # the stewards disqualify Pérez, through the admin's correction path
        rows = [{name: getattr(row, name) for name in ROW_FIELDS if name != "classified"}
                for row in db.session.scalars(select(SessionResult).where(
                    SessionResult.race_id == jeddah, SessionResult.session == SessionKind.race))]
        for row in rows:
            if row["driver_id"] == perez:
                row["points"] = Decimal(0)
        f1data.correct_results(jeddah, SessionKind.race, rows, actor_id=None)
    drain(app)  # the correction queues the re-score, which queues the delivery
    # The season standings as they read now: the rank change is the one a standings read shows (movement),
    # against the rank after the league's previous scored race.
    assert figures(client, league, "scores_corrected", jeddah) == {
        owner: expect(SAUDI, "0.00", "25.00", 2, 1),
        "Figures 1": expect(SAUDI, "0.00", "18.00", 3, 2),
        "Figures 2": expect(SAUDI, "19.00", "34.00", 1, 3),
    }
    for user in league.players.values():
        assert sorted(item["kind"] for item in inbox(client, user) if item["race_id"] in (bahrain, jeddah)
                      and item["kind"] in ("race_scored", "scores_corrected")) == [
            "race_scored", "race_scored", "scores_corrected"]
