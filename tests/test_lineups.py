"""Salary-cap lineups through the API (§13): building one with its money, every rule's 422, carry-over,
the lock (409 after it, visible to the league then), transfers and penalties with the bundled 2023 prices."""
import pytest
from sqlalchemy import func, select

from drafts_helpers import API, constructor_id, driver_id, race_id
from fantasy.extensions import db
from fantasy.leagues.models import LeagueEvent
from fantasy.lineups.models import Lineup, LineupAsset
from lineups_helpers import CapLeague

pytestmark = pytest.mark.usefixtures("priced")

# Round 1 (opening prices): 28.0 + 13.5 + 7.9 + 5.8 + 5.0 and 10.2 + 6.0 = 76.4
FIRST = (["max_verstappen", "alonso", "stroll", "albon", "hulkenberg"], ["aston_martin", "williams"])


@pytest.fixture
def league(app, client, make_user):
    return CapLeague(client, make_user, app)


def lineup_rows(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Lineup)),
                db.session.scalar(select(func.count()).select_from(LineupAsset)))


def money(body: dict) -> tuple:
    return (body["cost"], body["bank"], body["team_value"], body["transfers"], body["free_transfers"],
            body["penalty"])


def test_a_first_lineup_with_names_prices_and_money(app, league):
    a, b, _ = league.teams
    response = league.put(a, 1, *FIRST, boost="alonso")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert money(body) == (76.4, 23.6, 100.0, 0, 0, 0)
    assert (body["state"], body["first_lineup"], body["carried_over"], body["budget"], body["chip"]) == (
        "open", True, False, 100.0, None)
    assert (body["round"], body["race_name"], body["locks_at"], body["locked_at"]) == (
        1, "Bahrain Grand Prix", None, None)
    assert body["drivers"][1] == {"id": driver_id(app, "alonso"), "code": "ALO", "name": "Fernando Alonso",
                                  "constructor": {"id": constructor_id(app, "aston_martin"), "name": "Aston Martin"},
                                  "price": 13.5, "multiplier": 2}
    assert [(d["code"], d["price"], d["multiplier"]) for d in body["drivers"]] == [
        ("VER", 28.0, 1), ("ALO", 13.5, 2), ("STR", 7.9, 1), ("ALB", 5.8, 1), ("HUL", 5.0, 1)]
    assert body["constructors"] == [{"id": constructor_id(app, "aston_martin"), "name": "Aston Martin", "price": 10.2},
                                    {"id": constructor_id(app, "williams"), "name": "Williams", "price": 6.0}]
    assert league.get(a, 1).get_json() == body
    # A later round carries it over, at that round's prices: 28.6 + 14.7 + 7.9 + 5.4 + 4.5 + 11.4 + 6.0.
    later = league.get(a, 3).get_json()
    assert (later["state"], later["carried_over"], later["first_lineup"]) == ("upcoming", True, False)
    assert money(later) == (78.5, 23.6, 102.1, 0, 3, 0)  # round 2 carried unchanged: 2 free + 1 unused
    assert [d["code"] for d in later["drivers"]] == ["VER", "ALO", "STR", "ALB", "HUL"]
    # Before the lock another team's lineup is private; a team without one sees its empty lineup.
    hidden = league.get(a, 1, as_team=b)
    assert hidden.status_code == 404
    assert hidden.get_json()["message"] == "No such lineup: another team's lineup is private until its round locks"
    empty = league.get(b, 1).get_json()
    assert (empty["drivers"], empty["constructors"], money(empty)) == ([], [], (0.0, 100.0, 100.0, 0, 0, 0))


RULES = [
    ({"driver_ids": 4}, "driver_ids", "A lineup has exactly 5 drivers."),
    ({"constructor_ids": 3}, "constructor_ids", "A lineup has exactly 2 constructors."),
    ({"duplicate_driver": True}, "driver_ids", "Each driver at most once."),
    ({"duplicate_constructor": True}, "constructor_ids", "Each constructor at most once."),
    ({"chip": ["extra_boost", "no_negative"]}, "chip", "One chip per round."),
    ({"chip": "turbo"}, "chip", "One of: extra_boost, wildcard, limitless, no_negative, autopilot."),
]


