"""Chips (§13) on the lineup side: chosen and cancelled until the lock, once a season each, one a round;
wildcard and limitless make transfers free and come from the team's second round; after limitless the
lineup and bank return to what they were before it."""
import pytest

from drafts_helpers import driver_id
from lineups_helpers import CapLeague

pytestmark = pytest.mark.usefixtures("priced")

# Round 1: 4.7 + 4.6 + 5.0 + 5.4 + 5.8 and 6.0 + 6.8 = 38.3, bank 61.7.
CHEAP = (["piastri", "sargeant", "hulkenberg", "de_vries", "albon"], ["williams", "alphatauri"])
DEAR = (["max_verstappen", "leclerc", "perez", "russell", "sainz"], ["red_bull", "ferrari"])


@pytest.fixture
def league(app, client, make_user):
    return CapLeague(client, make_user, app)


def chips(league, team: int, as_team: int | None = None) -> dict:
    response = league.client.get(f"/api/v1/leagues/{league.id}/teams/{team}/chips",
                                 headers=league.players[as_team or team]["headers"])
    assert response.status_code == 200, response.get_json()
    return {
        chip["chip"]: (chip["used_round"], chip["chosen"], chip["available"]) for chip in response.get_json()["chips"]
    }


def figures(body: dict) -> tuple:
    return (body["chip"], body["cost"], body["bank"], body["team_value"], body["transfers"], body["free_transfers"],
            body["penalty"])


def test_limitless_ignores_the_budget_and_then_lineup_and_bank_come_back(app, league):
    a = league.teams[0]
    assert league.put(a, 1, *CHEAP).get_json()["bank"] == 61.7
    assert league.lock_round(1).status_code == 200
    # Round 2 prices: 28.3 + 25.5 + 23.8 + 21.5 + 20.0 + 28.3 + 24.3 = 171.7, far over 61.7 + the sales; 7 transfers,
    # all free. The bank stays what it was.
    limitless = league.put(a, 2, *DEAR, chip="limitless")
    assert limitless.status_code == 200, limitless.get_json()
    assert figures(limitless.get_json()) == ("limitless", 171.7, 61.7, 233.4, 7, 2, 0)
    # Without the chip the same lineup is over budget: round 2 sells the cheap lineup for 4.5 + 4.5 + 4.5 + 5.6
    # + 6.0 + 6.6 + 7.4 = 39.1.
    refused = league.put(a, 2, *DEAR).get_json()
    assert refused["errors"] == {"json": {"driver_ids": ["The lineup costs 171.7 and 100.8 is available"]}}
    assert league.get(a, 2).get_json()["chip"] == "limitless"  # the refused PUT changed nothing
    league.lock_round(2)
    assert league.get(a, 2).get_json()["state"] == "locked"
    # Round 3 starts from round 1's lineup and bank: 4.5 + 4.5 + 4.5 + 5.4 + 5.4 + 6.0 + 7.6 = 37.9.
    after = league.get(a, 3).get_json()
    assert [driver["code"] for driver in after["drivers"]] == ["PIA", "SAR", "HUL", "DEV", "ALB"]
    assert (after["carried_over"], *figures(after)) == (True, None, 37.9, 61.7, 99.6, 0, 2, 0)
    league.lock_round(3)
    locked = league.get(a, 3).get_json()
    assert (locked["state"], *figures(locked)) == ("locked", None, 37.9, 61.7, 99.6, 0, 2, 0)
    assert chips(league, a)["limitless"] == (2, False, False)
    again = league.put(a, 4, *CHEAP, chip="limitless").get_json()
    assert (again["message"], again["errors"]) == (
        "Chip already used this season", {"json": {"chip": ["limitless was already played in round 2"]}})


def test_chips_are_chosen_and_cancelled_until_the_lock_once_a_season(app, league):
    a, b, _ = league.teams
    assert chips(league, a) == {"extra_boost": (None, False, True), "wildcard": (None, False, False),
                                "limitless": (None, False, False), "no_negative": (None, False, True),
                                "autopilot": (None, False, True)}
    chosen = league.put(a, 1, *CHEAP, chip="extra_boost", boost="albon", extra_boost="de_vries").get_json()
    assert (chosen["chip"], chosen["extra_boost_driver_id"]) == ("extra_boost", driver_id(app, "de_vries"))
    assert [driver["multiplier"] for driver in chosen["drivers"]] == [1, 1, 1, 3, 2]
    assert chips(league, a)["extra_boost"] == (None, True, True)
    assert chips(league, a, as_team=b)["extra_boost"] == (None, False, False)  # another team's choice is private
    cancelled = league.put(a, 1, *CHEAP, chip="no_negative").get_json()
    assert (cancelled["chip"], cancelled["extra_boost_driver_id"]) == ("no_negative", None)
    assert league.put(a, 1, *CHEAP).get_json()["chip"] is None  # no chip sent: none
    league.put(a, 1, *CHEAP, chip="autopilot")
    league.lock_round(1)
    assert chips(league, a, as_team=b)["autopilot"] == (1, False, False)  # played: public
    state = chips(league, a)
    assert state["autopilot"] == (1, False, False) and state["wildcard"] == (None, False, True)
    used = league.put(a, 2, *CHEAP, chip="autopilot").get_json()
    assert used["errors"] == {"json": {"chip": ["autopilot was already played in round 1"]}}
    # Wildcard: any number of transfers, free. Round 2 sells 39.1 and buys Norris 15.9, Gasly 9.4, Stroll 8.5,
    # Zhou 6.6, Tsunoda 6.5, McLaren 14.5, Haas 7.7 (69.1): bank 61.7 + 39.1 - 69.1 = 31.7.
    wild = league.put(a, 2, ["norris", "gasly", "stroll", "zhou", "tsunoda"], ["mclaren", "haas"], chip="wildcard")
    assert figures(wild.get_json()) == ("wildcard", 69.1, 31.7, 100.8, 7, 2, 0)
    assert figures(league.put(a, 2, ["norris", "gasly", "stroll", "zhou", "tsunoda"],
                              ["mclaren", "haas"]).get_json()) == (None, 69.1, 31.7, 100.8, 7, 2, 50)
    league.put(a, 2, ["norris", "gasly", "stroll", "zhou", "tsunoda"], ["mclaren", "haas"], chip="wildcard")
    league.lock_round(2)
    assert chips(league, a)["wildcard"] == (2, False, False)
    assert league.get(a, 2, as_team=b).get_json()["penalty"] == 0
