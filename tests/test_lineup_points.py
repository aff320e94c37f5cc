"""How a locked salary-cap lineup scores (§13): multipliers, every chip's effect on points, the penalty."""
from decimal import Decimal as D

from fantasy.scoring.lineup_points import Asset, Lineup, score_lineup


def driver(asset_id, points, **items):
    return Asset("driver", asset_id, D(points), {name: str(value) for name, value in items.items()})


def constructor(asset_id, points, **items):
    return Asset("constructor", asset_id, D(points), {name: str(value) for name, value in items.items()})


ASSETS = [
    driver(1, "30", race_position="25", race_positions_gained="5"),
    driver(2, "-15", qualifying_position="5", race_not_classified="-20"),
    driver(3, "12", race_position="15", race_positions_gained="-3"),
    driver(4, "40", race_position="25", race_fastest_lap="10", qualifying_position="5"),
    Asset("driver", 5, None, None),  # not in the weekend's classifications
    constructor(10, "33", race_position="43", race_positions_gained="-11", qualifying_bonus="1"),
    constructor(11, "8", race_position="8"),
]


def lines(score):
    return [(line.kind, line.id, line.multiplier, line.points) for line in score.lines]


def test_the_boost_doubles_one_driver_and_the_penalty_is_deducted():
    score = score_lineup(Lineup(ASSETS, boost_driver_id=1, penalty=10))
    assert lines(score) == [("driver", 1, 2, D(60)), ("driver", 2, 1, D(-15)), ("driver", 3, 1, D(12)),
                            ("driver", 4, 1, D(40)), ("driver", 5, 1, D(0)), ("constructor", 10, 1, D(33)),
                            ("constructor", 11, 1, D(8))]
    assert score.points == D(60 - 15 + 12 + 40 + 0 + 33 + 8 - 10) == D(128)
    assert score.penalty == 10 and score.best == D(60)
    assert score.lines[4].items == {"did_not_take_part": D(0)}


def test_extra_boost_triples_its_driver_beside_the_boost():
    score = score_lineup(Lineup(ASSETS, boost_driver_id=1, extra_boost_driver_id=4, chip="extra_boost"))
    assert [line.multiplier for line in score.lines] == [2, 1, 1, 3, 1, 1, 1]
    assert score.points == D(60 - 15 + 12 + 120 + 33 + 8) == D(218)


def test_an_extra_boost_driver_without_the_chip_scores_once():
    score = score_lineup(Lineup(ASSETS, boost_driver_id=1, extra_boost_driver_id=4))
    assert [line.multiplier for line in score.lines] == [2, 1, 1, 1, 1, 1, 1]


def test_autopilot_moves_the_boost_to_the_best_scoring_driver():
    score = score_lineup(Lineup(ASSETS, boost_driver_id=2, chip="autopilot"))
    assert [line.multiplier for line in score.lines] == [1, 1, 1, 2, 1, 1, 1]
    assert score.points == D(30 - 15 + 12 + 80 + 33 + 8) == D(148)


def test_autopilot_keeps_the_marked_driver_on_a_tie():
    tied = [driver(7, "40", race_position="40"), *ASSETS]
    score = score_lineup(Lineup(tied, boost_driver_id=4, chip="autopilot"))
    assert {line.id: line.multiplier for line in score.lines if line.kind == "driver"} == {7: 1, 1: 1, 2: 1, 3: 1,
                                                                                          4: 2, 5: 1}


def test_no_negative_zeroes_each_negative_line_item_and_keeps_the_penalty():
    score = score_lineup(Lineup(ASSETS, boost_driver_id=2, chip="no_negative", penalty=20))
    counted = {line.id: (line.base, line.points) for line in score.lines}
    assert counted == {1: (D(30), D(30)), 2: (D(5), D(10)), 3: (D(15), D(15)), 4: (D(40), D(40)), 5: (D(0), D(0)),
                       10: (D(44), D(44)), 11: (D(8), D(8))}
    assert score.lines[1].items == {"qualifying_position": D(5), "race_not_classified": D(0)}
    assert score.points == D(30 + 10 + 15 + 40 + 44 + 8 - 20) == D(127)


def test_an_empty_lineup_scores_minus_its_penalty():
    score = score_lineup(Lineup([], penalty=10))
    assert score.points == D(-10) and score.best is None
