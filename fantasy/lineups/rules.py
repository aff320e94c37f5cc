"""The salary-cap money and transfer rules (§13) as pure functions over plain data, tested without the app.

An asset is (kind, id), kind "driver" or "constructor" as in the market; prices are Decimals in millions.
"""
from decimal import Decimal

from fantasy.lineups.models import Chip

DRIVERS, CONSTRUCTORS = 5, 2
FREE_PER_ROUND = 2
MOST_FREE = 3  # 2 a round and at most 1 unused carried over
PENALTY_PER_TRANSFER = 10
# Chips that make every transfer of their round free; they are not available in a team's first round.
FREE_TRANSFER_CHIPS = (Chip.wildcard.value, Chip.limitless.value)

Asset = tuple[str, int]


def transfers(previous: set[Asset] | None, chosen: set[Asset]) -> int:
    """Assets bought since the previous lineup, counted net (a swap and its swap back cost nothing, as only
    the lineups themselves are compared); none for a team's first lineup."""
    return 0 if previous is None else len(chosen - previous)


def free_transfers(previous_free: int, previous_transfers: int) -> int:
    """Free transfers of a round from the team's previous locked round: 2, plus 1 if one was left unused
    (at most 3). A first lineup is free and leaves nothing to carry: it is stored with 0 free, 0 transfers."""
    return min(MOST_FREE, FREE_PER_ROUND + min(1, max(0, previous_free - previous_transfers)))


def penalty(count: int, free: int, chip: str | None, first: bool) -> int:
    """Points a round's transfers cost: 10 for each beyond the free ones; none for the first lineup or with
    wildcard or limitless."""
    if first or chip in FREE_TRANSFER_CHIPS:
        return 0
    return PENALTY_PER_TRANSFER * max(0, count - free)


def bank_after(bank: Decimal, previous: set[Asset] | None, chosen: set[Asset], prices: dict[Asset, Decimal]) -> Decimal:
    """The bank once `chosen` is bought at this round's prices: what is sold returns its price, what is
    bought costs its price (a first lineup buys everything out of the starting bank)."""
    previous = previous or set()
    return bank + sum((prices[asset] for asset in previous - chosen), Decimal(0)) - sum(
        (prices[asset] for asset in chosen - previous), Decimal(0))


def default_boost(drivers: list[int], prices: dict[Asset, Decimal]) -> int:
    """The boost when none is marked at lock: the most expensive driver (the lower id on a tie)."""
    return min(drivers, key=lambda driver: (-prices[("driver", driver)], driver))
