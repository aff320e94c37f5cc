"""The drivers' championship order as pure functions: official points, then the regulations' countback."""
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class DriverRecord:
    """One driver's season so far: official points (race + sprint) and Grand Prix places by position."""

    driver_id: int
    points: Decimal = Decimal(0)
    places: Counter = field(default_factory=Counter)  # classified Grand Prix finishes
    unclassified: Counter = field(default_factory=Counter)  # numeric positions of retirements, DSQs...

    @property
    def wins(self) -> int:
        return self.places[1]


def tally(rows) -> dict[int, DriverRecord]:
    """Fold (driver_id, counts_back, classified, position, count, points) groups into records.

    Only Grand Prix places count back: sprint places do not break ties. The upstream's own 2023 round-5
    table shows it: Bottas (one 8th) stays ahead of Piastri (one 8th plus a 10th in the Baku sprint), both
    on 4 points, because Bottas's next best Grand Prix place beats Piastri's.
    """
    records: dict[int, DriverRecord] = {}
    for driver_id, counts_back, classified, position, count, points in rows:
        record = records.setdefault(driver_id, DriverRecord(driver_id))
        record.points += Decimal(points or 0)
        if counts_back and position is not None:
            (record.places if classified else record.unclassified)[position] += count
    return records


def _countback_key(record: DriverRecord, deepest: int) -> tuple:
    """Points, then how many 1st places, 2nd places... then the same over unclassified positions.

    Comparing these tuples lexicographically is the countback: the first position where two drivers' counts
    differ decides, as in "more wins, then more second places, and so on".
    """
    positions = range(1, deepest + 1)
    return (record.points, tuple(record.places[p] for p in positions),
            tuple(record.unclassified[p] for p in positions))


def rank(records) -> list[tuple[int, DriverRecord]]:
    """(position, record) best first; only drivers equal on every count share a position."""
    records = list(records)
    deepest = max((p for r in records for p in (*r.places, *r.unclassified)), default=0)
    keyed = sorted(((_countback_key(r, deepest), r) for r in records),
                   key=lambda pair: (pair[0], -pair[1].driver_id), reverse=True)
    ranked, previous = [], None
    for index, (key, record) in enumerate(keyed, start=1):
        position = ranked[-1][0] if key == previous else index
        ranked.append((position, record))
        previous = key
    return ranked
