"""Pure draft-order logic: whose turn a pick number is, and each strategy's first-round order."""
import random

from fantasy.leagues.enums import DraftMethod

_csprng = random.SystemRandom()


def team_on_turn(order: list[int], method: DraftMethod, pick_number: int) -> int:
    """The team that makes pick `pick_number` (1-based): snake reverses every other round."""
    size = len(order)
    round_index, slot = divmod(pick_number - 1, size)
    if method == DraftMethod.snake and round_index % 2 == 1:
        slot = size - 1 - slot
    return order[slot]


def next_turn(order: list[int], method: DraftMethod, pick_number: int, picks_per_team: int, skipped) -> int:
    """The first pick number from `pick_number` on whose team still drafts; past the last pick when none is left."""
    last = len(order) * picks_per_team
    while pick_number <= last and team_on_turn(order, method, pick_number) in skipped:
        pick_number += 1
    return pick_number


def turn_sequence(order: list[int], method: DraftMethod, picks_per_team: int) -> list[int]:
    return [team_on_turn(order, method, number) for number in range(1, len(order) * picks_per_team + 1)]


def random_order(team_ids: list[int]) -> list[int]:
    shuffled = list(team_ids)
    _csprng.shuffle(shuffled)
    return shuffled


def carry_over(previous: list[int], active: list[int]) -> list[int]:
    """Keep the previous order's teams that are still active, then append newcomers in join order."""
    still_here = [team for team in previous if team in active]
    return still_here + [team for team in active if team not in still_here]


def rotation(previous: list[int], active: list[int]) -> list[int]:
    """The previous race's order rotated by one (last becomes first), leavers dropped, joiners appended."""
    rotated = previous[-1:] + previous[:-1]
    return carry_over(rotated, active)


def reverse_standings(totals: dict[int, float], active: list[int]) -> list[int]:
    """Lowest season total first; equal totals keep the later joiner first (`active` is in join order)."""
    position = {team: index for index, team in enumerate(active)}
    return sorted(active, key=lambda team: (totals.get(team, 0), -position[team]))


def check_permutation(proposed: list[int], active: list[int]) -> dict[str, list]:
    """Field errors when `proposed` is not exactly the active teams, each once."""
    errors = []
    duplicates = sorted({team for team in proposed if proposed.count(team) > 1})
    strangers = sorted(set(proposed) - set(active))
    missing = sorted(set(active) - set(proposed))
    if duplicates:
        errors.append(f"duplicate teams: {duplicates}")
    if strangers:
        errors.append(f"not active teams of this league: {strangers}")
    if missing:
        errors.append(f"missing teams: {missing}")
    return {"team_ids": errors} if errors else {}
