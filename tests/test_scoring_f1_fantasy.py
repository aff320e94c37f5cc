"""The f1_fantasy_2025 preset (§13 "Points") on real 2023 weekends, every number worked by hand.

Weekends of the bundled snapshot: 1 Bahrain (normal; McLaren and Alpine with one car out in Q1), 3 Australia
(Pérez set no Q1 time), 4 Azerbaijan (sprint; two sprint starts from the pit lane), 13 Netherlands
(Magnussen's race from the pit lane), 18 United States (sprint; Hamilton and Leclerc disqualified).

Each comment names the rows read (Q = qualifying, S = sprint, R = race; P = position, G = grid) and the table
line applied. Table: qualifying P1..P10 -> 10..1, no Q1 time -5; sprint P1..P8 -> 8..1, G - P when classified,
fastest lap +5, not classified -20 and nothing else; race P1..P10 -> 25, 18, 15, 12, 10, 8, 6, 4, 2, 1, G - P
when classified, fastest lap +10, not classified -20 and nothing else, disqualified -20; grid 0 = the field
size. Constructor: its drivers' sum, plus the best qualifying bonus that applies (both Q3 +10, one Q3 +5,
both Q2 +3, one Q2 +1, neither Q2 -1; reached = has a time there), -10 per driver disqualified from the race.
"""
import json

import pytest

from fantasy.f1data.models import SessionKind
from fantasy.scoring.rules import NOT_SCORED, PRESETS, score_weekend, scored_sessions
from scoring_fixtures import FIXTURES, KEYS, Weekend, result_of, weekend

PRESET = "f1_fantasy_2025"


def test_bahrain_2023_a_normal_weekend():
    bahrain = weekend(1)
    # Q P1 -> 10; R P1 from G1 -> 25, 0 places (dropped); fastest lap rank 6 -> nothing.
    assert bahrain.driver(PRESET, "max_verstappen") == (35, {"qualifying_position": 10, "race_position": 25})
    # Q P5 -> 6; R P3 -> 15, G5 - P3 = +2.
    assert bahrain.driver(PRESET, "alonso") == (
        23, {"qualifying_position": 6, "race_position": 15, "race_positions_gained": 2})
    # Q P13 -> 0; R P16 (Lapped: classified) -> 0, G13 - P16 = -3; fastest lap rank 1 -> +10.
    assert bahrain.driver(PRESET, "zhou") == (7, {"race_positions_gained": -3, "race_fastest_lap": 10})
    # Q P20 -> 0; R P9 -> 2, G20 - P9 = +11.
    assert bahrain.driver(PRESET, "gasly") == (13, {"race_position": 2, "race_positions_gained": 11})
    # Q P3 -> 8; R retired (positionText R) -> -20 and nothing else.
    assert bahrain.driver(PRESET, "leclerc") == (-12, {"qualifying_position": 8, "race_not_classified": -20})
    # Q P10 -> 1; R P15, G10 - P15 = -5.
    assert bahrain.driver(PRESET, "hulkenberg") == (-4, {"qualifying_position": 1, "race_positions_gained": -5})
    # Red Bull: Verstappen 35 + Pérez (Q P2 -> 9; R P2 from G2 -> 18) 27 = 62; both have a Q3 time -> +10.
    assert bahrain.constructor(PRESET, "red_bull") == (
        72, {"qualifying_position": 19, "race_position": 43, "qualifying_bonus": 10})


