"""Scoring rules on the recorded payloads: standard = official points; inverted and fantasy worked by hand."""
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fantasy.f1data.models import SessionKind
from fantasy.scoring.rules import PRESETS, Result, ruleset_key, score_weekend, scored_sessions
from scoring_fixtures import FIXTURES, KEYS, result_of


def classification(path: str, race_index: int = 0) -> tuple[SessionKind, dict[str, Result]]:
    """One recorded classification as {driverId: Result}."""
    race = json.loads((FIXTURES / "jolpica" / path).read_text())["MRData"]["RaceTable"]["Races"][race_index]
    key = next(key for key in KEYS if key in race)
    return KEYS[key], {row["Driver"]["driverId"]: result_of(row) for row in race[key]}


def score(ruleset, session, rows, driver):
    return score_weekend(ruleset, {session: rows[driver]}, {session: len(rows)})


RECORDED = [
    "2025/1-results.json", "2023/9-results.json", "2023/sprint-limit30-offset0.json",
    "2025/sprint-limit30-offset0.json",
]


@pytest.mark.parametrize("path", RECORDED)
def test_standard_equals_official_points_for_every_driver(path):
    session, rows = classification(path)
    for driver, row in rows.items():
        points, items = score("standard", session, rows, driver)
        assert points == row.points, driver
        assert items == {f"{session.value}_official": row.points}


def test_inverted_on_austria_2023():
    session, rows = classification("2023/9-results.json")
    expected = {"max_verstappen": 1, "gasly": 10, "albon": 9, "zhou": 8, "tsunoda": 1, "hulkenberg": 0}
    for driver, points in expected.items():
        assert score("inverted", session, rows, driver)[0] == points, driver
    assert score("inverted", session, rows, "hulkenberg")[1] == {}  # retired: nothing


def test_inverted_ignores_sprints():
    session, rows = classification("2023/sprint-limit30-offset0.json")
    assert score("inverted", session, rows, "perez") == (0, {})


def test_fantasy_race_on_austria_2023():
    session, rows = classification("2023/9-results.json")
    # Winner from pole with the fastest lap: 25 + 10.
    assert score("fantasy", session, rows, "max_verstappen") == (
        35, {"race_position": 25, "race_fastest_lap": 10})
    # P3 from grid 15: 15 + 12 places gained.
    assert score("fantasy", session, rows, "perez") == (27, {"race_position": 15, "race_positions_gained": 12})
    # P6 from grid 3: 8 - 3 places lost.
    assert score("fantasy", session, rows, "sainz") == (5, {"race_position": 8, "race_positions_gained": -3})
    # A lapped finisher is classified: P12 from grid 17 scores only the 5 places gained.
    assert score("fantasy", session, rows, "zhou") == (5, {"race_positions_gained": 5})
    # A retirement: -20 and nothing else.
    assert score("fantasy", session, rows, "hulkenberg") == (-20, {"race_not_classified": -20})


def test_fantasy_sprint_on_baku_2023():
    session, rows = classification("2023/sprint-limit30-offset0.json")
    assert score("fantasy", session, rows, "perez") == (9, {"sprint_position": 8, "sprint_positions_gained": 1})
    assert score("fantasy", session, rows, "norris") == (-7, {"sprint_positions_gained": -7})
    # Pit-lane start (grid 0) counts as grid 20, the size of the field: P18 gains 2.
    assert score("fantasy", session, rows, "ocon") == (2, {"sprint_positions_gained": 2})
    assert score("fantasy", session, rows, "tsunoda") == (-10, {"sprint_not_classified": -10})
    assert score("fantasy", session, rows, "sargeant") == (-10, {"sprint_not_classified": -10})


def test_fantasy_sprint_fastest_lap_on_china_2025():
    session, rows = classification("2025/sprint-limit30-offset0.json")
    hamilton = rows["hamilton"]
    points, items = score("fantasy", session, rows, "hamilton")
    assert items["sprint_fastest_lap"] == 5
    assert points == 8 + (hamilton.grid - hamilton.position) + 5