@pytest.mark.parametrize("change, field, message", RULES)
def test_shape_rules_are_422_naming_the_field(app, client, league, change, field, message):
    a = league.teams[0]
    body = {"driver_ids": [driver_id(app, ref) for ref in FIRST[0]],
            "constructor_ids": [constructor_id(app, ref) for ref in FIRST[1]]}
    if "driver_ids" in change:
        body["driver_ids"] = body["driver_ids"][:change["driver_ids"]]
    if "constructor_ids" in change:
        body["constructor_ids"].append(constructor_id(app, "ferrari"))
    if "duplicate_driver" in change:
        body["driver_ids"][4] = body["driver_ids"][0]
    if "duplicate_constructor" in change:
        body["constructor_ids"][1] = body["constructor_ids"][0]
    if "chip" in change:
        body["chip"] = change["chip"]
    response = client.put(league.lineup_url(a, 1), json=body, headers=league.players[a]["headers"])
    assert response.status_code == 422 and response.get_json()["errors"] == {"json": {field: [message]}}
    assert lineup_rows(app) == (0, 0)


def test_game_rules_are_422_naming_the_rule_and_store_nothing(app, league):
    a = league.teams[0]
    cases = [
        # Ricciardo and Lawson are priced but not in Bahrain's entry list.
        (
            dict(drivers=["max_verstappen", "alonso", "stroll", "ricciardo", "lawson"], constructors=FIRST[1]),
            "Some drivers are not in this round",
            {
                "driver_ids": [
                    f"Not in round 1's entry list and prices: "
                    f"{sorted([driver_id(app, 'ricciardo'), driver_id(app, 'lawson')])}"
                ]
            },
        ),
        # 28.0 + 25.8 + 23.7 + 21.8 + 19.9 + 28.0 + 24.4
        (
            dict(
                drivers=["max_verstappen", "leclerc", "perez", "russell", "sainz"], constructors=["red_bull", "ferrari"]
            ),
            "Over budget",
            {"driver_ids": ["The lineup costs 171.6 and 100.0 is available"]},
        ),
        (
            dict(drivers=FIRST[0], constructors=FIRST[1], boost="leclerc"),
            "The boost driver is not in the lineup",
            {"boost_driver_id": ["Must be one of driver_ids"]},
        ),
        (
            dict(drivers=FIRST[0], constructors=FIRST[1], extra_boost="alonso"),
            "An extra boost driver needs the extra_boost chip",
            {"extra_boost_driver_id": ["Only with chip: extra_boost"]},
        ),
        (
            dict(drivers=FIRST[0], constructors=FIRST[1], chip="extra_boost"),
            "The extra_boost chip needs its driver",
            {"extra_boost_driver_id": ["Required with the extra_boost chip: the driver scoring 3×"]},
        ),
        (
            dict(drivers=FIRST[0], constructors=FIRST[1], chip="extra_boost", boost="alonso", extra_boost="alonso"),
            "The extra boost driver already has the boost",
            {"extra_boost_driver_id": ["Must differ from boost_driver_id"]},
        ),
        (
            dict(drivers=FIRST[0], constructors=FIRST[1], chip="extra_boost", extra_boost="leclerc"),
            "The extra boost driver is not in the lineup",
            {"extra_boost_driver_id": ["Must be one of driver_ids"]},
        ),
        (
            dict(drivers=FIRST[0], constructors=FIRST[1], chip="wildcard"),
            "wildcard is not available in a team's first round",
            {"chip": ["wildcard is available from the team's second round"]},
        ),
        (
            dict(drivers=FIRST[0], constructors=FIRST[1], chip="limitless"),
            "limitless is not available in a team's first round",
            {"chip": ["limitless is available from the team's second round"]},
        ),
    ]
    for case, message, errors in cases:
        body = league.put(a, 1, case.pop("drivers"), case.pop("constructors"), **case).get_json()
        assert (body["code"], body["message"], body["errors"]) == (422, message, {"json": errors})
    unknown = league.client.put(league.lineup_url(a, 1), headers=league.players[a]["headers"], json={
        "driver_ids": [driver_id(app, ref) for ref in FIRST[0]], "constructor_ids": [constructor_id(app, "red_bull"),
                                                                                      99999]}).get_json()
    assert unknown["errors"] == {"json": {"constructor_ids": ["Not in round 1's prices: [99999]"]}}
    assert lineup_rows(app) == (0, 0)


