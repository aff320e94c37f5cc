"""The price rule of §13, line by line, as pure functions: thresholds, both bands, the floor, the window,
the opening curve (it reproduces the bundled 2023 list) and who moves after a round."""
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from fantasy.market.rules import lowest_opening_price, next_price, opening_price, step
from fantasy.market.service import move

BUNDLED = Path(__file__).parent.parent / "fantasy" / "market" / "data" / "2023-opening.json"


@pytest.mark.parametrize(("points", "moved"), [
    # Under 18.5, price 10.0: points per million = points / 10.
    ("5.99", "-0.6"),  # below 0.6
    ("6", "-0.2"),  # 0.6 opens the second step
    ("8.99", "-0.2"),  # below 0.9
    ("9", "+0.2"),  # 0.9 opens the third
    ("11.99", "+0.2"),  # below 1.2
    ("12", "+0.6"),  # 1.2 and over
    ("-20", "-0.6"),  # negative points are simply below 0.6
])
def test_the_lower_band_thresholds(points, moved):
    assert step(D("10.0"), [D(points)]) == D(moved)


@pytest.mark.parametrize(("price", "points", "moved"), [
    # From 18.5 up the steps halve: 18.5 itself is in the upper band; ppm = points / 20 at 20.0.
    ("20.0", "11.99", "-0.3"), ("20.0", "12", "-0.1"), ("20.0", "17.99", "-0.1"), ("20.0", "18", "+0.1"),
    ("20.0", "23.99", "+0.1"), ("20.0", "24", "+0.3"),
    ("18.5", "22.2", "+0.3"),  # 22.2 / 18.5 = 1.2 exactly
    ("18.4", "22.08", "+0.6"),  # 22.08 / 18.4 = 1.2 exactly, but under 18.5: the lower band's step
])
def test_the_upper_band_from_18_5(price, points, moved):
    assert step(D(price), [D(points)]) == D(moved)


def test_the_window_is_the_last_three_scored_rounds_averaged():
    # 40 points three rounds ago no longer count: (0 + 0 + 9) / 3 = 3 per round at 10.0 -> 0.3 -> -0.6.
    assert step(D("10.0"), [D(40), D(0), D(0), D(9)]) == D("-0.6")
    # Within the window they do: (40 + 0 + 0) / 3 = 13.33 -> 1.33 -> +0.6.
    assert step(D("10.0"), [D(40), D(0), D(0)]) == D("+0.6")
    # Fewer than three scored rounds: the average of those there are, (6 + 12) / 2 = 9 -> 0.9 -> +0.2.
    assert step(D("10.0"), [D(6), D(12)]) == D("+0.2")
    # Exact on a threshold over three rounds: (5 + 6 + 7) / 3 = 6 -> 0.6 -> -0.2 (no rounding down to 5.99).
    assert step(D("10.0"), [D(5), D(6), D(7)]) == D("-0.2")


def test_the_floor_is_4_5():
    assert next_price(D("4.7"), [D(-20)]) == D("4.5")  # 4.7 - 0.6 = 4.1, held at 4.5
    assert next_price(D("4.5"), [D(0)]) == D("4.5")
    assert next_price(D("5.1"), [D(0)]) == D("4.5")  # 5.1 - 0.6 = 4.5 exactly
    assert next_price(D("4.5"), [D(6)]) == D("5.1")  # 6 / 4.5 = 1.33 -> +0.6


def test_a_price_moves_from_its_own_band_and_lands_in_tenths():
    assert next_price(D("18.4"), [D(30)]) == D("19.0")  # under 18.5: +0.6 even though it lands above
    assert next_price(D("18.5"), [D(0)]) == D("18.2")  # from 18.5: -0.3 even though it lands below
    assert next_price(D("28.0"), [D(35)]) == D("28.3")  # Verstappen after Bahrain 2023: 1.25 -> +0.3


def test_the_opening_curve_gives_the_bundled_2023_list():
    listed = json.loads(BUNDLED.read_text())
    for kind, key in (("driver", "drivers"), ("constructor", "constructors")):
        prices = list(listed[key].values())  # in the previous season's finishing order
        assert [str(opening_price(kind, rank, len(prices))) for rank in range(1, len(prices) + 1)] == [
            f"{price:.1f}" for price in prices], kind
    assert (lowest_opening_price("driver"), lowest_opening_price("constructor")) == (D("4.5"), D("6.0"))
    assert opening_price("driver", 1, 1) == D("28.0")  # a field of one: the top of the curve


def test_after_a_round_only_the_assets_it_scored_move_and_newcomers_open_at_the_bottom():
    prices = {("driver", 1): D("10.0"), ("driver", 2): D("10.0"), ("constructor", 3): D("20.0")}
    points = {1: {("driver", 1): D(12), ("driver", 2): D(12), ("constructor", 3): D(0)},
              2: {("driver", 1): D(0), ("constructor", 3): D(30), ("driver", 4): D(25), ("constructor", 5): D(1)}}
    assert move(prices, points, 2) == {
        ("driver", 1): D("9.8"),  # (12 + 0) / 2 = 6 per round at 10.0 -> 0.6 -> -0.2
        ("driver", 2): D("10.0"),  # not in round 2: keeps its price
        ("constructor", 3): D("19.9"),  # (0 + 30) / 2 = 15 / 20 = 0.75 -> -0.1
        ("driver", 4): D("4.5"),  # first scored in round 2: the bottom of the driver curve
        ("constructor", 5): D("6.0"),
    }
