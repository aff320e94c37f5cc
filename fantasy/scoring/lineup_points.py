"""How a locked salary-cap lineup scores a round (§13): pure functions over plain data, no Flask, no database.

A round = Σ over the lineup's assets of (its counted line items) × its multiplier − the transfer penalty.
Multipliers: the boost driver 2×, the `extra_boost` chip's driver 3×, everything else 1×; `autopilot` gives
the 2× to the lineup's highest-scoring driver instead of the marked one; `no_negative` counts every negative
line item of an asset as 0 (the penalty still applies). An asset without a stored score did not take part
and counts 0.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from fantasy.scoring.models import DRIVER

ZERO = Decimal(0)
BOOST, EXTRA_BOOST = 2, 3
DID_NOT_TAKE_PART = "did_not_take_part"


@dataclass
class Asset:
    """One asset of a lineup with its stored score under f1_fantasy_2025 (None: it did not take part)."""

    kind: str
    id: int
    points: Decimal | None
    breakdown: dict | None


@dataclass
class Lineup:
    assets: list[Asset]
    boost_driver_id: int | None = None
    extra_boost_driver_id: int | None = None
    chip: str | None = None
    penalty: int = 0


@dataclass
class AssetLine:
    """What one asset counted: its line items as counted (zeroed under no_negative), base and multiplied."""

    kind: str
    id: int
    multiplier: int
    items: dict[str, Decimal]
    base: Decimal
    points: Decimal


@dataclass
class RoundScore:
    lines: list[AssetLine] = field(default_factory=list)
    penalty: int = 0
    points: Decimal = ZERO

    @property
    def best(self) -> Decimal | None:
        """The best single asset's counted points (the standings' third tie-break, as a draft's best pick)."""
        return max((line.points for line in self.lines), default=None)


def _items(asset: Asset, no_negative: bool) -> dict[str, Decimal]:
    if asset.points is None:
        return {DID_NOT_TAKE_PART: ZERO}
    items = {name: Decimal(value) for name, value in asset.breakdown.items()}
    return {name: max(value, ZERO) for name, value in items.items()} if no_negative else items


def _boosted(lineup: Lineup, bases: dict[tuple[str, int], Decimal]) -> int | None:
    """The driver scoring 2×: the marked one, or under autopilot the best-scoring driver (a tie keeps the
    marked driver, else the lower id)."""
    if lineup.chip != "autopilot":
        return lineup.boost_driver_id
    drivers = [(base, asset_id == lineup.boost_driver_id, -asset_id)
               for (kind, asset_id), base in bases.items() if kind == DRIVER]
    return -max(drivers)[2] if drivers else None


def score_lineup(lineup: Lineup) -> RoundScore:
    """The round's points of one locked lineup, with a line per asset (drivers first, in lineup order)."""
    no_negative = lineup.chip == "no_negative"
    items = {(asset.kind, asset.id): _items(asset, no_negative) for asset in lineup.assets}
    bases = {key: sum(values.values(), ZERO) for key, values in items.items()}
    boosted = _boosted(lineup, bases)
    extra = lineup.extra_boost_driver_id if lineup.chip == "extra_boost" else None
    score = RoundScore(penalty=lineup.penalty)
    for asset in sorted(lineup.assets, key=lambda asset: asset.kind != DRIVER):
        key = (asset.kind, asset.id)
        multiplier = 1
        if asset.kind == DRIVER and asset.id == extra:
            multiplier = EXTRA_BOOST
        elif asset.kind == DRIVER and asset.id == boosted:
            multiplier = BOOST
        score.lines.append(AssetLine(asset.kind, asset.id, multiplier, items[key], bases[key],
                                     bases[key] * multiplier))
    score.points = sum((line.points for line in score.lines), ZERO) - lineup.penalty
    return score