def test_the_lock_makes_lineups_final_and_visible_to_the_league(app, client, league, make_user):
    a, b, c = league.teams
    assert league.put(a, 1, *FIRST).status_code == 200
    assert league.put(b, 1, ["perez", "norris", "gasly", "zhou", "sargeant"], ["mclaren", "haas"],
                      boost="gasly").status_code == 200
    member = league.players[b]
    refused = league.lock_round(1, headers=member["headers"])
    assert refused.status_code == 403
    assert league.lock_round(2).get_json()["message"] == (
        "Round 2 is not open for lineups: round 1 is the open one (later rounds carry its lineup over)")
    locked = league.lock_round(1)
    assert locked.status_code == 200, locked.get_json()
    assert {key: locked.get_json()[key] for key in ("race_id", "round", "lineups")} == {
        "race_id": race_id(app, 2023, 1), "round": 1, "lineups": 2}
    again = league.lock_round(1)
    assert again.status_code == 409 and again.get_json()["message"] == (
        "Round 1 is locked: its lineups can no longer change")
    late = league.put(a, 1, *FIRST)
    assert (
        late.status_code == 409 and late.get_json()["message"] == "Round 1 is locked: its lineups can no longer change"
    )
    # Visible to the league now; no boost marked: the most expensive driver (Verstappen, 28.0) has it.
    seen = league.get(a, 1, as_team=b).get_json()
    assert (seen["state"], seen["boost_driver_id"], seen["drivers"][0]["multiplier"]) == (
        "locked", driver_id(app, "max_verstappen"), 2)
    assert seen["locked_at"] is not None and money(seen) == (76.4, 23.6, 100.0, 0, 0, 0)
    assert league.get(b, 1, as_team=a).get_json()["boost_driver_id"] == driver_id(app, "gasly")
    none = league.get(c, 1, as_team=a)
    assert none.status_code == 404 and none.get_json()["message"] == (
        "No lineup in round 1: this team had none when the round locked (it scores 0)")
    bahrain = race_id(app, 2023, 1)
    with app.app_context():
        event = db.session.scalars(select(LeagueEvent).where(LeagueEvent.kind == "lineups_locked")).one()
        assert (event.actor_id, event.data) == (league.owner["id"], {"race_id": bahrain, "round": 1, "lineups": 2})
    # Round 2 is open now: every team with a lineup carries it over.
    assert league.get(a, 2).get_json()["state"] == "open"
    # The budget is fixed once a round has locked.
    budget = client.patch(f"{API}/leagues/{league.id}", json={"budget": 120}, headers=league.owner["headers"])
    assert budget.status_code == 409
    assert budget.get_json()["message"] == "A round has locked: the budget is fixed for the rest of the season"


