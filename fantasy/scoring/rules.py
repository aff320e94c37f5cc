"""Scoring rules (§8): pure functions that score one driver's weekend under a ruleset, with line items.

A ruleset is plain data (see RULESET_DEFAULTS): position point lists, bonuses and penalties, and
`official_points` (take the upstream's championship points as they are). The three presets are rulesets
like any custom one; `f1_fantasy_2025` also scores constructors (score_constructor). Nothing here touches
Flask or the database.
"""
import hashlib
import json
from collections import defaultdict
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
# The official F1 Fantasy 2025 table (§13) for what the F1 data carries: §8's `fantasy` with a sprint
# retirement at -20 and a disqualification line. Overtakes, driver of the day and pit stops are not in the
# data, so not scored (NOT_SCORED).
PRESETS["f1_fantasy_2025"] = {**PRESETS["fantasy"], "sprint_not_classified": -20, "disqualified": -20}

NOT_SCORED = {"f1_fantasy_2025": ("overtakes", "driver of the day", "pit stops")}

# A constructor's own lines on top of its drivers' points (§13), by preset; other rulesets have none, so
# a constructor scores the sum of its drivers (under `standard`: its championship points of the weekend).
CONSTRUCTOR_RULES = {
    "f1_fantasy_2025": {
        # (stage reached, by how many of its drivers, points): the best that applies counts.
        "qualifying_bonus": (("q3", 2, 10), ("q3", 1, 5), ("q2", 2, 3), ("q2", 1, 1), ("q2", 0, -1)),
        "disqualified": -10,  # per driver disqualified from the race, on top of the driver's own -20
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
    q2_ms: int | None = None
    q3_ms: int | None = None

    @property
    def classified(self) -> bool:
        # positionText is a number for classified finishers; R, D, E, W, F, N are not classified.
        return bool(self.position_text) and self.position_text.isdigit() and not self.disqualified

    @property
    def disqualified(self) -> bool:
        # Jolpica keeps a disqualified car's numeric positionText (2023 United States GP: "19", status
        # "Disqualified"); the old Ergast data says "D".
        return self.position_text == "D" or self.status == "Disqualified"


def points_text(value: Decimal) -> str:
    """Points as the fixed two-decimal string a stored score's line items keep (official points can be halves),
    the same on every engine; responses give them as JSON numbers (fantasy.common.schemas.json_number)."""
    return f"{value:.2f}"


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
            # Named apart per session: a sprint and a race disqualification must both count.
            name = "disqualified" if prefix == "race" else f"{prefix}_disqualified"
            items[name] = Decimal(str(rules["disqualified"]))
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
    return _total(items)


def _total(items: dict[str, Decimal]) -> tuple[Decimal, dict[str, Decimal]]:
    """The sum and the items worth something (official points are always shown)."""
    items = {key: value for key, value in items.items() if value or key.endswith("_official")}
    return sum(items.values(), Decimal(0)), items


def _qualifying_bonus(table: tuple, rows: list[Result]) -> Decimal:
    # Reaching a stage means having a time in it (a Q3 time implies Q2 was reached).
    reached = {"q3": sum(row.q3_ms is not None for row in rows),
               "q2": sum(row.q2_ms is not None or row.q3_ms is not None for row in rows)}
    return Decimal(max(points for stage, drivers, points in table if reached[stage] >= drivers))


def score_constructor(
    ruleset: str | dict, drivers: list[dict[SessionKind, Result]], field_sizes: dict[SessionKind, int]
) -> tuple[Decimal, dict[str, Decimal]]:
    """A constructor's points for a weekend from its drivers' rows: their line items summed, plus the
    constructor's own lines where the preset has them (CONSTRUCTOR_RULES)."""
    items: dict[str, Decimal] = defaultdict(Decimal)
    for sessions in drivers:
        for name, value in score_weekend(ruleset, sessions, field_sizes)[1].items():
            items[name] += value
    own = CONSTRUCTOR_RULES.get(ruleset) if isinstance(ruleset, str) else None
    if own:
        qualifying = [sessions[SessionKind.qualifying] for sessions in drivers if SessionKind.qualifying in sessions]
        if qualifying:  # before qualifying is stored there is no bonus to give or take
            items["qualifying_bonus"] = _qualifying_bonus(own["qualifying_bonus"], qualifying)
        disqualified = sum(SessionKind.race in sessions and sessions[SessionKind.race].disqualified
                           for sessions in drivers)
        items["constructor_disqualified"] = disqualified * Decimal(own["disqualified"])
    return _total(dict(items))
