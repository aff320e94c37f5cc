"""The price rule (§13) as pure functions over Decimals: the opening curve and the move after a scored round.

Exact arithmetic throughout: points per million is compared as "window total >= threshold × price × rounds",
never as a rounded quotient, so an asset exactly on a threshold moves the way the table says.
"""
from decimal import ROUND_HALF_UP, Decimal

PRESET = "f1_fantasy_2025"  # the points that move prices, whatever the leagues score under
TENTH = Decimal("0.1")
FLOOR = Decimal("4.5")
WINDOW = 3  # an asset's last (up to) 3 scored rounds
HIGH_BAND = Decimal("18.5")  # from this price up, the smaller steps
# Points per million thresholds: below 0.6, 0.6 up to 0.9, 0.9 up to 1.2, 1.2 and over.
THRESHOLDS = (Decimal("0.6"), Decimal("0.9"), Decimal("1.2"))
STEPS = {
    False: tuple(Decimal(step) for step in ("-0.6", "-0.2", "0.2", "0.6")),  # under 18.5
    True: tuple(Decimal(step) for step in ("-0.3", "-0.1", "0.1", "0.3")),  # 18.5 and over
}
# The opening curve by rank r of N (the bundled lists use it): floor + span × ((N − r)/(N − 1))^power.
CURVES = {"driver": (Decimal("4.5"), Decimal("23.5"), 2), "constructor": (Decimal("6.0"), Decimal("22.0"), 1.5)}


def tenths(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def opening_price(kind: str, rank: int, field: int) -> Decimal:
    """The price of the asset ranked `rank` of `field` in the previous season's final standings."""
    floor, span, power = CURVES[kind]
    if field <= 1:
        return floor + span
    share = Decimal(field - rank) / Decimal(field - 1)
    curve = share * share if power == 2 else share * share.sqrt()
    return tenths(floor + span * curve)


def lowest_opening_price(kind: str) -> Decimal:
    """What an asset new to the season opens at: the bottom of its curve."""
    return CURVES[kind][0]


def step(price: Decimal, window: list[Decimal]) -> Decimal:
    """How far a price moves given the asset's points in its last scored rounds (oldest first; only the last
    WINDOW count), its price being the one of the round just scored."""
    window = window[-WINDOW:]
    total, rounds = sum(window, Decimal(0)), len(window)
    reached = sum(total >= threshold * price * rounds for threshold in THRESHOLDS)
    return STEPS[price >= HIGH_BAND][reached]


def next_price(price: Decimal, window: list[Decimal]) -> Decimal:
    """The next round's price: moved by the points per million, never below the floor."""
    return max(FLOOR, price + step(price, window))
