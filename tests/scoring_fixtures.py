"""Real classification rows as scoring's plain data: the recorded pages and the f1_fantasy_2025 weekends."""
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from fantasy.f1data.ingest import lap_ms
from fantasy.f1data.models import SessionKind
from fantasy.scoring.rules import Result, score_constructor, score_weekend

FIXTURES = Path(__file__).parent / "fixtures"
KEYS = {"Results": SessionKind.race, "SprintResults": SessionKind.sprint, "QualifyingResults": SessionKind.qualifying}


def result_of(row: dict) -> Result:
    """One upstream row as scoring reads it."""
    return Result(
        position=int(row["position"]),
        position_text=row.get("positionText"),
        status=row.get("status"),
        grid=int(row["grid"]) if "grid" in row else None,
        points=Decimal(row["points"]) if "points" in row else None,
        fastest_lap_rank=int(row["FastestLap"]["rank"]) if "rank" in row.get("FastestLap", {}) else None,
        q1_ms=lap_ms(row.get("Q1")),
        q2_ms=lap_ms(row.get("Q2")),
        q3_ms=lap_ms(row.get("Q3")),
    )


@dataclass
class Weekend:
    """A real weekend: every driver's rows by session, each session's field size, each constructor's drivers."""

    race: dict
    drivers: dict[str, dict[SessionKind, Result]]
    sizes: dict[SessionKind, int]
    constructors: dict[str, list[str]]

    def driver(self, ruleset, ref: str):
        return score_weekend(ruleset, self.drivers[ref], self.sizes)

    def constructor(self, ruleset, ref: str):
        return score_constructor(ruleset, [self.drivers[driver] for driver in self.constructors[ref]], self.sizes)


def weekend(round_: int) -> Weekend:
    """One of the 2023 weekends in fixtures/f1_fantasy/ (see its README)."""
    race = json.loads((FIXTURES / "f1_fantasy" / f"2023-{round_}.json").read_text())
    drivers: dict[str, dict[SessionKind, Result]] = defaultdict(dict)
    constructors: dict[str, list[str]] = defaultdict(list)
    sizes = {}
    for key, kind in KEYS.items():
        for row in race.get(key, []):
            ref = row["Driver"]["driverId"]
            drivers[ref][kind] = result_of(row)
            if ref not in constructors[row["Constructor"]["constructorId"]]:
                constructors[row["Constructor"]["constructorId"]].append(ref)
        if key in race:
            sizes[kind] = len(race[key])
    return Weekend(race, dict(drivers), sizes, dict(constructors))
