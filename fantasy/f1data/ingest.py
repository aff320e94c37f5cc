"""The only bridge from upstream (Ergast-format) dicts to the F1 models: parse, upsert, result lifecycle.

Nothing here commits: the caller owns the transaction, so a whole season lands at once or not at all.
"""
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import delete, select, update

from fantasy.extensions import db
from fantasy.f1data.models import (
    Circuit,
    Constructor,
    Driver,
    Race,
    RaceSession,
    RaceStatus,
    ResultLifecycle,
    ResultSource,
    ResultState,
    Season,
    SeasonConstructor,
    SeasonDriver,
    SessionKind,
    SessionResult,
)

log = logging.getLogger(__name__)

# Where each classification's rows live inside an upstream Race dict.
ROWS_KEY = {SessionKind.race: "Results", SessionKind.sprint: "SprintResults",
            SessionKind.qualifying: "QualifyingResults"}
# Keys of a calendar Race that are not sessions even when they hold a dict.
NOT_SESSIONS = frozenset({"Circuit", *ROWS_KEY.values()})
ROW_FIELDS = ("driver_id", "constructor_id", "number", "position", "position_text", "classified", "status",
              "grid", "laps", "points", "fastest_lap_rank", "time_ms", "q1_ms", "q2_ms", "q3_ms")


@dataclass
class SeasonData:
    """Everything fetched for one season before any write; None means "not fetched, leave alone"."""

    year: int
    season: dict | None = None
    circuits: list[dict] | None = None
    drivers: list[dict] | None = None
    constructors: list[dict] | None = None
    calendar: list[dict] | None = None
    # True when `calendar` is the whole season, so a stored race missing from it was cancelled.
    full_calendar: bool = False
    results: dict[SessionKind, list[dict]] = field(default_factory=dict)
    # Circuits, drivers and constructors are shared by all seasons; an older recording only adds missing ones.
    refresh_reference: bool = True


@dataclass
class Summary:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    finalized: int = 0
    requests: int = 0
    changed: list[tuple[int, SessionKind]] = field(default_factory=list)

    def line(self) -> str:
        return (f"requests={self.requests} inserted={self.inserted} updated={self.updated} "
                f"unchanged={self.unchanged} deleted={self.deleted} finalized={self.finalized} "
                f"classifications_changed={len(self.changed)}")


# --- parsing ---------------------------------------------------------------------------------------

class MalformedRow(ValueError):
    """An upstream row holding a value that cannot be what its field names (points "NaN", a grid "x"): the
    page is bad, and nothing of the sync is stored (service.sync_season answers 503)."""


# The points columns are NUMERIC(6, 2): anything at or beyond this is not a real classification's points.
POINTS_LIMIT = Decimal(10_000)


