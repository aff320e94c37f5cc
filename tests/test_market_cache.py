"""The market's reads are cached where read often (§13): a round's prices, a race's asset scores and an
asset's season come from Redis on a repeated read (no SQL at all) and are fresh after prices are stored or
scores change; an asset's season is paginated by rounds."""
import json
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from sqlalchemy import delete, event, update

from drafts_helpers import API, League, constructor_id, driver_id, race_id
from fantasy.common.redis import get_redis
from fantasy.extensions import db
from fantasy.f1data.models import SessionKind, SessionResult
from fantasy.jobs import scoring as scoring_jobs
from fantasy.market.models import AssetPrice
from fantasy.market.service import price_season
from scoring_helpers import result_rows, work_low

pytestmark = pytest.mark.usefixtures("f1")
BUNDLED = json.loads((Path(__file__).parent.parent / "fantasy" / "market" / "data" / "2023-opening.json").read_text())


@contextmanager
def sql(app):
    """The SQL statements run inside the block (not the pool's pre-ping, not SQLite's explicit BEGIN)."""
    statements = []

    def record(_conn, _cursor, statement, *_args):
        if statement.strip().upper() not in ("SELECT 1", "BEGIN"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def read(client, url: str, **query):
    response = client.get(url, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response


def cached_read(app, client, url: str, **query):
    """A read, then the same read again, which must make no SQL and answer the same, page header included."""
    first = read(client, url, **query)
    with sql(app) as statements:
        again = read(client, url, **query)
    assert statements == []
    assert again.get_json() == first.get_json()
    assert again.headers["X-Pagination"] == first.headers["X-Pagination"]
    return first.get_json()


def by_ref(rows: list[dict]) -> dict[str, dict]:
    return {row["asset"]["ref"]: row for row in rows}


@pytest.mark.usefixtures("priced")
def test_a_repeated_market_read_makes_no_sql(app, client):
    bahrain = race_id(app, 2023, 1)
    urls = [(f"{API}/races/{bahrain}/asset-scores", {}), (f"{API}/races/{bahrain}/asset-scores", {"kind": "driver"}),
            (f"{API}/seasons/2023/rounds/5/prices", {"page_size": 30}),
            (f"{API}/seasons/2023/drivers/{driver_id(app, 'gasly')}/market", {}),
            (f"{API}/seasons/2023/constructors/{constructor_id(app, 'mclaren')}/market", {"page_size": 5})]
    for url, query in urls:
        with sql(app) as cold:
            read(client, url, **query)
        assert cold, url  # the first read computes
        cached_read(app, client, url, **query)
    # Another page is a slice of the same entry.
    assert len(cached_read(app, client, f"{API}/seasons/2023/rounds/5/prices", page=2, page_size=30)) == 2
    # Each kind, page and asset is served from its own entry or page of one: the shapes are the uncached ones.
    scores = cached_read(app, client, f"{API}/races/{bahrain}/asset-scores")
    assert len(scores) == 30 and scores[0]["asset"]["ref"] == "red_bull" and scores[0]["points"] == 72.0
    assert by_ref(scores)["max_verstappen"]["asset"] == {"kind": "driver", "id": driver_id(app, "max_verstappen"),
                                                         "ref": "max_verstappen", "name": "Max Verstappen",
                                                         "code": "VER"}
    prices = cached_read(app, client, f"{API}/seasons/2023/rounds/5/prices")
    assert [(row["asset"]["name"], row["price"], row["previous_price"], row["change"]) for row in prices[:2]] == [
        ("Max Verstappen", 29.2, 28.9, 0.3), ("Red Bull", 29.2, 28.9, 0.3)]


def test_a_read_after_prices_are_stored_returns_them(app, client, make_user, runner, tmp_path):
    admin = make_user("root", admin=True)
    verstappen = f"{API}/seasons/2023/drivers/{driver_id(app, 'max_verstappen')}/market"
    assert client.get(f"{API}/seasons/2023/rounds/1/prices").status_code == 404
    assert client.post(f"{API}/admin/prices", json=BUNDLED, headers=admin["headers"]).status_code == 200
    opening = cached_read(app, client, f"{API}/seasons/2023/rounds/1/prices", kind="constructor")
    assert [(row["asset"]["ref"], row["price"]) for row in opening] == list(BUNDLED["constructors"].items())
    before = cached_read(app, client, verstappen)["rounds"]
    assert [(row["round"], row["price"], row["points"]) for row in before] == [(1, 28.0, None)]

    with app.app_context():  # scores every round and stores rounds 2-22's prices
        assert price_season(2023)["rounds_priced"] == list(range(2, 23))
    after = cached_read(app, client, verstappen)["rounds"]
    assert len(after) == 22
    assert [(row["round"], row["price"], row["change"]) for row in after[:4]] == [
        (1, 28.0, None), (2, 28.3, 0.3), (3, 28.6, 0.3), (4, 28.9, 0.3)]
    assert after[0]["points"] == 35.0
    assert cached_read(app, client, f"{API}/seasons/2023/rounds/2/prices", kind="driver")[0]["price"] == 28.3

    # Opening prices never change, but a database cleared by hand and given another list must not be shadowed
    # by the cached one: the CLI import bumps the season's prices version too.
    with app.app_context():
        db.session.execute(delete(AssetPrice).where(AssetPrice.season_year == 2023))
        db.session.commit()
    path = tmp_path / "opening.json"
    path.write_text(json.dumps({**BUNDLED, "constructors": {**BUNDLED["constructors"], "red_bull": 27.5}}))
    assert runner.invoke(args=["prices", "import", str(path)]).exit_code == 0
    reopened = cached_read(app, client, f"{API}/seasons/2023/rounds/1/prices", kind="constructor")
    assert [(row["asset"]["ref"], row["price"]) for row in reopened] == [
        (ref, 27.5 if ref == "red_bull" else price) for ref, price in BUNDLED["constructors"].items()]
    assert [(row["round"], row["price"]) for row in cached_read(app, client, verstappen)["rounds"][:2]] == [
        (1, 28.0), (2, None)]


@pytest.mark.usefixtures("priced")
def test_a_read_after_a_correction_is_re_scored_returns_the_new_points(app, client, make_user):
    """Bahrain's fastest lap moves from Zhou to Gasly through the admin route; the price job re-scores it on a
    real worker. Gasly 13 -> 23, Zhou -10; their constructors likewise; no lineup locked at the later rounds'
    prices, so they are re-priced and read fresh (Gasly's round 3: 9.2 -> 10.0)."""
    admin = make_user("root", admin=True)
    bahrain = race_id(app, 2023, 1)
    scores_url = f"{API}/races/{bahrain}/asset-scores"
    gasly_url = f"{API}/seasons/2023/drivers/{driver_id(app, 'gasly')}/market"
    before = by_ref(cached_read(app, client, scores_url))
    before_drivers = cached_read(app, client, scores_url, kind="driver")
    gasly_before = cached_read(app, client, gasly_url)["rounds"]
    assert before["gasly"]["points"] == 13.0 and "race_fastest_lap" not in before["gasly"]["breakdown"]
    assert before["zhou"]["breakdown"]["race_fastest_lap"] == 10.0

    rows = result_rows(app, bahrain)
    by_driver = {row["driver_id"]: row for row in rows}
    gasly, zhou = by_driver[driver_id(app, "gasly")], by_driver[driver_id(app, "zhou")]
    gasly["fastest_lap_rank"], zhou["fastest_lap_rank"] = 1, gasly["fastest_lap_rank"]
    response = client.put(f"{API}/admin/races/{bahrain}/results/race", json={"rows": rows}, headers=admin["headers"])
    assert response.status_code == 200, response.get_json()
    work_low(app)

    after = by_ref(cached_read(app, client, scores_url))
    assert after["gasly"]["points"] == 23.0
    assert after["gasly"]["breakdown"] == {**before["gasly"]["breakdown"], "race_fastest_lap": 10.0}
    assert Decimal(after["zhou"]["points"]) == Decimal(before["zhou"]["points"]) - 10
    assert "race_fastest_lap" not in after["zhou"]["breakdown"]
    assert Decimal(after["alpine"]["points"]) == Decimal(before["alpine"]["points"]) + 10
    assert Decimal(after["alfa"]["points"]) == Decimal(before["alfa"]["points"]) - 10
    unchanged = set(before) - {"gasly", "zhou", "alpine", "alfa"}
    assert {ref: after[ref] for ref in unchanged} == {ref: before[ref] for ref in unchanged}
    drivers = cached_read(app, client, scores_url, kind="driver")
    assert len(drivers) == len(before_drivers) == 20 and by_ref(drivers)["gasly"]["points"] == 23.0
    gasly_after = cached_read(app, client, gasly_url)["rounds"]
    assert gasly_after[0]["points"] == 23.0
    assert [row["price"] for row in gasly_before[:3]] == [8.8, 9.4, 9.2]
    assert [row["price"] for row in gasly_after[:3]] == [8.8, 9.4, 10.0]


def test_a_league_on_the_market_s_preset_sees_a_correction_the_price_job_scored_first(app, client, make_user):
    """The price job and the score-race job both write the f1_fantasy_2025 driver rows: when the price job
    stores a correction first, the score-race job finds nothing to change, so the price job's commit is the
    one that must invalidate the standings."""
    league = League(client, make_user, size=2, ruleset="f1_fantasy_2025", picks_per_team=1)
    bahrain = race_id(app, 2023, 1)
    assert league.open(bahrain).status_code == 200
    for ref in ("gasly", "max_verstappen"):  # one team takes Gasly, the other Verstappen
        assert league.pick(bahrain, driver_id(app, ref)).status_code == 201
    assert league.lock(bahrain).status_code == 200
    with app.app_context():
        scoring_jobs.score_race(bahrain)
        price_season(2023)

    def standings() -> list[tuple[str, int]]:
        rows = client.get(f"{API}/leagues/{league.id}/standings", headers=league.owner["headers"]).get_json()
        return sorted((row["points"], row["rank"]) for row in rows)

    assert standings() == [(13.0, 2), (35.0, 1)]
    gasly = driver_id(app, "gasly")
    with app.app_context():  # Gasly's fastest lap, written straight into the classification
        race = (SessionResult.race_id == bahrain) & (SessionResult.session == SessionKind.race)
        db.session.execute(update(SessionResult).where(race).values(fastest_lap_rank=None))
        db.session.execute(update(SessionResult).where(race, SessionResult.driver_id == gasly)
                           .values(fastest_lap_rank=1))
        db.session.commit()
        assert price_season(2023)["rounds_rescored"] == [1]
        assert scoring_jobs.score_race(bahrain)["rulesets_changed"] == 0
    assert standings() == [(23.0, 2), (35.0, 1)]


@pytest.mark.usefixtures("priced")
def test_an_asset_s_season_is_paginated_by_rounds(app, client):
    url = f"{API}/seasons/2023/constructors/{constructor_id(app, 'mclaren')}/market"
    whole = read(client, url)
    assert json.loads(whole.headers["X-Pagination"]) == {"total": 22, "total_pages": 1, "first_page": 1,
                                                         "last_page": 1, "page": 1}
    season = whole.get_json()
    assert len(season["rounds"]) == 22 and season["asset"]["name"] == "McLaren" and season["season"] == 2023
    for page in (1, 2, 5, 6):  # page 6 is past the end: no rounds, as for every paginated list
        response = read(client, url, page=page, page_size=5)
        assert response.get_json() == {**season, "rounds": season["rounds"][(page - 1) * 5:page * 5]}
        assert json.loads(response.headers["X-Pagination"])["total"] == 22
    documented = client.get("/openapi.json").get_json()["paths"][
        "/api/v1/seasons/{year}/constructors/{constructor_id}/market"]["get"]["parameters"]
    assert [parameter["schema"]["default"] for parameter in documented if parameter["name"] == "page_size"] == [30]
    bad = client.get(url, query_string={"page_size": 101})
    assert bad.status_code == 422 and bad.get_json()["code"] == 422


@pytest.mark.usefixtures("priced")
def test_the_market_reads_are_served_while_redis_cannot_be_read(app, client, monkeypatch):
    url = f"{API}/seasons/2023/rounds/5/prices"
    expected = read(client, url).get_json()
    with app.app_context():
        connection = get_redis()

    def down(*_args, **_kwargs):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(connection, "mget", down)
    monkeypatch.setattr(connection, "set", down)
    with sql(app) as statements:
        assert read(client, url).get_json() == expected
    assert statements  # from the database
