"""Lineup use cases (§13): read a team's lineup of a round, set it (the whole lineup), the team's chips.

Money, transfers and penalties follow rules.py; what a round starts from (carry-over, limitless restore)
history.py; which round is open and its prices rounds.py. Locking a round: lock.py.
"""
from decimal import Decimal

from sqlalchemy import select

from fantasy.auth.models import User
from fantasy.common.clock import utcnow
from fantasy.common.models import commit_or_conflict
from fantasy.drafts.eligibility import eligible_driver_ids
from fantasy.errors import Conflict, Forbidden, NotFound, Unprocessable
from fantasy.extensions import db
from fantasy.f1data.cards import driver_cards
from fantasy.f1data.models import Constructor, Race
from fantasy.leagues.access import Need, league_access
from fantasy.leagues.models import FantasyTeam, League
from fantasy.lineups import history, rounds, rules
from fantasy.lineups.history import Held
from fantasy.lineups.models import Chip, Lineup, LineupAsset
from fantasy.market.service import stored_prices
from fantasy.scoring.models import CONSTRUCTOR, DRIVER

PRIVATE = "No such lineup: another team's lineup is private until its round locks"
NONE_AT_LOCK = "No lineup in round {}: this team had none when the round locked (it scores 0)"


def _tenth(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.1"))


def _team(league_id: int, team_id: int, user: User, need: Need = Need.member) -> tuple[League, FantasyTeam]:
    """The league (salary-cap, checked by the one access helper) and one of its teams."""
    league = league_access(league_id, user, need).league
    team = db.session.get(FantasyTeam, team_id)
    if team is None or team.league_id != league.id:
        raise NotFound("No such team in this league")
    rounds.check_salary_cap(league)
    return league, team


def assess(league: League, past: list[Held], held: Held, prices: dict) -> dict:
    """Money and transfers of `held` in its round: the stored figures once locked, else what the lock would
    make of it now (the preview)."""
    base = history.base(past, held.round)
    first = base is None
    # This round's prices; a locked lineup keeps those it locked at (a live lock without the round's prices
    # stored takes the latest stored), and assets no longer priced keep what they were bought at.
    priced = {**(base.paid if base else {}), **prices, **(held.paid if held.locked else {})}
    known = all(asset in priced for asset in held.assets)
    cost = sum((priced[asset] for asset in held.assets), Decimal(0)) if known else None
    if held.locked:
        row = held.row
        bank, count, free, penalty = row.bank, row.transfers, row.free_transfers, row.penalty
    else:
        previous = history.previous(past, held.round)
        free = 0
        if previous is not None:  # rounds between (a later round's preview) carry the lineup: no transfers
            free = rules.free_transfers(previous.row.free_transfers, previous.row.transfers)
            for _ in range(held.round - previous.round - 1):
                free = rules.free_transfers(free, 0)
        count = rules.transfers(base.assets if base else None, held.assets)
        penalty = rules.penalty(count, free, held.chip, first)
        if held.chip == Chip.limitless.value:
            bank = base.bank  # limitless: no budget this round, and the bank is back to this afterwards
        elif known:
            bank = rules.bank_after(base.bank if base else league.budget, base.assets if base else None,
                                    held.assets, priced)
        else:
            bank = None
    return {"first_lineup": first, "cost": _tenth(cost), "bank": _tenth(bank),
            "team_value": _tenth(None if cost is None or bank is None else bank + cost),
            "transfers": count, "free_transfers": free, "penalty": penalty, "prices": priced}


def present(league: League, team: FantasyTeam, race: Race, held: Held, figures: dict, state: str,
             carried_over: bool) -> dict:
    """The lineup as a client shows it: drivers with code, name, constructor and price, constructors named."""
    cards = driver_cards(held.drivers, race)
    names = dict(db.session.execute(
        select(Constructor.id, Constructor.name).where(Constructor.id.in_(held.constructors or [0]))).all())
    prices = figures.pop("prices")

    def multiplier(driver: int) -> int:
        return 3 if driver == held.extra_boost_driver_id else 2 if driver == held.boost_driver_id else 1

    return {
        "league_id": league.id, "team_id": team.id, "team_name": team.name, "race_id": race.id,
        "round": race.round, "race_name": race.name, "state": state, "locks_at": rounds.locks_at(league, race),
        "locked_at": held.row.locked_at if held.locked else None, "carried_over": carried_over,
        "drivers": [{**cards[driver], "price": prices.get((DRIVER, driver)), "multiplier": multiplier(driver)}
                    for driver in held.drivers],
        "constructors": [{"id": team_id, "name": names[team_id], "price": prices.get((CONSTRUCTOR, team_id))}
                         for team_id in held.constructors],
        "boost_driver_id": held.boost_driver_id, "extra_boost_driver_id": held.extra_boost_driver_id,
        "chip": held.chip, "budget": league.budget, **figures,
    }


def _view(league: League, team: FantasyTeam, race: Race, past: list[Held], own: bool) -> dict:
    locked = rounds.is_locked(league.id, race.id)
    # A live round whose lock time came reads as locked before the tick writes it: what it will lock is the
    # lineup held now (nothing can change it any more), with `locked_at` null until then.
    due = not locked and race.round > rounds.last_locked_round(league.id) and rounds.is_due(league, race, utcnow())
    held = history.at(past, race.round)
    if locked and (held is None or not held.locked):
        raise NotFound(NONE_AT_LOCK.format(race.round))
    if not (locked or due or own):
        raise NotFound(PRIVATE)
    current = None if locked or due else rounds.open_race(league)
    if not (locked or due) and (current is None or race.round < current.round):
        raise NotFound(f"Round {race.round} is not played in this league: cancelled, or it locked before the "
                       "league's first round")
    carried_over = held is None
    if held is None:
        base = history.base(past, race.round)
        if due and base is None:
            raise NotFound(NONE_AT_LOCK.format(race.round))
        held = history.carried(base, race.round) if base else Held(race.round, [], [], league.budget)
    state = "locked" if locked or due else "open" if current is not None and current.id == race.id else "upcoming"
    figures = assess(league, past, held, stored_prices(league.season, race.round))
    return present(league, team, race, held, figures, state, carried_over)


def get_lineup(league_id: int, team_id: int, race_id: int, user: User) -> dict:
    """A team's lineup of a round: yours always (set, carried over, or empty before your first); another
    team's once the round has locked (404 before: private)."""
    league, team = _team(league_id, team_id, user)
    race = rounds.race_of_season(league, race_id)
    return _view(league, team, race, history.lineups_of(team.id), own=team.user_id == user.id)


# --- setting a lineup ---------------------------------------------------------------------------


def _invalid(message: str, field: str, detail: str):
    raise Unprocessable(message, fields={field: [detail]})


def _check_assets(race: Race, data: dict, prices: dict) -> None:
    eligible = set(eligible_driver_ids(race))
    missing = sorted(driver for driver in data["driver_ids"]
                     if driver not in eligible or (DRIVER, driver) not in prices)
    if missing:
        _invalid("Some drivers are not in this round", "driver_ids",
                 f"Not in round {race.round}'s entry list and prices: {missing}")
    missing = sorted(team for team in data["constructor_ids"] if (CONSTRUCTOR, team) not in prices)
    if missing:
        _invalid("Some constructors are not in this round", "constructor_ids",
                 f"Not in round {race.round}'s prices: {missing}")


def _check_boosts(data: dict) -> None:
    boost, extra, chip = data["boost_driver_id"], data["extra_boost_driver_id"], data["chip"]
    if boost is not None and boost not in data["driver_ids"]:
        _invalid("The boost driver is not in the lineup", "boost_driver_id", "Must be one of driver_ids")
    if chip == Chip.extra_boost.value:
        if extra is None:
            _invalid("The extra_boost chip needs its driver", "extra_boost_driver_id",
                     "Required with the extra_boost chip: the driver scoring 3×")
        if extra not in data["driver_ids"]:
            _invalid("The extra boost driver is not in the lineup", "extra_boost_driver_id",
                     "Must be one of driver_ids")
        if extra == boost:
            _invalid("The extra boost driver already has the boost", "extra_boost_driver_id",
                     "Must differ from boost_driver_id")
    elif extra is not None:
        _invalid("An extra boost driver needs the extra_boost chip", "extra_boost_driver_id",
                 "Only with chip: extra_boost")


def _check_chip(chip: str | None, past: list[Held], round_: int) -> None:
    if chip is None:
        return
    used = history.used_chips(past)
    if chip in used:
        _invalid("Chip already used this season", "chip", f"{chip} was already played in round {used[chip]}")
    if chip in rules.FREE_TRANSFER_CHIPS and history.base(past, round_) is None:
        _invalid(f"{chip} is not available in a team's first round", "chip",
                 f"{chip} is available from the team's second round")


def store(team: FantasyTeam, race: Race, held: Held, figures: dict, existing: Held | None) -> Lineup:
    """Write the team's editable lineup of the round: one row and its assets, replacing the previous ones."""
    row = existing.row if existing else Lineup(team_id=team.id, race_id=race.id)
    row.chip, row.boost_driver_id = held.chip, held.boost_driver_id
    row.extra_boost_driver_id, row.bank = held.extra_boost_driver_id, figures["bank"]
    row.transfers, row.free_transfers, row.penalty = figures["transfers"], figures["free_transfers"], figures["penalty"]
    if existing:
        db.session.execute(LineupAsset.__table__.delete().where(LineupAsset.lineup_id == row.id))
    else:
        db.session.add(row)
        db.session.flush()
    db.session.add_all([LineupAsset(lineup_id=row.id, driver_id=driver, price=figures["prices"][(DRIVER, driver)])
                        for driver in held.drivers])
    db.session.add_all([LineupAsset(lineup_id=row.id, constructor_id=team_id,
                                    price=figures["prices"][(CONSTRUCTOR, team_id)]) for team_id in held.constructors])
    return row


def set_lineup(league_id: int, team_id: int, race_id: int, user: User, data: dict) -> dict:
    """Replace the team's lineup of the open round (its owner only), checked against every rule; the team
    row is locked meanwhile, so concurrent PUTs of one team's lineup apply one after the other, whole."""
    league, team = _team(league_id, team_id, user)
    if team.user_id != user.id:
        raise Forbidden("You can only set your own team's lineup")
    race = rounds.race_of_season(league, race_id)
    db.session.scalars(select(FantasyTeam.id).where(FantasyTeam.id == team.id).with_for_update()).one()
    db.session.refresh(team)
    if not team.active:
        raise Conflict("This team has left the league")
    rounds.check_open(league, race)  # after the team lock: a round locked meanwhile is seen
    prices = rounds.require_prices(league.season, race.round)
    _check_assets(race, data, prices)
    _check_boosts(data)
    past = history.lineups_of(team.id)
    _check_chip(data["chip"], past, race.round)
    held = Held(race.round, list(data["driver_ids"]), list(data["constructor_ids"]), Decimal(0),
                data["boost_driver_id"], data["extra_boost_driver_id"], data["chip"])
    figures = assess(league, past, held, prices)
    if figures["bank"] < 0:
        _invalid("Over budget", "driver_ids",
                 f"The lineup costs {figures['cost']} and {figures['cost'] + figures['bank']} is available")
    store(team, race, held, figures, history.at(past, race.round))
    commit_or_conflict("The lineup changed meanwhile, try again")
    return _view(league, team, race, history.lineups_of(team.id), own=True)


# --- chips -------------------------------------------------------------------------------------


def list_chips(league_id: int, team_id: int, user: User) -> dict:
    """Each chip: the round it was played in, whether it is chosen for the open round (your own team) and
    whether it can be chosen now."""
    league, team = _team(league_id, team_id, user)
    past = history.lineups_of(team.id)
    used = history.used_chips(past)
    current = rounds.open_race(league)
    own = team.user_id == user.id
    chosen = history.at(past, current.round) if current is not None and own else None
    first = current is None or history.base(past, current.round) is None
    return {"team_id": team.id, "open_round": current.round if current else None, "chips": [
        {"chip": chip.value, "used_round": used.get(chip.value),
         "chosen": chosen is not None and chosen.chip == chip.value,
         "available": own and current is not None and chip.value not in used
         and not (first and chip.value in rules.FREE_TRANSFER_CHIPS)}
        for chip in Chip]}
