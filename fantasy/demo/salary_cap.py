"""The demo's salary-cap league (§13): the demo users' teams with lineups set, transfers, chips and a few rounds
locked and scored through the same use cases as the API, so a newcomer finds round breakdowns and standings
and plays on from the next round."""
import random
from decimal import Decimal

from sqlalchemy import select

from fantasy.auth.models import User
from fantasy.drafts.eligibility import eligible_driver_ids
from fantasy.extensions import db
from fantasy.f1data.models import Race
from fantasy.leagues import service as leagues
from fantasy.leagues.models import FantasyTeam, LeagueFormat
from fantasy.lineups import lock
from fantasy.lineups import service as lineups
from fantasy.lineups.rounds import require_prices
from fantasy.market.service import price_season
from fantasy.scoring import service as scoring
from fantasy.scoring.models import CONSTRUCTOR, DRIVER

LEAGUE_NAME = "Demo Salary Cap League"
BUDGET = Decimal("100.0")
# Per round, per team (in joining order: owner, alice, bob): the chip it plays and how many drivers it swaps.
PLAN = [
    [(None, 0), ("extra_boost", 0), (None, 0)],
    [("autopilot", 1), (None, 4), ("no_negative", 0)],  # alice's 4 transfers cost her a penalty
    [(None, 0), ("wildcard", 3), (None, 1)],
]


def _first_lineup(choose, race: Race, prices: dict) -> tuple[list[int], list[int]]:
    """Five drivers and two constructors within the budget, drawn the same way on every seed."""
    drivers = sorted(driver for driver in eligible_driver_ids(race) if (DRIVER, driver) in prices)
    constructors = sorted(asset_id for kind, asset_id in prices if kind == CONSTRUCTOR)
    while True:
        picked, teams = choose.sample(drivers, 5), choose.sample(constructors, 2)
        cost = sum(prices[(DRIVER, d)] for d in picked) + sum(prices[(CONSTRUCTOR, c)] for c in teams)
        if cost <= BUDGET - 5:  # room for a transfer or two later
            return picked, teams


def _swap(choose, race: Race, prices: dict, drivers: list[int], count: int) -> list[int]:
    """Sell the `count` dearest drivers, buy as many of the cheapest others: always affordable."""
    if not count:
        return drivers
    kept = sorted(drivers, key=lambda driver: prices[(DRIVER, driver)])[:-count]
    others = sorted((d for d in eligible_driver_ids(race) if (DRIVER, d) in prices and d not in drivers),
                    key=lambda driver: (prices[(DRIVER, driver)], driver))
    return kept + others[:count]


def seed_league(season: int, races: list[Race], users: dict[str, User], team_names: dict[str, str]) -> dict:
    """Create the league with one team per demo user, then set lineups and play `races` (locked and scored)."""
    owner_name = next(iter(users))
    price_season(season)  # idempotent: the season's prices, as the worker would have stored them
    league = leagues.create_league(users[owner_name], {
        "name": LEAGUE_NAME, "season": season, "mode": "replay", "max_teams": 6, "visibility": "public",
        "format": LeagueFormat.salary_cap, "budget": BUDGET, "team_name": team_names[owner_name],
        "description": f"The official game's format on the {season} season: 5 drivers and 2 constructors within "
                       f"{BUDGET}M, a boost, transfers and chips. {len(races)} rounds played: set your lineup "
                       "for the next one.",
    }).league
    league_id, invite_code = league.id, league.invite_code
    for name in list(users)[1:]:
        leagues.join_by_code(invite_code, users[name], team_names[name])
    teams = db.session.execute(select(FantasyTeam.id, FantasyTeam.user_id).where(
        FantasyTeam.league_id == league_id).order_by(FantasyTeam.id)).all()
    by_id = {user.id: user for user in users.values()}
    held: dict[int, tuple[list[int], list[int]]] = {}
    for round_index, race in enumerate(races):
        prices = require_prices(season, race.round)
        for index, (team_id, user_id) in enumerate(teams):
            chip, swaps = PLAN[round_index % len(PLAN)][index % 3]
            choose = random.Random(f"{race.round}-{index}")
            if team_id not in held:
                held[team_id] = _first_lineup(choose, race, prices)
            elif not chip and not swaps:
                continue  # carried over as it is
            drivers, constructors = held[team_id]
            drivers = _swap(choose, race, prices, drivers, swaps)
            ordered = sorted(drivers, key=lambda driver: -prices[(DRIVER, driver)])
            lineups.set_lineup(league_id, team_id, race.id, by_id[user_id], {
                "driver_ids": drivers, "constructor_ids": constructors, "boost_driver_id": ordered[0],
                "chip": chip, "extra_boost_driver_id": ordered[1] if chip == "extra_boost" else None})
            held[team_id] = (drivers, constructors)
        lock.lock_replay_round(league_id, race.id, users[owner_name])
        scoring.score_race(race.id)  # at once, like the draft demo's rounds (the queued run changes nothing)
    return {"salary_cap_league_id": league_id}
