"""The market's read side (§13, §11): a race's asset scores, a round's prices, an asset's season history.

Every list is small (a grid of drivers and constructors, or a season's rounds), so each is built whole with
names attached and paged in memory. Every salary-cap client reads them, so the HTTP API serves them from a
Redis cache in response form (`*_texts`, fantasy/common/cache.py): a race's scores until its ruleset's
scores change (scoring/cache.py's version, bumped by every re-scoring and correction), a round's prices until
the season's prices are stored again (models.PRICES_VERSION), an asset's history until either changes.
Names of drivers, constructors and races are not versioned: a season sync renaming one shows after the
entry's TTL (MARKET_CACHE_SECONDS). Empty lists are not cached (a caller could otherwise fill Redis with
the empty scores of made-up custom ruleset keys).
"""
import json
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from fantasy.common import cache
from fantasy.errors import NotFound
from fantasy.extensions import db
from fantasy.f1data.models import Constructor, Driver, Race
from fantasy.f1data.queries import get_race
from fantasy.market.models import PRICES_VERSION, AssetPrice
from fantasy.market.rules import PRESET
from fantasy.market.schemas import AssetHistorySchema, AssetScoreSchema, RoundPriceSchema
from fantasy.scoring.cache import RULESET_VERSION
from fantasy.scoring.models import CONSTRUCTOR, DRIVER, AssetScore

MODELS = {DRIVER: Driver, CONSTRUCTOR: Constructor}


def named_assets(ids: set[tuple[str, int]]) -> dict[tuple[str, int], dict]:
    """Each asset's id, kind, ref and display name, in two queries."""
    named = {}
    for kind, model in MODELS.items():
        wanted = sorted(asset_id for asset_kind, asset_id in ids if asset_kind == kind)
        for row in db.session.scalars(select(model).where(model.id.in_(wanted))) if wanted else ():
            name = f"{row.given_name} {row.family_name}" if kind == DRIVER else row.name
            named[(kind, row.id)] = {"kind": kind, "id": row.id, "ref": row.ref, "name": name,
                                     "code": row.code if kind == DRIVER else None}
    return named


def _kind_filter(model, kind: str | None):
    if kind == DRIVER:
        return model.driver_id.is_not(None)
    if kind == CONSTRUCTOR:
        return model.constructor_id.is_not(None)
    return True


def race_scores(race_id: int, ruleset: str, kind: str | None) -> list[dict]:
    """A race's stored points per asset under a ruleset, best first (empty before it is scored under it)."""
    get_race(race_id)
    rows = db.session.scalars(
        select(AssetScore).where(AssetScore.race_id == race_id, AssetScore.ruleset == ruleset,
                                 _kind_filter(AssetScore, kind))
    ).all()
    named = named_assets({row.asset for row in rows})
    rows = sorted(rows, key=lambda row: (-row.points, row.asset[0] != DRIVER, named[row.asset]["name"]))
    return [{"asset": named[row.asset], "points": row.points, "breakdown": row.breakdown}
            for row in rows]


def _change(price: Decimal | None, previous: Decimal | None) -> Decimal | None:
    return None if price is None or previous is None else price - previous


def round_prices(year: int, round_: int, kind: str | None) -> list[dict]:
    """A round's prices, dearest first, each with the previous round's price and the change."""
    prices = {row.asset: row.price for row in db.session.scalars(
        AssetPrice.of_round(year, round_).where(_kind_filter(AssetPrice, kind)))}
    if not prices:
        raise NotFound(f"No prices stored for {year} round {round_}: round 1's are the opening prices, each "
                       "later round's are stored once the round before it is scored")
    previous = {row.asset: row.price for row in db.session.scalars(
        AssetPrice.of_round(year, round_ - 1).where(_kind_filter(AssetPrice, kind)))}
    named = named_assets(set(prices))
    ordered = sorted(prices, key=lambda asset: (-prices[asset], asset[0] != DRIVER, named[asset]["name"]))
    return [{"asset": named[asset], "price": prices[asset], "previous_price": previous.get(asset),
             "change": _change(prices[asset], previous.get(asset))} for asset in ordered]


