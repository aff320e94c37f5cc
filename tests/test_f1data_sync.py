"""Season sync and ingest on real recorded payloads: parsing, idempotency, lifecycle, failures, snapshots."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from f1data_helpers import EMPTY, SEASON_2025, load, rows_of, serve, url
from fantasy.errors import NotFound, ServiceUnavailable
from fantasy.extensions import db
from fantasy.f1data import queries, service
from fantasy.f1data.models import (
    Driver,
    Race,
    RaceStatus,
    ResultLifecycle,
    ResultState,
    Season,
    SeasonDriver,
    SessionKind,
    SessionResult,
)

pytestmark = pytest.mark.usefixtures("fast_client")
LATER = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
AUSTRALIA_2025_START = datetime(2025, 3, 16, 4, tzinfo=timezone.utc)


def race(year, round_) -> Race:
    return db.session.scalars(select(Race).where(Race.season_year == year, Race.round == round_)).one()


def results(race_id, session=SessionKind.race) -> dict[str, SessionResult]:
    return {r.driver.ref: r for r in db.session.scalars(queries.results(race_id, session))}


def state(race_id, session=SessionKind.race) -> ResultState:
    return db.session.scalars(select(ResultState).filter_by(race_id=race_id, session=session)).one()


def test_2025_season_sync(app, upstream):
    serve(upstream, SEASON_2025)
    with app.app_context():
        summary = service.sync_season(2025)

        assert summary.requests == 8  # one page per whole-season endpoint, not one call per round
        australia = race(2025, 1)
        rows = results(australia.id)
        assert len(rows) == 20
        norris, hadjar = rows["norris"], rows["hadjar"]
        assert (norris.position, norris.classified, norris.points, norris.time_ms) == (1, True, Decimal(25), 6126304)
        assert norris.fastest_lap_rank == 1 and norris.constructor.ref == "mclaren"
        # Retired: a numeric position, but not classified
        assert (hadjar.position, hadjar.position_text, hadjar.classified) == (20, "R", False)
        assert australia.status is RaceStatus.completed
        assert state(australia.id).state is ResultLifecycle.final  # seen long after its window
        china = race(2025, 2)
        assert {s.kind for s in china.sessions} == {"FirstPractice", "SprintQualifying", "Sprint", "Qualifying"}
        assert len(results(china.id, SessionKind.sprint)) == 20
        assert state(china.id, SessionKind.qualifying).state is ResultLifecycle.pending
        assert race(2025, 24).status is RaceStatus.scheduled
        # Reserves without number or code are kept
        aron = db.session.scalars(select(Driver).filter_by(ref="paul_aron")).one()
        assert (aron.code, aron.permanent_number) == (None, None)
        assert db.session.scalar(select(func.count()).select_from(SeasonDriver)) == 30


def test_second_sync_writes_nothing(app, upstream, changes):
    serve(upstream, SEASON_2025)
    with app.app_context():
        first = service.sync_season(2025)
        assert len(changes) == len(first.changed) == 2
        stamp = state(race(2025, 1).id).changed_at
        second = service.sync_season(2025)

        assert (second.inserted, second.updated, second.deleted, second.changed) == (0, 0, 0, [])
        assert second.unchanged == first.inserted + first.unchanged
        assert state(race(2025, 1).id).changed_at == stamp
        assert len(changes) == 2


def test_changed_classification_updates_one_row_and_notifies_once(app, upstream, changes):
    serve(upstream, SEASON_2025)
    with app.app_context():
        service.sync_season(2025)
        changes.clear()
    corrected = load("2025/1-results.json")
    # Stewards disqualify the P10 finisher after the race.
    row = rows_of(corrected)[9]
    row.update(positionText="D", points="0", status="Disqualified")
    upstream.replace("GET", url("2025/results/"), json=corrected)
    with app.app_context(), time_machine.travel(LATER, tick=False):
        summary = service.sync_season(2025)

        australia = race(2025, 1)
        assert (summary.updated, summary.inserted, summary.deleted) == (1, 0, 0)
        assert changes == [(australia.id, SessionKind.race)]
        moved = results(australia.id)[row["Driver"]["driverId"]]
        assert (moved.position_text, moved.classified, moved.points) == ("D", False, Decimal(0))
        assert state(australia.id).changed_at == LATER


def test_lifecycle_pending_provisional_final(app, upstream, changes):
    serve(upstream, SEASON_2025)
    race_start_at = AUSTRALIA_2025_START
    with app.app_context(), time_machine.travel(race_start_at + timedelta(hours=3), tick=False):
        service.sync_season(2025)
        australia = race(2025, 1)
        assert state(australia.id).state is ResultLifecycle.provisional
        assert state(australia.id, SessionKind.qualifying).state is ResultLifecycle.pending
    with app.app_context(), time_machine.travel(race_start_at + timedelta(hours=73), tick=False):
        changes.clear()
        summary = service.sync_season(2025)
        assert summary.finalized >= 1 and summary.changed == [] and changes == []
        assert state(australia.id).state is ResultLifecycle.final
        assert state(australia.id).changed_at == race_start_at + timedelta(hours=3)


@pytest.mark.parametrize("failure", [(200, '{"MRData": {"limit": "100", "of'), (404, ""), (400, "bad")])
def test_upstream_failure_mid_sync_leaves_nothing_half_written(app, upstream, failure):
    serve(upstream, SEASON_2025, {"2025/qualifying/": failure})
    with app.app_context():
        with pytest.raises((NotFound, ServiceUnavailable)) as raised:
            service.sync_season(2025)
        assert raised.value.code in (404, 503)  # NotFound / ServiceUnavailable envelopes
        for model in (Season, Driver, Race, SessionResult, ResultState):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_failure_after_a_change_keeps_the_previous_classification(app, upstream, changes):
    serve(upstream, SEASON_2025)
    with app.app_context():
        service.sync_season(2025)
    corrected = load("2025/1-results.json")
    rows_of(corrected)[0]["points"] = "0"
    upstream.replace("GET", url("2025/results/"), json=corrected)
    upstream.replace("GET", url("2025/qualifying/"), status=400)
    changes.clear()
    with app.app_context():
        with pytest.raises(ServiceUnavailable):
            service.sync_season(2025)
        assert results(race(2025, 1).id)["norris"].points == Decimal(25)
        assert changes == []


def test_2023_round_9_car_number_is_not_the_permanent_number(app, upstream):
    serve(upstream, {"2023/9/results/": "2023/9-results.json", "2023/9/sprint/": EMPTY,
                     "2023/9/qualifying/": EMPTY})
    with app.app_context():
        summary = service.sync_season(2023, 9)

        assert summary.requests == 3
        austria = race(2023, 9)
        assert (austria.name, austria.circuit.ref) == ("Austrian Grand Prix", "red_bull_ring")
        rows = results(austria.id)
        assert len(rows) == 20
        verstappen = rows["max_verstappen"]
        assert (verstappen.position, verstappen.number, verstappen.driver.permanent_number) == (1, 1, 33)
        assert sum(r.points for r in rows.values()) == sum(Decimal(r["points"]) for r in rows_of(
            load("2023/9-results.json")))


def test_2023_round_13_qualifying_times(app, upstream):
    serve(upstream, {"2023/13/results/": EMPTY, "2023/13/sprint/": EMPTY,
                     "2023/13/qualifying/": "2023/13-qualifying.json"})
    with app.app_context():
        service.sync_season(2023, 13)

        rows = results(race(2023, 13).id, SessionKind.qualifying)
        verstappen, lawson = rows["max_verstappen"], rows["lawson"]
        assert (verstappen.q1_ms, verstappen.q2_ms, verstappen.q3_ms) == (80965, 78856, 70567)
        assert (verstappen.position, verstappen.position_text, verstappen.classified) == (1, None, True)
        assert (lawson.position, lawson.number, lawson.q2_ms, lawson.q3_ms) == (20, 40, None, None)


def test_empty_round_is_not_yet_published(app, upstream, changes):
    serve(upstream, {"2023/3/results/": EMPTY, "2023/3/sprint/": EMPTY, "2023/3/qualifying/": EMPTY})
    with app.app_context():
        summary = service.sync_season(2023, 3)

        assert summary.changed == [] and changes == []
        assert db.session.scalar(select(func.count()).select_from(SessionResult)) == 0


def test_standings_equal_official_points_summed(app, upstream):
    serve(upstream, SEASON_2025)
    with app.app_context():
        service.sync_season(2025)
        standings = queries.driver_standings(2025)

    expected = {}
    for name, key in (("2025/1-results.json", "Results"), (SEASON_2025["2025/sprint/"], "SprintResults")):
        for row in rows_of(load(name), key):
            ref = row["Driver"]["driverId"]
            expected[ref] = expected.get(ref, Decimal(0)) + Decimal(row["points"])
    assert {row["driver"].ref: row["points"] for row in standings} == expected
    assert [row["points"] for row in standings] == sorted(expected.values(), reverse=True)
    assert standings[0]["driver"].ref == "norris" and standings[0]["position"] == 1


def test_snapshot_then_load_offline(app, upstream, runner, tmp_path):
    serve(upstream, SEASON_2025)
    result = runner.invoke(args=["f1", "snapshot", "2025", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "2025" / "results" / "offset-0.json").is_file()
    upstream.reset()  # offline from here: any HTTP call would fail

    result = runner.invoke(args=["f1", "load", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "classifications_changed=2" in result.output
    with app.app_context():
        assert len(results(race(2025, 1).id)) == 20


def test_bundled_snapshot_loads_and_reloads_without_writes(app, runner):
    first = runner.invoke(args=["f1", "load"])
    second = runner.invoke(args=["f1", "load"])

    # 2023: 22 races, 6 sprints, 22 qualifyings; 2025: one race and one sprint.
    assert first.exit_code == 0 and "classifications_changed=52" in first.output, first.output
    assert "inserted=0 updated=0 unchanged=" in second.output and "classifications_changed=0" in second.output
    with app.app_context():
        assert {s.year for s in db.session.scalars(select(Season))} == {2023, 2025}


def test_sync_cli_prints_a_summary_and_fails_cleanly(runner, upstream):
    serve(upstream, SEASON_2025)
    result = runner.invoke(args=["f1", "sync", "2025"])
    assert result.exit_code == 0, result.output
    assert "requests=8 inserted=" in result.output

    upstream.replace("GET", url("2025/results/"), status=400)
    result = runner.invoke(args=["f1", "sync", "2025"])
    assert result.exit_code == 1 and "nothing was changed" in result.output


@pytest.mark.parametrize("field,value", [("points", "NaN"), ("points", "Infinity"), ("points", "1e9"),
                                         ("points", "many"), ("grid", "x")])
def test_a_malformed_value_fails_the_sync_with_nothing_written(app, upstream, field, value):
    """A value no classification can hold is a bad page, like a cut body: 503, nothing stored (a NaN stored
    would have reached clients as a bare NaN, which is not JSON; 1e9 overflows the column)."""
    serve(upstream, SEASON_2025)
    page = load("2025/1-results.json")
    rows_of(page)[3][field] = value
    upstream.replace("GET", url("2025/results/"), json=page)
    with app.app_context():
        with pytest.raises(ServiceUnavailable, match="malformed classification; nothing was changed"):
            service.sync_season(2025)
        for model in (Season, Driver, Race, SessionResult, ResultState):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0