def test_bahrain_2023_constructors_with_one_car_out_in_q1():
    bahrain = weekend(1)
    # McLaren: Norris (Q P11 -> 0, a Q2 time; R P17 from G11 -> -6) -6, Piastri (Q P18 -> 0, out in Q1;
    # R retired -> -20) -20; one in Q2 -> +1 (better than neither in Q2, -1). -26 + 1 = -25.
    assert bahrain.constructor(PRESET, "mclaren") == (
        -25, {"race_positions_gained": -6, "race_not_classified": -20, "qualifying_bonus": 1})
    # Alpine: Ocon (Q P9 -> 2, a Q3 time; R retired -> -20) -18, Gasly (out in Q1; 13, above) 13;
    # one in Q3 -> +5. -5 + 5 = 0.
    assert bahrain.constructor(PRESET, "alpine") == (0, {
        "qualifying_position": 2, "race_not_classified": -20, "race_position": 2, "race_positions_gained": 11,
        "qualifying_bonus": 5})
    # Haas: Hülkenberg qualified P10 but his Q3 time is empty (he did not run): he reached Q2, not Q3, by
    # the table's "has a time" rule; Magnussen out in Q1 -> one in Q2, +1. Hülkenberg -4 (above) +
    # Magnussen (Q P17 -> 0; R P13 from G17 -> +4) 4 = 0; + 1.
    assert bahrain.constructor(PRESET, "haas") == (
        1, {"qualifying_position": 1, "race_positions_gained": -1, "qualifying_bonus": 1})


def test_azerbaijan_2023_a_sprint_weekend():
    baku = weekend(4)
    # Q P3 -> 8; S P1 -> 8, G2 - P1 = +1; R P1 -> 25, G3 - P1 = +2 (fastest lap rank 5 -> nothing).
    assert baku.driver(PRESET, "perez") == (44, {
        "qualifying_position": 8, "sprint_position": 8, "sprint_positions_gained": 1, "race_position": 25,
        "race_positions_gained": 2})
    # Q P11 -> 0; S P4 from G4 -> 5; R P8 -> 4, G11 - P8 = +3, fastest lap rank 1 -> +10.
    assert baku.driver(PRESET, "russell") == (22, {
        "sprint_position": 5, "race_position": 4, "race_positions_gained": 3, "race_fastest_lap": 10})
    # Q P8 -> 3; S retired (R, collision damage) -> -20 and nothing else; R P10 -> 1, G8 - P10 = -2.
    assert baku.driver(PRESET, "tsunoda") == (-18, {
        "qualifying_position": 3, "sprint_not_classified": -20, "race_position": 1, "race_positions_gained": -2})
    # Mercedes: Hamilton (Q P5 -> 6; S P7 -> 2, G6 - P7 = -1; R P6 -> 8, G5 - P6 = -1) 14 + Russell 22 = 36;
    # Hamilton in Q3, Russell only in Q2: both in Q2 (+3) applies, one in Q3 (+5) is better -> +5.
    assert baku.constructor(PRESET, "mercedes") == (41, {
        "qualifying_position": 6, "sprint_position": 7, "sprint_positions_gained": -1, "race_position": 12,
        "race_positions_gained": 2, "race_fastest_lap": 10, "qualifying_bonus": 5})
    # Williams: Albon (Q P13 -> 0; S P9 from G7 -> -2; R P12 from G12 -> 0) -2 + Sargeant -22 (next test);
    # both have a Q2 time, neither a Q3 time -> +3. -24 + 3 = -21.
    assert baku.constructor(PRESET, "williams") == (-21, {
        "sprint_positions_gained": -2, "sprint_not_classified": -20, "race_positions_gained": -2,
        "qualifying_bonus": 3})
    # Haas: Hülkenberg (Q P17; S P15 from G12 -> -3; R P17 from G20 -> +3) 0 + Magnussen (Q P18; S P11 from
    # G13 -> +2; R P13 from G16 -> +3) 5 = 5; both out in Q1 -> neither in Q2, -1.
    assert baku.constructor(PRESET, "haas") == (4, {
        "sprint_positions_gained": -1, "race_positions_gained": 6, "qualifying_bonus": -1})


