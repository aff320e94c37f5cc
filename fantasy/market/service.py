"""Storing prices (§13): a season's opening prices, then every round's after the round before it is scored.

When a round's prices are stored: round 1's when an opening list is imported, or on a season's first pricing
from the bundled list (data/) or, without one, from the previous stored season's final standings; round r+1's
the first time round r is found scored (its race classified, or cancelled: prices carry over).

A later round's stored prices are provisional until the first salary-cap lineup locks at them (`lock_at`
records a PriceLock): until then a correction of an earlier round re-prices them (price_season recomputes
every provisional round from the round before it and replaces those that differ); from then on they never
change, and a correction changes points only (the rounds priced after it see the corrected points in their
3-round windows). Opening prices are not recomputed: an imported or bundled list is the rule itself, and a
derived list stands as first stored (a correction of the previous season does not re-open the next one).

Live and replay take the same path: the results_changed subscription queues `price_season` for the
season, and `flask prices replay` calls it at once.
"""
import json
import logging
from collections import defaultdict
from contextlib import nullcontext
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, func, insert, select

from fantasy.common.cache import commit_bumping
from fantasy.errors import Conflict, NotFound, Unprocessable
from fantasy.extensions import db
from fantasy.f1data import standings
from fantasy.f1data.models import (
    Constructor,
    Driver,
    Race,
    RaceStatus,
    Season,
    SeasonConstructor,
    SeasonDriver,
    SessionKind,
    SessionResult,
)
from fantasy.market import events, rules
from fantasy.market.models import PRICES_VERSION, AssetPrice, PriceLock
from fantasy.market.schemas import OpeningPricesSchema
from fantasy.scoring.models import CONSTRUCTOR, DRIVER, AssetScore, asset_key
from fantasy.scoring.service import assets_committed, score_assets

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).parent / "data"
Asset = tuple[str, int]
# (kind, model, the season's link table and its column, the price list's key)
KINDS = ((DRIVER, Driver, SeasonDriver.driver_id, "drivers"),
         (CONSTRUCTOR, Constructor, SeasonConstructor.constructor_id, "constructors"))


def _season(year: int) -> None:
    if db.session.get(Season, year) is None:
        raise NotFound(f"No season {year}")


def stored_prices(year: int, round_: int) -> dict[Asset, Decimal]:
    """A round's stored prices by asset (empty before they are stored); lineups read them too."""
    rows = db.session.execute(AssetPrice.of_round(year, round_).with_only_columns(
        AssetPrice.driver_id, AssetPrice.constructor_id, AssetPrice.price))
    return {asset_key(driver_id, constructor_id): price for driver_id, constructor_id, price in rows}


def hold_prices(year: int) -> None:
    """Lock the season's row until the transaction ends: a lineup locking at a round's prices and price_season
    replacing provisional ones take turns (PostgreSQL; SQLite has one writer at a time anyway). FOR NO KEY
    UPDATE: rows referencing the season (races, leagues, prices) are still written meanwhile."""
    db.session.execute(select(Season.year).where(Season.year == year).with_for_update(key_share=True))


def lock_at(year: int, round_: int) -> dict[Asset, Decimal]:
    """The stored prices of a round a lineup locks at (the caller holds them, `hold_prices`), marked locked so
    that they never change again."""
    if db.session.get(PriceLock, (year, round_)) is None:
        db.session.add(PriceLock(season_year=year, round=round_))
        db.session.flush()
    return stored_prices(year, round_)


def _replace(year: int, round_: int, prices: dict[Asset, Decimal]) -> bool:
    """Replace a round's provisional prices by `prices`; False when they are locked or the same already."""
    hold_prices(year)
    if db.session.get(PriceLock, (year, round_)) is not None or stored_prices(year, round_) == prices:
        db.session.rollback()
        return False
    db.session.execute(delete(AssetPrice).where(AssetPrice.season_year == year, AssetPrice.round == round_))
    return True


def _write(year: int, round_: int, prices: dict[Asset, Decimal]) -> None:
    if not prices:  # an insert of no rows would insert one row of defaults
        return
    db.session.execute(insert(AssetPrice), [
        {"season_year": year, "round": round_, "price": price, "driver_id": None, "constructor_id": None,
         f"{kind}_id": asset_id} for (kind, asset_id), price in prices.items()])


