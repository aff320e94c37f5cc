"""Season driver standings: official points, then the countback, on plain data and on real stored rounds."""
from collections import Counter
from decimal import Decimal

from fantasy.f1data import service
from fantasy.f1data.standings import DriverRecord, rank, tally

API = "/api/v1"


def record(driver_id, points, places=(), unclassified=()):
    return DriverRecord(driver_id, Decimal(points), Counter(places), Counter(unclassified))


def order(records):
    return [(position, r.driver_id) for position, r in rank(records)]


def test_points_first_then_more_wins_then_more_second_places():
    records = [
        record(1, 43, places=[2, 2, 3]),
        record(2, 43, places=[1, 5, 9]),  # one win beats any number of second places
        record(3, 44, places=[20]),  # points come before any countback
        record(4, 43, places=[2, 3, 3]),  # no win either, but one second place fewer than driver 1
    ]
    assert order(records) == [(1, 3), (2, 2), (3, 1), (4, 4)]


def test_countback_goes_as_deep_as_it_must_then_unclassified_positions():
    records = [
        record(1, 4, places=[8, 13], unclassified=[18]),
        record(2, 4, places=[8, 11, 19]),  # both one 8th; the 11th decides before Driver 1's 13th
        record(3, 0, places=[15], unclassified=[20]),
        record(4, 0, places=[15], unclassified=[17]),  # equal classified places: the retirement order decides
    ]
    assert order(records) == [(1, 2), (2, 1), (3, 4), (4, 3)]


def test_only_a_complete_tie_shares_a_position():
    records = [record(5, 10, places=[4]), record(2, 10, places=[4]), record(9, 1, places=[10])]
    assert order(records) == [(1, 2), (1, 5), (3, 9)]


def test_sprint_places_do_not_count_back():
    # Rows as the query groups them: (driver, counts back, classified, position, count, points)
    records = tally([
        (1, True, True, 8, 1, "4"), (1, False, True, 16, 1, "0"), (1, True, True, 13, 1, "0"),
        (2, True, True, 8, 1, "4"), (2, False, True, 10, 1, "0"), (2, True, True, 15, 1, "0"),
    ])
    assert (records[2].points, records[2].places, records[2].wins) == (Decimal(4), Counter({8: 1, 15: 1}), 0)
    assert order(records.values()) == [(1, 1), (2, 2)]


def test_2023_standings_over_the_bundled_season(app, client):
    """The whole bundled 2023 season gives the official final championship table, ties included."""
    with app.app_context():
        service.load_snapshot()
    response = client.get(f"{API}/seasons/2023/driver-standings")
    assert response.status_code == 200
    table = [(row["position"], row["driver"]["ref"], Decimal(row["points"]), row["wins"])
             for row in response.get_json()]

    assert table[:3] == [(1, "max_verstappen", Decimal(575), 19), (2, "perez", Decimal(285), 2),
                         (3, "hamilton", Decimal(234), 0)]
    # Alonso and Leclerc both 206 without a win: Alonso's three second places beat Leclerc's two.
    assert table[3:5] == [(4, "alonso", Decimal(206), 0), (5, "leclerc", Decimal(206), 0)]
    # Ricciardo and Zhou both 6: Ricciardo's 7th in Mexico beats Zhou's best, a 9th.
    assert table[16:] == [(17, "ricciardo", 6, 0), (18, "zhou", 6, 0), (19, "kevin_magnussen", 3, 0),
                          (20, "lawson", 2, 0), (21, "sargeant", 1, 0), (22, "de_vries", 0, 0)]
    assert [row[0] for row in table] == list(range(1, 23))