def test_pit_lane_starts_count_from_the_back_of_the_field():
    # Zandvoort 2023: Magnussen, Q P18 -> 0; R P16 from the pit lane (G0 = 20 cars) -> 20 - 16 = +4.
    zandvoort = weekend(13)
    assert zandvoort.driver(PRESET, "kevin_magnussen") == (4, {"race_positions_gained": 4})
    # Haas: Hülkenberg (Q P15 -> 0, a Q2 time; R P12 from G14 -> +2) 2 + Magnussen 4 (out in Q1) = 6; one in
    # Q2 -> +1.
    assert zandvoort.constructor(PRESET, "haas") == (7, {"race_positions_gained": 6, "qualifying_bonus": 1})
    # Alonso: Q P5 -> 6; R P2 -> 18, G5 - P2 = +3, fastest lap rank 1 -> +10 (his official 19 points
    # already hold the championship's fastest-lap point; this preset does not read them).
    assert zandvoort.driver(PRESET, "alonso") == (37, {
        "qualifying_position": 6, "race_position": 18, "race_positions_gained": 3, "race_fastest_lap": 10})
    # Baku 2023: Ocon, Q P12 -> 0; S P18 from the pit lane (G0 = 20) -> +2; R P15 from G19 -> +4.
    baku = weekend(4)
    assert baku.driver(PRESET, "ocon") == (6, {"sprint_positions_gained": 2, "race_positions_gained": 4})
    # Sargeant also started the sprint from the pit lane but retired: -20 and nothing else; Q P15 -> 0;
    # R P16 from G14 -> -2.
    assert baku.driver(PRESET, "sargeant") == (-22, {"sprint_not_classified": -20, "race_positions_gained": -2})


def test_united_states_2023_disqualifications():
    austin = weekend(18)
    # Jolpica keeps the disqualified cars' numeric positionText ("19", "20") with status "Disqualified".
    assert austin.drivers["hamilton"][SessionKind.race].position_text == "19"
    # Hamilton: Q P3 -> 8; S P2 -> 7, G3 - P2 = +1; R disqualified -> -20, and no G3 - P19 = -16.
    assert austin.driver(PRESET, "hamilton") == (-4, {
        "qualifying_position": 8, "sprint_position": 7, "sprint_positions_gained": 1, "disqualified": -20})
    # Leclerc: Q P1 -> 10; S P3 -> 6, G2 - P3 = -1; R disqualified -> -20.
    assert austin.driver(PRESET, "leclerc") == (-5, {
        "qualifying_position": 10, "sprint_position": 6, "sprint_positions_gained": -1, "disqualified": -20})
    # Mercedes: Hamilton -4 + Russell (Q P5 -> 6; S P8 -> 1, G11 - P8 = +3; R P5 from G5 -> 10) 20 = 16;
    # both in Q3 -> +10; one driver disqualified from the race -> -10 more. 16.
    assert austin.constructor(PRESET, "mercedes") == (16, {
        "qualifying_position": 14, "sprint_position": 8, "sprint_positions_gained": 4, "disqualified": -20,
        "race_position": 10, "qualifying_bonus": 10, "constructor_disqualified": -10})
    # Ferrari: Leclerc -5 + Sainz (Q P4 -> 7; S P6 from G6 -> 3; R P3 -> 15, G4 - P3 = +1) 26 = 21; +10; -10.
    assert austin.constructor(PRESET, "ferrari") == (21, {
        "qualifying_position": 17, "sprint_position": 9, "sprint_positions_gained": -1, "disqualified": -20,
        "race_position": 15, "race_positions_gained": 1, "qualifying_bonus": 10, "constructor_disqualified": -10})
    # Tsunoda: Q P11 -> 0; S P14 from G19 -> +5; R P8 -> 4, G11 - P8 = +3, fastest lap rank 1 -> +10.
    assert austin.driver(PRESET, "tsunoda") == (22, {
        "sprint_positions_gained": 5, "race_position": 4, "race_positions_gained": 3, "race_fastest_lap": 10})
    # Stroll: Q P19 -> 0; S retired (brakes) -> -20; R P7 -> 6, G20 - P7 = +13.
    assert austin.driver(PRESET, "stroll") == (-1, {
        "sprint_not_classified": -20, "race_position": 6, "race_positions_gained": 13})


def test_a_disqualification_is_not_classified_under_every_preset():
    austin = weekend(18)
    hamilton = {SessionKind.race: austin.drivers["hamilton"][SessionKind.race]}
    sizes = austin.sizes
    # fantasy: not classified (retired, disqualified, not started) -> -20 and nothing else, not G3 - P19.
    assert score_weekend("fantasy", hamilton, sizes) == (-20, {"race_not_classified": -20})
    # inverted: P19 would earn max(1, 10 - 9) = 1; a disqualified car is not classified -> nothing.
    assert score_weekend("inverted", hamilton, sizes) == (0, {})
    # standard: the upstream's official points as they are (0).
    assert score_weekend("standard", hamilton, sizes) == (0, {"race_official": 0})