def _with_newcomers(year: int, prices: dict[Asset, Decimal]) -> dict[Asset, Decimal]:
    """The season's drivers and constructors the list leaves out open at the bottom of their curve."""
    for kind, _model, link, _key in KINDS:
        for asset_id in db.session.scalars(select(link).where(link.class_.season_year == year)):
            prices.setdefault((kind, asset_id), rules.lowest_opening_price(kind))
    return prices


def _store_opening(year: int, prices: dict[Asset, Decimal], source: str) -> dict:
    """Store round 1's prices; the same prices again change nothing, different ones are refused."""
    if not prices:
        raise Unprocessable(f"No drivers or constructors are stored for season {year} to price")
    stored = stored_prices(year, 1)
    if stored and stored != prices:
        db.session.rollback()
        raise Conflict(f"Season {year}'s opening prices are stored already and differ; opening prices never change")
    if not stored:
        _write(year, 1, prices)
    commit_bumping([] if stored else [PRICES_VERSION.format(year)])
    counts = {key: sum(kind == asset_kind for asset_kind, _ in prices) for kind, _m, _l, key in KINDS}
    summary = {"season": year, "round": 1, "source": source, "stored": not stored, **counts}
    log.info("opening prices", extra=summary)
    return summary


def import_opening(data: dict, source: str = "imported") -> dict:
    """Store a season's opening prices from a list in the bundled format (validated by OpeningPricesSchema)."""
    year = data["season"]
    _season(year)
    prices: dict[Asset, Decimal] = {}
    errors = {}
    for kind, model, _link, key in KINDS:
        listed = data[key]
        known = dict(db.session.execute(select(model.ref, model.id).where(model.ref.in_(sorted(listed)))).all())
        unknown = sorted(set(listed) - set(known))
        if unknown:
            errors[key] = [f"Unknown {kind} refs: {', '.join(unknown)}"]
        prices.update({(kind, known[ref]): price for ref, price in listed.items() if ref in known})
    if errors:
        raise Unprocessable("The price list names unknown drivers or constructors", fields=errors)
    return _store_opening(year, _with_newcomers(year, prices), source)


def bundled_list(year: int) -> dict | None:
    """The opening list shipped for a season, as the import schema loads it, or None."""
    path = BUNDLED / f"{year}-opening.json"
    return OpeningPricesSchema().load(json.loads(path.read_text())) if path.is_file() else None


def _final_ranks(year: int, column) -> list[tuple[int, int]]:
    """(rank, id) of a season's championship by `column` (drivers or constructors): official points, then
    countback over Grand Prix places (f1data/standings.py; a constructor's places are its cars')."""
    groups = db.session.execute(
        select(column, SessionResult.session == SessionKind.race, SessionResult.classified,
               SessionResult.position, func.count(), func.sum(SessionResult.points))
        .join(Race, Race.id == SessionResult.race_id)
        .where(Race.season_year == year, SessionResult.session.in_((SessionKind.race, SessionKind.sprint)))
        .group_by(column, SessionResult.session, SessionResult.classified, SessionResult.position)
    ).all()
    return [(rank, record.driver_id) for rank, record in standings.rank(standings.tally(groups).values())]


def derive_opening(year: int) -> dict:
    """Opening prices from the previous stored season's final standings, on the bundled lists' curve."""
    _season(year)
    previous = db.session.scalar(
        select(func.max(Race.season_year)).join(SessionResult, SessionResult.race_id == Race.id)
        .where(Race.season_year < year)
    )
    if previous is None:
        raise Unprocessable(f"No opening prices for {year}: import a list (flask prices import FILE) or store "
                            f"season {year - 1}'s results to derive them from")
    prices = {}
    for kind, _model, _link, _key in KINDS:
        column = SessionResult.driver_id if kind == DRIVER else SessionResult.constructor_id
        ranks = _final_ranks(previous, column)
        prices.update({(kind, asset_id): rules.opening_price(kind, rank, len(ranks)) for rank, asset_id in ranks})
    in_season = _with_newcomers(year, {})
    return _store_opening(year, {asset: prices.get(asset, price) for asset, price in in_season.items()},
                          f"derived from {previous}")


