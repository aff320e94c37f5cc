"""Scoring rules (§8): pure functions that score one driver's weekend under a ruleset, with line items.

A ruleset is plain data (see RULESET_DEFAULTS): position point lists, bonuses and penalties, and
`official_points` (take the upstream's championship points as they are). The three presets are rulesets
like any custom one. Nothing here touches Flask or the database.
"""
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from fantasy.f1data.models import SessionKind

RULESET_DEFAULTS = {
    "official_points": False,
    "race_points": [],
    "sprint_points": [],
    "qualifying_points": [],
    "race_fastest_lap": 0,
    "sprint_fastest_lap": 0,
    "race_positions_gained": 0,
    "sprint_positions_gained": 0,
    "race_not_classified": 0,
    "sprint_not_classified": 0,
    "disqualified": None,  # None: a disqualification is just "not classified"
    "qualifying_no_time": 0,
}

PRESETS = {
    "standard": {"official_points": True},
    "inverted": {"race_points": [max(1, 10 - abs(position - 10)) for position in range(1, 31)]},
    "fantasy": {
        "qualifying_points": [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
        "qualifying_no_time": -5,
        "sprint_points": [8, 7, 6, 5, 4, 3, 2, 1],
        "sprint_positions_gained": 1,
        "sprint_fastest_lap": 5,
        "sprint_not_classified": -10,
        "race_points": [25, 18, 15, 12, 10, 8, 6, 4, 2, 1],
        "race_positions_gained": 1,
        "race_fastest_lap": 10,
        "race_not_classified": -20,
    },
}


@dataclass(frozen=True)
class Result:
    """One driver's row in one session's classification, as plain data."""

    position: int | None
    position_text: str | None
    status: str | None = None
    grid: int | None = None
    points: Decimal | None = None
    fastest_lap_rank: int | None = None
    q1_ms: int | None = None

    @property
    def classified(self) -> bool:
        # positionText is a number for classified finishers; R, D, E, W, F, N are not classified.
        return bool(self.position_text) and self.position_text.isdigit()

    @property
    def disqualified(self) -> bool:
        return self.position_text == "D"


def resolve(ruleset: str | dict) -> dict:
    """A full ruleset from a preset name or a (validated) custom object."""
    custom = PRESETS[ruleset] if isinstance(ruleset, str) else ruleset
    return {**RULESET_DEFAULTS, **custom}


def ruleset_key(ruleset: str | dict) -> str:
    """Presets by name; custom rulesets by content, so leagues with the same rules share driver scores."""
    if isinstance(ruleset, str):
        return ruleset
    canonical = json.dumps(resolve(ruleset), sort_keys=True, separators=(",", ":"))
    return "custom-" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def scored_sessions(ruleset: str | dict) -> frozenset[SessionKind]:
    rules = resolve(ruleset)
    sessions = {SessionKind.race}
    if rules["official_points"] or rules["sprint_points"] or any(
        rules[key] for key in ("sprint_fastest_lap", "sprint_positions_gained", "sprint_not_classified")
    ):
        sessions.add(SessionKind.sprint)
    if rules["qualifying_points"] or rules["qualifying_no_time"]:
        sessions.add(SessionKind.qualifying)
    return frozenset(sessions)


def _position_points(table: list, position: int | None) -> Decimal:
    if position is None or not 1 <= position <= len(table):
        return Decimal(0)
    return Decimal(str(table[position - 1]))


def _score_finish(prefix: str, rules: dict, row: Result, field_size: int) -> dict[str, Decimal]:
    """Race or sprint: official points, position points, places gained, fastest lap, or a penalty."""
    items: dict[str, Decimal] = {}
    if rules["official_points"]:
        items[f"{prefix}_official"] = Decimal(row.points or 0)
    if not row.classified:
        if row.disqualified and rules["disqualified"] is not None:
            items["disqualified"] = Decimal(str(rules["disqualified"]))
        elif rules[f"{prefix}_not_classified"]:
            items[f"{prefix}_not_classified"] = Decimal(str(rules[f"{prefix}_not_classified"]))
        return items
    items[f"{prefix}_position"] = _position_points(rules[f"{prefix}_points"], row.position)
    per_place = Decimal(str(rules[f"{prefix}_positions_gained"]))
    if per_place and row.grid is not None:
        grid = row.grid or field_size  # grid 0 is a pit-lane start: behind the whole field
        items[f"{prefix}_positions_gained"] = (grid - row.position) * per_place
    if row.fastest_lap_rank == 1 and rules[f"{prefix}_fastest_lap"]:
        items[f"{prefix}_fastest_lap"] = Decimal(str(rules[f"{prefix}_fastest_lap"]))
    return items


def _score_qualifying(rules: dict, row: Result) -> dict[str, Decimal]:
    if row.q1_ms is None and rules["qualifying_no_time"]:
        return {"qualifying_no_time": Decimal(str(rules["qualifying_no_time"]))}
    return {"qualifying_position": _position_points(rules["qualifying_points"], row.position)}


def score_weekend(
    ruleset: str | dict, sessions: dict[SessionKind, Result], field_sizes: dict[SessionKind, int]
) -> tuple[Decimal, dict[str, Decimal]]:
    """One driver's points for a weekend and their line items: the sum over the sessions they appear in
    that the ruleset scores. Items worth nothing are dropped, except official points (always shown)."""
    rules = resolve(ruleset)
    scored = scored_sessions(ruleset)
    items: dict[str, Decimal] = {}
    for kind, row in sessions.items():
        if kind not in scored:
            continue
        if kind == SessionKind.qualifying:
            items.update(_score_qualifying(rules, row))
        else:
            items.update(_score_finish(kind.value, rules, row, field_sizes.get(kind, 0)))
    items = {key: value for key, value in items.items() if value or key.endswith("_official")}
    return sum(items.values(), Decimal(0)), items
