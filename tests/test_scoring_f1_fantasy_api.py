"""A draft league on the f1_fantasy_2025 preset scores its picks through the usual path; the preset is documented."""
from decimal import Decimal

import pytest

from drafts_helpers import API, League, driver_id, race_id
from fantasy.jobs import scoring as scoring_jobs

pytestmark = pytest.mark.usefixtures("f1")

# United States GP 2023 under f1_fantasy_2025, worked by hand in test_scoring_f1_fantasy.py
# (test_united_states_2023_disqualifications): the two disqualified drivers and two others.
HAND = {
    "hamilton": (-4.0, {"qualifying_position": 8.0, "sprint_position": 7.0, "sprint_positions_gained": 1.0,
                        "disqualified": -20.0}),
    "tsunoda": (22.0, {"sprint_positions_gained": 5.0, "race_position": 4.0, "race_positions_gained": 3.0,
                       "race_fastest_lap": 10.0}),
    "stroll": (-1.0, {"sprint_not_classified": -20.0, "race_position": 6.0, "race_positions_gained": 13.0}),
    "leclerc": (-5.0, {"qualifying_position": 10.0, "sprint_position": 6.0, "sprint_positions_gained": -1.0,
                       "disqualified": -20.0}),
}


def test_a_draft_league_scores_its_picks_with_f1_fantasy_2025(app, client, make_user):
    league = League(client, make_user, size=2, ruleset="f1_fantasy_2025")
    race = race_id(app, 2023, 18)
    assert league.open(race).status_code == 200
    for ref in HAND:  # snake: team A, team B, team B, team A
        assert league.pick(race, driver_id(app, ref)).status_code == 201
    assert league.lock(race).status_code == 200
    with app.app_context():
        scoring_jobs.score_race(race)

    totals = {}
    for team_id, user in league.players.items():
        scores = client.get(f"{API}/teams/{team_id}/scores", headers=user["headers"]).get_json()
        assert [score["round"] for score in scores] == [18]
        picks = scores[0]["picks"]
        assert len(picks) == 2
        for pick in picks:
            assert (pick["points"], pick["breakdown"]) == HAND[pick["driver_ref"]], pick["driver_ref"]
        expected = sum(Decimal(HAND[pick["driver_ref"]][0]) for pick in picks)
        assert Decimal(scores[0]["points"]) == expected
        totals[team_id] = expected
    # Hamilton and Leclerc went to one team (picks 1 and 4): -4 - 5 = -9; Tsunoda and Stroll: 22 - 1 = 21.
    assert sorted(totals.values()) == [Decimal(-9), Decimal(21)]
    rows = client.get(f"{API}/leagues/{league.id}/standings", headers=league.owner["headers"]).get_json()
    assert [(row["rank"], Decimal(row["points"])) for row in rows] == [(1, Decimal(21)), (2, Decimal(-9))]


def test_the_league_schema_documents_the_presets_and_what_f1_fantasy_2025_cannot_score(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    description = schemas["LeagueCreate"]["properties"]["ruleset"]["description"]
    assert description.startswith("A preset name (standard, inverted, fantasy, f1_fantasy_2025; default standard)")
    assert description.endswith("not in the data, so not scored: overtakes, driver of the day, pit stops.")