def _int(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MalformedRow(f"not a whole number: {value!r}") from None


def _points(value) -> Decimal | None:
    """Championship points as the upstream writes them ("25", "0.5"): a finite decimal within the column."""
    if value in (None, ""):
        return None
    try:
        points = Decimal(value)
    except (TypeError, ValueError, ArithmeticError):
        raise MalformedRow(f"not a number of points: {value!r}") from None
    if not points.is_finite() or abs(points) >= POINTS_LIMIT:
        raise MalformedRow(f"not a number of points: {value!r}")
    return points


def _utc(day: str, clock: str | None) -> datetime:
    """The calendar gives a date and, not always, a `HH:MM:SSZ` time; no time means midnight UTC."""
    moment = time.fromisoformat(clock.rstrip("Z")) if clock else time(0)
    return datetime.combine(date.fromisoformat(day), moment, tzinfo=timezone.utc)


def lap_ms(text: str | None) -> int | None:
    """'1:10.567' or '59.123' -> milliseconds; empty -> None."""
    if not text:
        return None
    minutes, _, seconds = text.rpartition(":")
    return round((int(minutes or 0) * 60 + float(seconds)) * 1000)


def _circuit(item: dict) -> dict:
    location = item.get("Location") or {}
    return {"ref": item["circuitId"], "name": item["circuitName"], "locality": location.get("locality"),
            "country": location.get("country"), "url": item.get("url"),
            "latitude": Decimal(location["lat"]) if location.get("lat") else None,
            "longitude": Decimal(location["long"]) if location.get("long") else None}


def _driver(item: dict) -> dict:
    born = item.get("dateOfBirth")
    return {"ref": item["driverId"], "code": item.get("code"), "permanent_number": _int(item.get("permanentNumber")),
            "given_name": item["givenName"], "family_name": item["familyName"],
            "date_of_birth": date.fromisoformat(born) if born else None,
            "nationality": item.get("nationality"), "url": item.get("url")}


def _constructor(item: dict) -> dict:
    return {"ref": item["constructorId"], "name": item["name"], "nationality": item.get("nationality"),
            "url": item.get("url")}


def _sessions(race: dict) -> dict[str, datetime]:
    """Every dated session the calendar carries, under its own key (unknown keys are kept)."""
    return {key: _utc(value["date"], value.get("time")) for key, value in race.items()
            if key not in NOT_SESSIONS and isinstance(value, dict) and "date" in value}


def classify(session: SessionKind, position: int | None, position_text: str | None) -> bool:
    # Retired cars still get a numeric position; only a numeric positionText is classified.
    # Qualifying rows have no positionText: everyone listed holds a grid slot.
    if session is SessionKind.qualifying:
        return position is not None
    return bool(position_text and position_text.isdigit())


def parse_row(session: SessionKind, row: dict, driver_id: int, constructor_id: int) -> dict:
    """One upstream classification row as SessionResult column values (ids already resolved)."""
    position_text = row.get("positionText")
    position = _int(row.get("position"))
    values = {
        "driver_id": driver_id, "constructor_id": constructor_id, "number": _int(row.get("number")),
        "position": position, "position_text": position_text,
        "classified": classify(session, position, position_text),
        "status": row.get("status"), "grid": _int(row.get("grid")), "laps": _int(row.get("laps")),
        "points": _points(row.get("points")),
        "fastest_lap_rank": _int((row.get("FastestLap") or {}).get("rank")),
        "time_ms": _int((row.get("Time") or {}).get("millis")),
    }
    for name in ("q1", "q2", "q3"):
        values[f"{name}_ms"] = lap_ms(row.get(name.upper()))
    return values


def manual_row(session: SessionKind, row: dict) -> dict:
    """A hand-entered row (already validated) in exactly the shape parse_row gives, so hashes compare."""
    values = {name: row.get(name) for name in ROW_FIELDS}
    values["classified"] = classify(session, row.get("position"), row.get("position_text"))
    return values


def content_hash(rows: list[dict]) -> str:
    canonical = sorted(rows, key=lambda row: row["driver_id"])
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()


# --- generic upsert --------------------------------------------------------------------------------

def _assign(obj, values: dict) -> bool:
    """Set only what differs, so an unchanged row is never marked dirty."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _upsert(model, key_of, wanted: dict, existing, summary: Summary, refresh: bool = True) -> dict:
    """Insert or update `wanted` ({natural key: column values}) against `existing` objects."""
    found = {key_of(obj): obj for obj in existing}
    for key, values in wanted.items():
        obj = found.get(key)
        if obj is None:
            found[key] = obj = model(**values)
            db.session.add(obj)
            summary.inserted += 1
        elif refresh and _assign(obj, values):
            summary.updated += 1
        else:
            summary.unchanged += 1
    db.session.flush()
    return found


def _upsert_by_ref(model, items: dict[str, dict], summary: Summary, refresh: bool) -> dict[str, object]:
    return _upsert(model, lambda obj: obj.ref, items,
                   db.session.scalars(select(model).where(model.ref.in_(list(items)))), summary, refresh)


# --- season ingest ---------------------------------------------------------------------------------

def ingest_season(data: SeasonData, now: datetime, window: timedelta) -> Summary:
    """Upsert one fetched season (reference data, calendar, classifications) in the caller's transaction."""
    summary = Summary()
    result_races = [race for races in data.results.values() for race in races]
    all_races = (data.calendar or []) + result_races
    rows = [row for session, races in data.results.items() for race in races for row in race[ROWS_KEY[session]]]

    season = {"year": data.year} | ({"url": data.season.get("url")} if data.season else {})
    _upsert(Season, lambda s: s.year, {data.year: season},
            db.session.scalars(select(Season).where(Season.year == data.year)), summary)
    circuits = _upsert_by_ref(Circuit, _by_ref(_circuit, [r["Circuit"] for r in all_races], data.circuits),
                              summary, data.refresh_reference)
    drivers = _upsert_by_ref(Driver, _by_ref(_driver, [r["Driver"] for r in rows], data.drivers), summary,
                             data.refresh_reference)
    constructors = _upsert_by_ref(
        Constructor, _by_ref(_constructor, [r["Constructor"] for r in rows], data.constructors), summary,
        data.refresh_reference)
    _link_entries(data.year, SeasonDriver, "driver_id", drivers.values(), summary)
    _link_entries(data.year, SeasonConstructor, "constructor_id", constructors.values(), summary)

    races = _upsert_races(data.year, all_races, circuits, summary)
    if data.calendar is not None:
        _upsert_sessions(races, data.calendar, summary)
    states = _ensure_states(races, data.calendar or [], data.results)
    for session, session_races in data.results.items():
        for item in session_races:
            race = races[int(item["round"])]
            parsed = [parse_row(session, row, drivers[row["Driver"]["driverId"]].id,
                                constructors[row["Constructor"]["constructorId"]].id)
                      for row in item[ROWS_KEY[session]]]
            apply_classification(race, states[(race.id, session)], parsed, ResultSource.upstream,
                                 now, window, summary)
    _update_statuses(data, races, states, summary)
    summary.finalized += finalize_due(now, window)
    return summary


def _by_ref(parse, embedded: list[dict], listed: list[dict] | None) -> dict[str, dict]:
    """Reference rows from the season list, plus any only seen embedded in races or results."""
    items = {}
    for item in embedded + (listed or []):  # the season list wins where both carry the same id
        values = parse(item)
        items[values["ref"]] = values
    return items


def _link_entries(year: int, model, column: str, subjects, summary: Summary) -> None:
    wanted = {subject.id: {"season_year": year, column: subject.id} for subject in subjects}
    existing = db.session.scalars(select(model).where(model.season_year == year))
    _upsert(model, lambda entry: getattr(entry, column), wanted, existing, summary)


def _upsert_races(year: int, items: list[dict], circuits: dict, summary: Summary) -> dict[int, Race]:
    wanted = {}
    for item in reversed(items):  # calendar entries come first and win over result-embedded copies
        wanted[int(item["round"])] = {
            "season_year": year, "round": int(item["round"]), "name": item["raceName"],
            "circuit_id": circuits[item["Circuit"]["circuitId"]].id,
            "starts_at": _utc(item["date"], item.get("time")), "url": item.get("url"),
        }
    return _upsert(Race, lambda race: race.round, wanted, db.session.scalars(Race.of_season(year)), summary)


def _upsert_sessions(races: dict[int, Race], calendar: list[dict], summary: Summary) -> None:
    wanted = {}
    for item in calendar:
        race = races[int(item["round"])]
        for kind, starts_at in _sessions(item).items():
            wanted[(race.id, kind)] = {"race_id": race.id, "kind": kind, "starts_at": starts_at}
    race_ids = list({race_id for race_id, _ in wanted} | {races[int(i["round"])].id for i in calendar})
    existing = db.session.scalars(select(RaceSession).where(RaceSession.race_id.in_(race_ids))).all()
    _upsert(RaceSession, lambda s: (s.race_id, s.kind), wanted, existing, summary)
    # A weekend whose format changed drops the sessions it no longer has.
    stale = [s.id for s in existing if (s.race_id, s.kind) not in wanted]
    if stale:
        db.session.execute(delete(RaceSession).where(RaceSession.id.in_(stale)))
        summary.deleted += len(stale)


def _ensure_states(races: dict[int, Race], calendar: list[dict], results: dict) -> dict:
    """Lifecycle rows for every scored session the calendar or the results show, created `pending`."""
    needed = set()
    for item in calendar:
        race = races[int(item["round"])]
        needed |= {(race.id, SessionKind.race), (race.id, SessionKind.qualifying)}
        if "Sprint" in item:
            needed.add((race.id, SessionKind.sprint))
    for session, session_races in results.items():
        needed |= {(races[int(item["round"])].id, session) for item in session_races}
    race_ids = {race.id for race in races.values()}
    states = {(s.race_id, s.session): s for s in db.session.scalars(
        select(ResultState).where(ResultState.race_id.in_(race_ids)))}
    for key in needed - states.keys():
        states[key] = ResultState(race_id=key[0], session=key[1], state=ResultLifecycle.pending,
                                  source=ResultSource.upstream)
        db.session.add(states[key])
    return states


def _update_statuses(data: SeasonData, races: dict[int, Race], states: dict, summary: Summary) -> None:
    listed = {int(item["round"]) for item in data.calendar or []}
    for round_, race in races.items():
        race_state = states.get((race.id, SessionKind.race))
        if race_state is not None and race_state.state is not ResultLifecycle.pending:
            status = RaceStatus.completed
        elif round_ in listed:
            status = RaceStatus.scheduled
        elif data.full_calendar:
            # The upstream drops cancelled rounds from the calendar; the row stays for history.
            status = RaceStatus.cancelled
        else:
            continue
        if race.status is not status:
            race.status = status
            summary.updated += 1


# --- one classification ----------------------------------------------------------------------------

def apply_classification(race: Race, state: ResultState, rows: list[dict], source: ResultSource,
                         now: datetime, window: timedelta, summary: Summary) -> bool:
    """Make (race, session) hold exactly `rows`; returns whether anything changed.

    Same content hash: no write at all. Otherwise rows are upserted by driver, missing ones deleted,
    and the state moves to provisional (or straight to final once the verification window is over).
    """
    if not rows:
        return False  # nothing published yet: stays pending
    digest = content_hash(rows)
    if source is ResultSource.upstream:
        if state.source is ResultSource.manual and digest == state.upstream_hash:
            # An admin's correction stands until the upstream publishes something new.
            summary.unchanged += len(rows)
            return False
        if state.upstream_hash != digest:
            state.upstream_hash = digest
    if state.content_hash == digest:
        summary.unchanged += len(rows)
        return False
    existing = db.session.scalars(select(SessionResult).where(
        SessionResult.race_id == race.id, SessionResult.session == state.session)).all()
    wanted = {row["driver_id"]: {"race_id": race.id, "session": state.session, **row} for row in rows}
    _upsert(SessionResult, lambda r: r.driver_id, wanted, existing, summary)
    gone = [r.id for r in existing if r.driver_id not in wanted]
    if gone:
        db.session.execute(delete(SessionResult).where(SessionResult.id.in_(gone)))
        summary.deleted += len(gone)
    state.content_hash = digest
    state.source = source
    state.fetched_at = state.changed_at = now
    state.state = ResultLifecycle.final if now >= race.starts_at + window else ResultLifecycle.provisional
    if state.session is SessionKind.race:
        race.status = RaceStatus.completed
    summary.changed.append((race.id, state.session))
    return True


def finalize_due(now: datetime, window: timedelta) -> int:
    """Provisional classifications whose verification window has closed become final (one UPDATE)."""
    due = select(Race.id).where(Race.starts_at <= now - window)
    result = db.session.execute(
        update(ResultState)
        .where(ResultState.state == ResultLifecycle.provisional, ResultState.race_id.in_(due))
        .values(state=ResultLifecycle.final)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def state_for(race: Race, session: SessionKind) -> ResultState:
    """The lifecycle row of (race, session), created pending when missing (manual entry of a new session)."""
    state = db.session.scalar(select(ResultState).where(
        ResultState.race_id == race.id, ResultState.session == session))
    if state is None:
        state = ResultState(race_id=race.id, session=session, state=ResultLifecycle.pending,
                            source=ResultSource.manual)
        db.session.add(state)
    return state

