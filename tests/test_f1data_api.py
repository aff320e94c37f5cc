"""The F1 data read API and its admin endpoints, on the bundled snapshot of real payloads."""
import json
import logging
from decimal import Decimal

import pytest
from sqlalchemy import select

from conftest import bearer
from f1data_helpers import load, rows_of
from fantasy.extensions import db
from fantasy.f1data import service
from fantasy.f1data.models import Driver, Race, ResultState, SessionKind
from fantasy.f1data.offline import BUNDLED
from fantasy.jobs.queues import get_queue

API = "/api/v1"
pytestmark = pytest.mark.usefixtures("fast_client")


@pytest.fixture
def loaded(app, f1):
    with app.app_context():
        races = {(r.season_year, r.round): r.id for r in db.session.scalars(select(Race))}
        drivers = {d.ref: d.id for d in db.session.scalars(select(Driver))}
    return {"races": races, "drivers": drivers}


def page(response):
    assert response.status_code == 200, response.get_json()
    return response.get_json(), json.loads(response.headers["X-Pagination"])


def test_seasons_and_races_are_paginated(client, loaded):
    seasons, meta = page(client.get(f"{API}/seasons"))
    assert [s["year"] for s in seasons] == [2025, 2023] and meta["total"] == 2

    races, meta = page(client.get(f"{API}/seasons/2025/races?page=2&page_size=5"))
    assert meta["total"] == 24 and [r["round"] for r in races] == [6, 7, 8, 9, 10]
    miami = races[0]
    assert {s["kind"] for s in miami["sessions"]} >= {"SprintQualifying", "Sprint", "Qualifying"}
    assert {s["session"]: s["state"] for s in miami["result_states"]} == {
        "qualifying": "pending", "sprint": "pending", "race": "pending"}


def test_race_and_its_results_by_session(client, loaded):
    race_id = loaded["races"][(2023, 9)]
    race = client.get(f"{API}/races/{race_id}").get_json()
    assert (race["name"], race["status"], race["circuit"]["ref"]) == ("Austrian Grand Prix", "completed",
                                                                      "red_bull_ring")

    rows, meta = page(client.get(f"{API}/races/{race_id}/results?page_size=3"))
    assert meta["total"] == 20 and [r["position"] for r in rows] == [1, 2, 3]
    assert (rows[0]["driver"]["ref"], rows[0]["number"], rows[0]["points"]) == ("max_verstappen", 1, 26.0)

    quali_id = loaded["races"][(2023, 13)]
    rows, _ = page(client.get(f"{API}/races/{quali_id}/results?session=qualifying&page_size=1"))
    assert (rows[0]["q3_ms"], rows[0]["position_text"]) == (70567, None)
    empty, meta = page(client.get(f"{API}/races/{quali_id}/results?session=sprint"))
    assert empty == [] and meta["total"] == 0


def test_drivers_and_constructors_filter_by_season(client, loaded):
    drivers, meta = page(client.get(f"{API}/drivers?season=2025&page_size=100"))
    assert meta["total"] == 30
    assert any(d["code"] is None and d["permanent_number"] is None for d in drivers)
    _, meta = page(client.get(f"{API}/drivers"))
    assert meta["total"] > 30  # both seasons
    constructors, meta = page(client.get(f"{API}/constructors?season=2023"))
    assert meta["total"] == 10 and "AlphaTauri" in {c["name"] for c in constructors}


@pytest.mark.parametrize("path", ["/races/999999", "/races/999999/results", "/seasons/1999/races",
                                  "/seasons/1999/driver-standings", "/races/1/results/nope"])
def test_unknown_things_are_404_envelopes(client, loaded, path):
    response = client.get(API + path)
    assert response.status_code == 404
    assert response.get_json()["code"] == 404 and "request_id" in response.get_json()


@pytest.mark.parametrize("query", ["session=pitstops", "page_size=101", "page=0"])
def test_bad_query_is_422(client, loaded, query):
    response = client.get(f"{API}/races/{loaded['races'][(2025, 1)]}/results?{query}")
    assert response.status_code == 422 and response.get_json()["code"] == 422


def test_driver_standings_equal_official_points(client, loaded):
    standings = client.get(f"{API}/seasons/2023/driver-standings").get_json()

    expected = {}
    # Every Grand Prix and sprint of the season, as the bundled pages have them.
    for endpoint, key in (("results", "Results"), ("sprint", "SprintResults")):
        for page_file in sorted((BUNDLED / "2023" / endpoint).glob("offset-*.json")):
            for row in rows_of(load(page_file), key):
                ref = row["Driver"]["driverId"]
                expected[ref] = expected.get(ref, Decimal(0)) + Decimal(row["points"])

    assert {row["driver"]["ref"]: Decimal(row["points"]) for row in standings} == expected
    assert standings[0]["driver"]["ref"] == "max_verstappen" and standings[0]["position"] == 1


