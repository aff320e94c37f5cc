"""Every stored F1 row in a form two syncs can be compared by, whatever ids and clocks they ran with."""
from sqlalchemy import select

from fantasy.extensions import db
from fantasy.f1data.models import (
    Circuit,
    Constructor,
    Driver,
    Race,
    RaceSession,
    ResultState,
    Season,
    SeasonConstructor,
    SeasonDriver,
    SessionResult,
)

F1_MODELS = (Season, Circuit, Driver, Constructor, SeasonDriver, SeasonConstructor, Race, RaceSession, SessionResult,
             ResultState)
NATURAL_KEYS = {"circuits": ("ref",), "drivers": ("ref",), "constructors": ("ref",), "races": ("season_year", "round")}


def f1_state() -> dict:
    """Every F1 table as sorted rows, surrogate ids swapped for upstream keys, wall-clock stamps left out and
    content hashes reduced to present or not (PostgreSQL sequences do not roll back, so a killed attempt
    shifts the ids of the next one, and the hashes with them)."""
    db.session.remove()
    keys = {name: {row.id: tuple(getattr(row, column) for column in columns)
                   for row in db.session.execute(select(db.metadata.tables[name]))}
            for name, columns in NATURAL_KEYS.items()}
    state = {}
    for model in F1_MODELS:
        table, rows = model.__table__, []
        for row in db.session.execute(select(table)).mappings():
            item = []
            for column in table.columns:
                if column.name == "id" or (column.name.endswith("_at") and column.name != "starts_at"):
                    continue
                value = row[column.name]
                if column.name.endswith("_hash"):
                    # Hashes cover the rows with their driver and constructor ids, so they move with the ids.
                    value = value is not None
                target = next(iter(column.foreign_keys), None)
                if target is not None and target.column.table.name in keys:
                    value = keys[target.column.table.name][value]
                item.append((column.name, value))
            rows.append(tuple(item))
        state[table.name] = sorted(rows, key=repr)
    db.session.remove()  # outside a request even a read holds SQLite's write lock until it ends
    return state


def assert_same_rows(expected: dict, actual: dict) -> None:
    """Table by table, showing a few rows either side of a difference rather than two walls of tuples."""
    assert sorted(actual) == sorted(expected)
    for name in expected:
        extra = sorted(set(actual[name]) - set(expected[name]), key=repr)
        missing = sorted(set(expected[name]) - set(actual[name]), key=repr)
        assert actual[name] == expected[name], (name, extra[:3], missing[:3])