def test_fantasy_qualifying_on_zandvoort_2023_and_a_missing_q1_time():
    session, rows = classification("2023/13-qualifying.json")
    assert score("fantasy", session, rows, "max_verstappen") == (10, {"qualifying_position": 10})
    tenth = next(driver for driver, row in rows.items() if row.position == 10)
    assert score("fantasy", session, rows, tenth)[0] == 1
    eleventh = next(driver for driver, row in rows.items() if row.position == 11)
    assert score("fantasy", session, rows, eleventh) == (0, {})
    # The same real row without its Q1 time (a driver who set none): -5 instead.
    no_time = {**rows, "max_verstappen": Result(**{**vars(rows["max_verstappen"]), "q1_ms": None})}
    assert score("fantasy", session, no_time, "max_verstappen") == (-5, {"qualifying_no_time": -5})
    assert score("standard", session, rows, "max_verstappen") == (0, {})  # standard ignores qualifying


def test_withdrawn_driver_did_appear_and_the_ruleset_decides():
    session, rows = classification("2023/9-results.json")
    withdrawn = {**rows, "albon": Result(**{**vars(rows["albon"]), "position_text": "W", "status": "Withdrew",
                                             "points": Decimal(0)})}
    assert score("fantasy", session, withdrawn, "albon") == (-20, {"race_not_classified": -20})
    assert score("standard", session, withdrawn, "albon") == (0, {"race_official": 0})
    assert score("inverted", session, withdrawn, "albon") == (0, {})


def test_disqualification_penalty_of_a_custom_ruleset():
    session, rows = classification("2023/9-results.json")
    disqualified = {**rows, "gasly": Result(**{**vars(rows["gasly"]), "position_text": "D"})}
    custom = {"race_points": [10] * 10, "race_not_classified": -5, "disqualified": -30}
    assert score(custom, session, disqualified, "gasly") == (-30, {"disqualified": -30})
    assert score(custom, session, rows, "hulkenberg") == (-5, {"race_not_classified": -5})


def test_weekend_is_the_sum_of_its_sessions():
    race_session, race = classification("2023/9-results.json")
    sprint_session, sprint = classification("2023/sprint-limit30-offset0.json")
    sizes = {race_session: len(race), sprint_session: len(sprint)}
    weekend = {race_session: race["perez"], sprint_session: sprint["perez"]}
    total, items = score_weekend("fantasy", weekend, sizes)
    assert total == 27 + 9 and set(items) == {
        "race_position", "race_positions_gained", "sprint_position", "sprint_positions_gained"}


def test_ruleset_keys_share_equal_content():
    assert ruleset_key("standard") == "standard"
    a = {"race_points": [3, 2, 1], "race_fastest_lap": 1}
    b = {"race_fastest_lap": 1, "race_points": [3, 2, 1], "sprint_points": []}
    assert ruleset_key(a) == ruleset_key(b) != ruleset_key({"race_points": [3, 2, 1]})
    assert scored_sessions("inverted") == {SessionKind.race}
    assert scored_sessions(PRESETS["fantasy"]) == set(SessionKind)


ALL_RACE_ROWS = [row for path in RECORDED for row in classification(path)[1].values()]


@given(st.lists(st.sampled_from(ALL_RACE_ROWS), min_size=1, max_size=8))
def test_standard_total_of_any_picks_is_their_official_points(picks):
    total = sum(score_weekend("standard", {SessionKind.race: row}, {SessionKind.race: 20})[0] for row in picks)
    assert total == sum(row.points for row in picks)


@given(st.sampled_from(ALL_RACE_ROWS))
def test_inverted_points_stay_between_zero_and_ten(row):
    points, _ = score_weekend("inverted", {SessionKind.race: row}, {SessionKind.race: 20})
    assert 0 <= points <= 10
    assert (points == 0) == (not row.classified)


def test_a_sprint_and_a_race_disqualification_both_count():
    # Austria 2023 rows for Gasly, both turned into disqualifications (no real weekend had both).
    race_session, race = classification("2023/9-results.json")
    sprint_session, sprint = classification("2023/sprint-limit30-offset0.json")
    weekend = {race_session: Result(**{**vars(race["gasly"]), "position_text": "D"}),
               sprint_session: Result(**{**vars(sprint["gasly"]), "status": "Disqualified"})}
    total, items = score_weekend("f1_fantasy_2025", weekend, {race_session: 20, sprint_session: 20})
    assert (total, items) == (-40, {"sprint_disqualified": -20, "disqualified": -20})