# --- admin -----------------------------------------------------------------------------------------

def test_admin_sync_needs_an_admin(client, auth):
    assert client.post(f"{API}/admin/sync", json={"season": 2025}).status_code == 401
    _, tokens = auth.signup("bob")
    response = client.post(f"{API}/admin/sync", json={"season": 2025}, headers=bearer(tokens["access_token"]))
    assert response.status_code == 403 and response.get_json()["code"] == 403


def test_admin_sync_enqueues_one_job_with_a_deterministic_id(app, client, admin_tokens):
    headers = bearer(admin_tokens["access_token"])
    first = client.post(f"{API}/admin/sync", json={"season": 2025}, headers=headers)
    again = client.post(f"{API}/admin/sync", json={"season": 2025}, headers=headers)

    assert first.status_code == again.status_code == 202
    assert first.get_json() == again.get_json() == {"job_id": "f1-sync-2025", "status": "queued"}
    with app.app_context():
        assert get_queue("default").job_ids == ["f1-sync-2025"]


@pytest.mark.parametrize("body", [{}, {"season": 1800}, {"season": "x"}, {"season": 2025, "extra": 1}])
def test_admin_sync_validates(client, admin_tokens, body):
    response = client.post(f"{API}/admin/sync", json=body, headers=bearer(admin_tokens["access_token"]))
    assert response.status_code == 422 and response.get_json()["code"] == 422


def _row(driver_id, constructor_id, position, **extra):
    return {"driver_id": driver_id, "constructor_id": constructor_id, "position": position,
            "position_text": str(position), "points": "1", **extra}


def test_manual_correction_goes_through_ingest(app, client, admin_tokens, loaded, changes, caplog):
    race_id = loaded["races"][(2025, 1)]
    current = client.get(f"{API}/races/{race_id}/results?page_size=100").get_json()
    rows = [_row(r["driver"]["id"], r["constructor"]["id"], r["position"], points=r["points"],
                 position_text=r["position_text"], grid=r["grid"], laps=r["laps"], status=r["status"],
                 number=r["number"], time_ms=r["time_ms"], fastest_lap_rank=r["fastest_lap_rank"])
            for r in current]
    rows[0]["points"] = "0"
    rows[0]["position_text"], rows[0]["status"] = "D", "Disqualified"
    url = f"{API}/admin/races/{race_id}/results/race"
    headers = bearer(admin_tokens["access_token"])

    with caplog.at_level(logging.INFO, logger="fantasy.audit"):
        response = client.put(url, json={"rows": rows}, headers=headers)
        repeat = client.put(url, json={"rows": rows}, headers=headers)

    assert response.status_code == repeat.status_code == 200, response.get_json()
    assert response.get_json()[0]["classified"] is False
    assert changes == [(race_id, SessionKind.race)]  # the repeat changed nothing
    assert sum("results_corrected" in r.getMessage() for r in caplog.records) == 2
    with app.app_context():
        state = db.session.scalars(select(ResultState).filter_by(race_id=race_id, session=SessionKind.race)).one()
        assert state.source.value == "manual"
    # The upstream's unchanged classification does not undo the correction.
    with app.app_context():
        service.load_snapshot()
    assert client.get(f"{API}/races/{race_id}/results?page_size=1").get_json()[0]["points"] == 0.0


def test_manual_entry_validation(client, auth, admin_tokens, loaded):
    race_id = loaded["races"][(2025, 1)]
    url = f"{API}/admin/races/{race_id}/results/sprint"
    headers = bearer(admin_tokens["access_token"])
    norris = loaded["drivers"]["norris"]
    good = [_row(norris, 1, 1)]

    assert client.put(url, json={"rows": good}).status_code == 401
    _, tokens = auth.signup("bob")
    assert client.put(url, json={"rows": good}, headers=bearer(tokens["access_token"])).status_code == 403
    missing = client.put(f"{API}/admin/races/999999/results/race", json={"rows": good}, headers=headers)
    assert missing.status_code == 404
    unknown = client.put(url, json={"rows": [_row(999999, 1, 1)]}, headers=headers)
    assert unknown.status_code == 422 and "rows" in unknown.get_json()["errors"]
    for rows in ([_row(norris, 1, 1), _row(loaded["drivers"]["piastri"], 1, 1)],  # same position twice
                 [_row(norris, 1, 1), _row(norris, 1, 2)],  # same driver twice
                 [_row(norris, 1, 1, position_text="X")], [], [{"driver_id": norris}]):
        response = client.put(url, json={"rows": rows}, headers=headers)
        assert response.status_code == 422, rows
    assert client.put(f"{API}/admin/races/{race_id}/results/warmup", json={"rows": good},
                      headers=headers).status_code == 404