def _ensure_opening(year: int) -> str | None:
    """Store the season's opening prices if none are: the bundled list, else derived. Returns the source."""
    if stored_prices(year, 1):
        return None
    listed = bundled_list(year)
    return (import_opening(listed, "bundled") if listed else derive_opening(year))["source"]


def _season_points(year: int) -> dict[int, dict[Asset, Decimal]]:
    """Every stored f1_fantasy_2025 score of the season: round -> asset -> points."""
    rows = db.session.execute(
        select(Race.round, AssetScore.driver_id, AssetScore.constructor_id, AssetScore.points)
        .join(Race, Race.id == AssetScore.race_id)
        .where(Race.season_year == year, AssetScore.ruleset == rules.PRESET)
    ).all()
    points: dict[int, dict[Asset, Decimal]] = defaultdict(dict)
    for round_, driver_id, constructor_id, value in rows:
        points[round_][asset_key(driver_id, constructor_id)] = value
    return points


def move(prices: dict[Asset, Decimal], points: dict[int, dict[Asset, Decimal]], round_: int) -> dict[Asset, Decimal]:
    """The prices after scored round `round_`: an asset scored in it moves by the average of its last (up to)
    3 scored rounds over its price; one that did not take part keeps its price; one scored for the first
    time (a driver new to the season) opens at the bottom of its curve."""
    scored = points.get(round_, {})
    moved = {}
    for asset, price in prices.items():
        if asset in scored:
            window = [points[r][asset] for r in sorted(points) if r <= round_ and asset in points[r]]
            moved[asset] = rules.next_price(price, window)
        else:
            moved[asset] = price
    for asset in scored.keys() - prices.keys():
        moved[asset] = rules.lowest_opening_price(asset[0])
    return moved


def price_season(year: int, race_lock=nullcontext) -> dict:
    """Score every classified round of a season under f1_fantasy_2025 (idempotent: a correction re-scores
    its round), store the prices of every round not stored yet whose previous round is scored, and replace
    the provisional (not locked) stored rounds whose recomputed prices differ.

    `race_lock(race_id)` is held while a race is scored: the job passes the draft scoring job's lock, since
    both write the f1_fantasy_2025 driver rows of a race that a league on that preset plays."""
    _season(year)
    races = [(race.id, race.round, race.status == RaceStatus.cancelled)
             for race in db.session.scalars(Race.of_season(year))]
    opening = _ensure_opening(year) if races else None
    db.session.commit()  # no transaction is held while waiting for a race's lock
    rescored = []
    for race_id, round_, _cancelled in races:
        with race_lock(race_id):
            change = score_assets(race_id, rules.PRESET)
            db.session.commit()
        if change:
            rescored.append(round_)
            assets_committed(rules.PRESET, change)
    points = _season_points(year)
    stored = set(db.session.scalars(select(AssetPrice.round).distinct().where(AssetPrice.season_year == year)))
    locked = set(db.session.scalars(select(PriceLock.round).where(PriceLock.season_year == year)))
    priced, repriced = [], []
    for (_id, round_, cancelled), (_next_id, following, _) in zip(races, races[1:]):
        if following in locked:
            continue
        if round_ not in stored or (not cancelled and round_ not in points):
            break  # a round not priced or not scored yet: nothing after it can be priced
        prices = stored_prices(year, round_)
        prices = prices if cancelled else move(prices, points, round_)
        if following in stored:
            if not _replace(year, following, prices):
                continue
            repriced.append(following)
        else:
            priced.append(following)
        _write(year, following, prices)
        commit_bumping([PRICES_VERSION.format(year)])
        stored.add(following)
    summary = {"season": year, "opening": opening, "rounds_rescored": rescored, "rounds_priced": priced,
               "rounds_repriced": repriced}
    log.info("season priced", extra=summary)
    if priced:
        events.prices_stored.send(year, rounds=priced)
    return summary
