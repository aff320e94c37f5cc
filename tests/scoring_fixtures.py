"""Real classification rows as scoring's plain data: the recorded pages and whole weekends of the bundled 2023."""
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from fantasy.f1data.ingest import lap_ms
from fantasy.f1data.models import SessionKind
from fantasy.scoring.rules import Result, score_constructor, score_weekend

FIXTURES = Path(__file__).parent / "fixtures"
SNAPSHOT_2023 = Path(__file__).parent.parent / "fantasy" / "f1data" / "snapshot" / "2023"
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

    drivers: dict[str, dict[SessionKind, Result]]
    sizes: dict[SessionKind, int]
    constructors: dict[str, list[str]]

    def driver(self, ruleset, ref: str):
        return score_weekend(ruleset, self.drivers[ref], self.sizes)

    def constructor(self, ruleset, ref: str):
        return score_constructor(ruleset, [self.drivers[driver] for driver in self.constructors[ref]], self.sizes)


def weekend(round_: int) -> Weekend:
    """A 2023 weekend from the bundled snapshot's season pages (a round's rows may span two pages)."""
    race: dict = {}
    for endpoint, key in (("qualifying", "QualifyingResults"), ("sprint", "SprintResults"), ("results", "Results")):
        for page in sorted((SNAPSHOT_2023 / endpoint).glob("offset-*.json")):
            for item in json.loads(page.read_text())["MRData"]["RaceTable"]["Races"]:
                if item["round"] == str(round_):
                    race.setdefault(key, []).extend(item[key])
    drivers: dict[str, dict[SessionKind, Result]] = defaultdict(dict)
    constructors: dict[str, list[str]] = defaultdict(list)
    for key, rows in race.items():
        for row in rows:
            ref = row["Driver"]["driverId"]
            drivers[ref][KEYS[key]] = result_of(row)
            if ref not in constructors[row["Constructor"]["constructorId"]]:
                constructors[row["Constructor"]["constructorId"]].append(ref)
    sizes = {KEYS[key]: len(rows) for key, rows in race.items()}
    return Weekend(dict(drivers), sizes, dict(constructors))
