"""Draft order logic as properties: turns for snake and sequential, rotation, reverse standings, manual."""
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from fantasy.drafts import order
from fantasy.leagues.models import DraftMethod

teams = st.integers(min_value=2, max_value=10).flatmap(
    lambda n: st.lists(st.integers(min_value=1, max_value=10_000), min_size=n, max_size=n, unique=True)
)
picks = st.integers(min_value=1, max_value=4)


@given(teams, picks, st.sampled_from(list(DraftMethod)))
def test_every_team_gets_exactly_its_picks(team_order, picks_per_team, method):
    sequence = order.turn_sequence(team_order, method, picks_per_team)
    assert len(sequence) == len(team_order) * picks_per_team
    assert Counter(sequence) == {team: picks_per_team for team in team_order}


@given(teams, picks)
def test_sequential_repeats_the_order_every_round(team_order, picks_per_team):
    sequence = order.turn_sequence(team_order, DraftMethod.sequential, picks_per_team)
    assert sequence == team_order * picks_per_team


@given(teams, picks)
def test_snake_reverses_every_other_round(team_order, picks_per_team):
    sequence = order.turn_sequence(team_order, DraftMethod.snake, picks_per_team)
    size = len(team_order)
    for round_index in range(picks_per_team):
        chunk = sequence[round_index * size:(round_index + 1) * size]
        assert chunk == (team_order if round_index % 2 == 0 else team_order[::-1])
    # The turn at each round boundary stays with the same team (it picks twice in a row).
    for boundary in range(size, len(sequence), size):
        assert sequence[boundary - 1] == sequence[boundary]


def test_snake_example():
    assert order.turn_sequence([1, 2, 3], DraftMethod.snake, 3) == [1, 2, 3, 3, 2, 1, 1, 2, 3]


@given(teams)
def test_rotation_moves_last_to_first(team_order):
    assert order.rotation(team_order, sorted(team_order)) == [team_order[-1], *team_order[:-1]]


def test_rotation_over_three_races_with_leaver_and_joiner():
    first = [10, 20, 30, 40]
    second = order.rotation(first, [10, 20, 30, 40])
    third = order.rotation(second, [10, 30, 40, 50])  # 20 left, 50 joined
    assert second == [40, 10, 20, 30]
    assert third == [30, 40, 10, 50]


def test_reverse_standings_lowest_first_and_later_joiner_first_on_ties():
    active = [1, 2, 3, 4]  # join order
    assert order.reverse_standings({1: 30.0, 2: 10.0, 3: 10.0, 4: 50.0}, active) == [3, 2, 1, 4]


@given(teams)
def test_random_order_is_a_permutation(team_order):
    assert sorted(order.random_order(team_order)) == sorted(team_order)


def test_manual_order_validation():
    active = [1, 2, 3]
    assert order.check_permutation([3, 1, 2], active) == {}
    assert "missing" in order.check_permutation([1, 2], active)["team_ids"][0]
    assert "duplicate" in order.check_permutation([1, 2, 2, 3], active)["team_ids"][0]
    assert "not active" in order.check_permutation([1, 2, 3, 99], active)["team_ids"][0]