def test_australia_2023_no_q1_time():
    melbourne = weekend(3)
    # Pérez crashed in Q1 and set no time (Q1 ""), listed P20 -> -5 instead of position points; R P5 -> 10,
    # G20 - P5 = +15, fastest lap rank 1 -> +10.
    assert melbourne.driver(PRESET, "perez") == (30, {
        "qualifying_no_time": -5, "race_position": 10, "race_positions_gained": 15, "race_fastest_lap": 10})
    # Red Bull: Verstappen (Q P1 -> 10; R P1 from G1 -> 25; fastest lap rank 2) 35 + Pérez 30 = 65; only
    # Verstappen reached Q3 (Pérez has no time at all) -> one in Q3, +5.
    assert melbourne.constructor(PRESET, "red_bull") == (70, {
        "qualifying_position": 10, "qualifying_no_time": -5, "race_position": 35, "race_positions_gained": 15,
        "race_fastest_lap": 10, "qualifying_bonus": 5})


def test_sprint_fastest_lap_on_china_2025():
    # The 2023 sprint rows carry no fastest lap; China 2025's does. Hamilton S P1 from G1 -> 8, 0 places,
    # fastest lap rank 1 -> +5.
    race = json.loads((FIXTURES / "jolpica" / "2025" / "sprint-limit30-offset0.json").read_text())
    rows = {
        row["Driver"]["driverId"]: result_of(row) for row in race["MRData"]["RaceTable"]["Races"][0]["SprintResults"]
    }
    china = Weekend({ref: {SessionKind.sprint: row} for ref, row in rows.items()}, {SessionKind.sprint: 20}, {})
    assert china.driver(PRESET, "hamilton") == (13, {"sprint_position": 8, "sprint_fastest_lap": 5})


@pytest.mark.parametrize(("round_", "key", "total"), [
    (1, "QualifyingResults", 55),  # 10 + 9 + ... + 1 over P1..P10
    (1, "Results", 101),  # 25 + 18 + 15 + 12 + 10 + 8 + 6 + 4 + 2 + 1: all ten top-ten finishers classified
    (4, "SprintResults", 36),  # 8 + 7 + ... + 1 over P1..P8
])
def test_each_position_table_is_paid_out_exactly_once_over_a_field(round_, key, total):
    real = weekend(round_)
    kind = KEYS[key]
    item = {SessionKind.qualifying: "qualifying_position"}.get(kind, f"{kind.value}_position")
    paid = [real.driver(PRESET, ref)[1].get(item, 0) for ref, sessions in real.drivers.items() if kind in sessions]
    assert sum(paid) == total and len([points for points in paid if points]) == {55: 10, 101: 10, 36: 8}[total]


def test_the_preset_scores_every_session_and_documents_what_it_cannot():
    assert scored_sessions(PRESET) == set(SessionKind)
    assert NOT_SCORED[PRESET] == ("overtakes", "driver of the day", "pit stops")
    assert PRESETS[PRESET] == {  # §13, line by line
        "qualifying_points": [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], "qualifying_no_time": -5,
        "sprint_points": [8, 7, 6, 5, 4, 3, 2, 1], "sprint_positions_gained": 1, "sprint_fastest_lap": 5,
        "sprint_not_classified": -20,
        "race_points": [25, 18, 15, 12, 10, 8, 6, 4, 2, 1], "race_positions_gained": 1, "race_fastest_lap": 10,
        "race_not_classified": -20, "disqualified": -20,
    }


def test_a_constructor_under_standard_scores_its_championship_points():
    # No constructor lines outside f1_fantasy_2025: Red Bull's Bahrain 2023 = 25 + 18 official points.
    assert weekend(1).constructor("standard", "red_bull") == (43, {"race_official": 43})