def history(year: int, kind: str, asset_id: int) -> dict:
    """An asset's season: per round its price, the change, and its f1_fantasy_2025 points and line items."""
    named = named_assets({(kind, asset_id)})
    if not named:
        raise NotFound(f"No {kind} {asset_id}")
    column = AssetPrice.driver_id if kind == DRIVER else AssetPrice.constructor_id
    prices = dict(db.session.execute(
        select(AssetPrice.round, AssetPrice.price).where(AssetPrice.season_year == year, column == asset_id)).all())
    score_column = AssetScore.driver_id if kind == DRIVER else AssetScore.constructor_id
    scores = {round_: (points, breakdown) for round_, points, breakdown in db.session.execute(
        select(Race.round, AssetScore.points, AssetScore.breakdown).join(Race, Race.id == AssetScore.race_id)
        .where(Race.season_year == year, AssetScore.ruleset == PRESET, score_column == asset_id))}
    if not prices and not scores:
        raise NotFound(f"The {kind} {asset_id} has no prices or {PRESET} points in {year}")
    rounds = []
    for race in db.session.scalars(Race.of_season(year)):
        if race.round not in prices and race.round not in scores:
            continue
        points, breakdown = scores.get(race.round, (None, None))
        rounds.append({"round": race.round, "race_id": race.id, "race_name": race.name,
                       "price": prices.get(race.round),
                       "change": _change(prices.get(race.round), prices.get(race.round - 1)),
                       "points": points, "breakdown": breakdown})
    return {"asset": named[(kind, asset_id)], "season": year, "rounds": rounds}


# Part of every stamp: entries written in an earlier form are misses, not errors (2: points as JSON numbers).
FORMAT = 2
_SCORES, _PRICES, _HISTORY = AssetScoreSchema(many=True), RoundPriceSchema(many=True), AssetHistorySchema()


def _text(row: dict) -> str:
    return json.dumps(row, separators=(",", ":"))


def _cached(key: str, version_keys: list[str], compute) -> list[str]:
    """`compute()` (a list of JSON texts) from the cache while the versions are those it was computed under."""
    entry = cache.read(key, version_keys, [FORMAT])
    if entry.value is None:
        entry.value = compute()
        if entry.value:
            cache.write(entry, current_app.config["MARKET_CACHE_SECONDS"])
    return entry.value


def race_score_texts(race_id: int, ruleset: str, kind: str | None) -> list[str]:
    """`race_scores`, each row as its JSON response text."""
    return _cached(f"market:scores:{race_id}:{ruleset}:{kind or 'all'}", [RULESET_VERSION.format(ruleset)],
                   lambda: [_text(row) for row in _SCORES.dump(race_scores(race_id, ruleset, kind))])


def round_price_texts(year: int, round_: int, kind: str | None) -> list[str]:
    """`round_prices`, each row as its JSON response text."""
    return _cached(f"market:prices:{year}:{round_}:{kind or 'all'}", [PRICES_VERSION.format(year)],
                   lambda: [_text(row) for row in _PRICES.dump(round_prices(year, round_, kind))])


def history_texts(year: int, kind: str, asset_id: int) -> tuple[str, list[str]]:
    """`history` as JSON texts: the object without its rounds, and each round."""
    def compute() -> list[str]:
        dumped = _HISTORY.dump(history(year, kind, asset_id))
        rounds = dumped.pop("rounds")
        return [_text(dumped), *map(_text, rounds)]

    head, *rounds = _cached(f"market:history:{year}:{kind}:{asset_id}",
                            [PRICES_VERSION.format(year), RULESET_VERSION.format(PRESET)], compute)
    return head, rounds
