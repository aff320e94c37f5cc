"""A team's lineups over the season, and what each round starts from (§13): the lineup carried over from
the round before, or — after a `limitless` round — the lineup and bank from before it."""
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from fantasy.extensions import db
from fantasy.f1data.models import Race
from fantasy.lineups.models import Chip, Lineup, LineupAsset
from fantasy.lineups.rules import Asset
from fantasy.scoring.models import CONSTRUCTOR, DRIVER


@dataclass
class Held:
    """A lineup as plain data: a stored row (`row`), or one carried over to a round without a row."""

    round: int
    drivers: list[int]
    constructors: list[int]
    bank: Decimal
    boost_driver_id: int | None = None
    extra_boost_driver_id: int | None = None
    chip: str | None = None
    row: Lineup | None = None
    paid: dict[Asset, Decimal] = field(default_factory=dict)  # each asset's price when this lineup was set

    @property
    def assets(self) -> set[Asset]:
        return {(DRIVER, driver) for driver in self.drivers} | {(CONSTRUCTOR, team) for team in self.constructors}

    @property
    def locked(self) -> bool:
        return self.row is not None and self.row.locked_at is not None


def lineups_of(team_id: int) -> list[Held]:
    """Every stored lineup of the team (locked, and the open round's editable one), in round order: two
    statements for the whole season."""
    rows = db.session.execute(
        select(Lineup, Race.round).join(Race, Race.id == Lineup.race_id).where(Lineup.team_id == team_id)
        .order_by(Race.round)
    ).all()
    assets = defaultdict(list)
    if rows:
        for asset in db.session.scalars(
            select(LineupAsset).where(LineupAsset.lineup_id.in_([row.id for row, _ in rows])).order_by(LineupAsset.id)
        ):
            assets[asset.lineup_id].append(asset)
    return [Held(round_, [a.driver_id for a in assets[row.id] if a.driver_id is not None],
                 [a.constructor_id for a in assets[row.id] if a.constructor_id is not None], row.bank,
                 row.boost_driver_id, row.extra_boost_driver_id, row.chip, row,
                 {(DRIVER, a.driver_id) if a.driver_id is not None else (CONSTRUCTOR, a.constructor_id): a.price
                  for a in assets[row.id]})
            for row, round_ in rows]


def at(history: list[Held], round_: int) -> Held | None:
    return next((held for held in history if held.round == round_), None)


def base(history: list[Held], round_: int) -> Held | None:
    """What round `round_` starts from: the latest lineup before it, or the one before that when the latest
    played `limitless` (its lineup and bank return to what they were). None before a first lineup."""
    earlier = [held for held in history if held.round < round_]
    if not earlier:
        return None
    latest = earlier[-1]
    if latest.chip == Chip.limitless.value:
        return earlier[-2] if len(earlier) > 1 else None
    return latest


def previous(history: list[Held], round_: int) -> Held | None:
    """The team's stored lineup of the latest round before `round_` (its unused free transfers carry): the
    previous round's locked one, or for a later round's preview the open round's."""
    return next((held for held in reversed(history) if held.round < round_), None)


def carried(source: Held, round_: int) -> Held:
    """`source` carried over unchanged to `round_`: no chip, the same boost, the same bank."""
    return Held(round_, list(source.drivers), list(source.constructors), source.bank, source.boost_driver_id,
                paid=dict(source.paid))


def used_chips(history: list[Held]) -> dict[str, int]:
    """Chips played in locked lineups: chip -> round."""
    return {held.chip: held.round for held in history if held.locked and held.chip}