def test_transfers_free_ones_and_penalties_over_rounds(app, league):
    a = league.teams[0]
    league.put(a, 1, *FIRST)
    league.lock_round(1)
    # A swap and its swap back cost nothing: only the lineups are compared.
    swapped = league.put(a, 2, ["max_verstappen", "alonso", "tsunoda", "albon", "hulkenberg"], FIRST[1]).get_json()
    assert (swapped["transfers"], swapped["penalty"]) == (1, 0)
    back = league.put(a, 2, *FIRST).get_json()
    assert (back["transfers"], back["free_transfers"], back["penalty"]) == (0, 2, 0)
    # Round 2: Stroll 8.5, Albon 6.0, Hülkenberg 4.5 sold (19.0), Norris 15.9, Gasly 9.4, Piastri 4.5 bought
    # (29.8): bank 23.6 + 19.0 - 29.8 = 12.8; 3 transfers, 2 free: -10.
    second = league.put(a, 2, ["max_verstappen", "alonso", "norris", "gasly", "piastri"], FIRST[1]).get_json()
    assert money(second) == (89.6, 12.8, 102.4, 3, 2, 10)
    league.lock_round(2)
    # Round 3 carries round 2 over: nothing unused to carry (3 used of 2), so 2 free again.
    third = league.get(a, 3).get_json()
    assert (third["carried_over"], third["state"]) == (True, "open")
    assert money(third) == (89.7, 12.8, 102.5, 0, 2, 0)
    league.lock_round(3)
    australia = race_id(app, 2023, 3)
    with app.app_context():
        stored = db.session.scalars(select(Lineup).where(Lineup.race_id == australia)).one()
        assert (stored.transfers, stored.free_transfers, stored.penalty, float(stored.bank)) == (0, 2, 0, 12.8)
        assert stored.locked_at is not None and stored.chip is None
    # Round 4: 2 free + 1 unused carried = 3; four transfers cost 10. Sold at round 4 prices: Norris 14.7,
    # Gasly 8.6, Piastri 4.5, Alonso 15.3 (43.1); bought Russell 21.1, Hamilton 17.9, Albon 4.8, Sargeant 4.5
    # (48.3): bank 12.8 + 43.1 - 48.3 = 7.6.
    fourth = league.put(a, 4, ["max_verstappen", "russell", "hamilton", "albon", "sargeant"], FIRST[1]).get_json()
    assert money(fourth) == (94.6, 7.6, 102.2, 4, 3, 10)
    league.lock_round(4)
    locked = league.get(a, 4).get_json()
    assert (locked["state"], money(locked)) == ("locked", (94.6, 7.6, 102.2, 4, 3, 10))
    assert league.get(a, 5).get_json()["free_transfers"] == 2


def test_access_is_the_league_s(app, client, league, make_user):
    a, b, _ = league.teams
    league.put(a, 1, *FIRST)
    outsider = make_user("outsider")
    for url in (league.lineup_url(a, 1), f"{API}/leagues/{league.id}/teams/{a}/chips"):
        response = client.get(url, headers=outsider["headers"])
        assert response.status_code == 404 and response.get_json()["message"] == "No such league"
    assert client.post(f"{API}/leagues/{league.id}/rounds/{race_id(app, 2023, 1)}/lock",
                       headers=outsider["headers"]).status_code == 404
    not_mine = client.put(league.lineup_url(a, 1), headers=league.players[b]["headers"], json={
        "driver_ids": [driver_id(app, ref) for ref in FIRST[0]],
        "constructor_ids": [constructor_id(app, ref) for ref in FIRST[1]]})
    assert not_mine.status_code == 403 and not_mine.get_json()["message"] == "You can only set your own team's lineup"
    assert client.get(f"{API}/leagues/{league.id}/teams/999999/lineups/{race_id(app, 2023, 1)}",
                      headers=league.owner["headers"]).status_code == 404
    assert client.get(f"{API}/leagues/{league.id}/teams/{a}/lineups/{race_id(app, 2024, 1)}",
                      headers=league.owner["headers"]).status_code == 404
    # A draft league has no lineups.
    draft = client.post(f"{API}/leagues", json={"name": "Drafters", "season": 2023, "mode": "replay"},
                        headers=outsider["headers"]).get_json()
    team = client.get(f"{API}/leagues/{draft['id']}/teams", headers=outsider["headers"]).get_json()[0]["id"]
    refused = client.get(f"{API}/leagues/{draft['id']}/teams/{team}/lineups/{race_id(app, 2023, 1)}",
                         headers=outsider["headers"])
    assert refused.status_code == 409
    assert refused.get_json()["message"] == "Lineups are for salary-cap leagues: this league drafts its drivers"
