"""The results poll live: a fake Jolpica over HTTP, the clock moved through the Australian GP 2025 weekend."""
import copy
import logging
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import time_machine
from rq import SimpleWorker
from sqlalchemy import select

from drafts_helpers import League
from f1data_fake_server import FakeJolpica
from f1data_helpers import EMPTY, load
from fantasy.common.redis import get_redis
from fantasy.drafts import lifecycle as drafts
from fantasy.extensions import db
from fantasy.f1data import events, polling, service
from fantasy.f1data.models import Driver, Race, ResultLifecycle, ResultState, SessionKind, SessionResult
from fantasy.jobs import f1data as f1data_jobs
from fantasy.jobs.queues import DEFAULT, get_queue
from fantasy.scoring.models import DriverScore

UTC = timezone.utc
QUALIFYING = datetime(2025, 3, 15, 5, 0, tzinfo=UTC)  # Australia: ends (with its allowance) at 06:30
RACE = datetime(2025, 3, 16, 4, 0, tzinfo=UTC)  # ends (with its allowance) at 07:00
RESULTS, QUALI, CHINA_SPRINT = "2025/1/results/", "2025/1/qualifying/", "2025/2/sprint/"
SEASON = {"2025/seasons/": "2025/seasons.json", "2025/circuits/": "2025/circuits.json",
          "2025/drivers/": "2025/drivers.json", "2025/constructors/": "2025/constructors.json",
          "2025/races/": "2025/races.json", "2025/results/": EMPTY, "2025/sprint/": EMPTY,
          "2025/qualifying/": EMPTY, RESULTS: EMPTY, QUALI: EMPTY, CHINA_SPRINT: EMPTY,
          "2025/2/qualifying/": EMPTY}


@pytest.fixture
def upstream(app, monkeypatch):
    """The fake upstream, reached through the app's own client settings (shared Redis request budget too)."""
    with FakeJolpica(SEASON) as server:
        monkeypatch.setitem(app.config, "JOLPICA_BASE_URL", server.base_url)
        yield server


def at(moment: datetime):
    # The clock keeps ticking from there: the shared request budget needs time to pass.
    return time_machine.travel(moment, tick=True)


def near(moment: datetime, stamp: datetime) -> bool:
    return moment <= stamp < moment + timedelta(seconds=10)


def tick(app, moment: datetime) -> str:
    with at(moment), app.app_context():
        return f1data_jobs.results_poll_tick()


def corrected(payload: dict) -> dict:
    """The stewards swap P1 and P2 after the race (positions and points travel with them)."""
    payload = copy.deepcopy(payload)
    first, second = payload["MRData"]["RaceTable"]["Races"][0]["Results"][:2]
    for name in ("position", "positionText", "points"):
        first[name], second[name] = second[name], first[name]
    return payload


def state(app, session=SessionKind.race) -> ResultState:
    with app.app_context():
        australia = db.session.scalar(select(Race.id).where(Race.season_year == 2025, Race.round == 1))
        return db.session.scalars(select(ResultState).where(
            ResultState.race_id == australia, ResultState.session == session)).one()


def queued(app) -> list[str]:
    with app.app_context():
        return get_queue(DEFAULT).get_job_ids()


def run_queued_jobs(app) -> None:
    with app.app_context():
        SimpleWorker([get_queue(DEFAULT)], connection=get_redis()).work(burst=True)


def driver_points(app) -> dict[str, Decimal]:
    with app.app_context():
        return dict(db.session.execute(select(Driver.ref, DriverScore.points).join(
            Driver, Driver.id == DriverScore.driver_id)).all())


def test_poll_tick_follows_a_weekend_from_nothing_to_final_and_gives_up_on_what_never_comes(
        app, client, make_user, upstream, changes, caplog, time_machine):
    time_machine.move_to(RACE - timedelta(days=7))  # a live league needs races ahead
    with at(RACE - timedelta(days=6)), app.app_context():
        service.sync_season(2025)
    league = League(client, make_user, mode="live", season=2025)
    with app.app_context():
        australia = db.session.scalar(select(Race.id).where(Race.season_year == 2025, Race.round == 1))
    for moment in (QUALIFYING - timedelta(hours=96), QUALIFYING):  # the draft opens, then locks
        with at(moment), app.app_context():
            drafts.draft_tick()
    assert league.state(australia)["state"] == "locked"
    upstream.hits.clear()

    # Before any session ended nothing is asked; once qualifying is over only it is.
    assert tick(app, QUALIFYING + timedelta(minutes=80)).startswith("due=0 waiting=")
    assert tick(app, QUALIFYING + timedelta(minutes=95)).startswith("due=1 ")
    assert dict(upstream.hits) == {QUALI: 1}

    # After the race: nothing published yet (200, empty Races) -> still pending, nothing written.
    tick(app, RACE + timedelta(hours=3, minutes=5))
    assert (upstream.hits[RESULTS], upstream.hits[QUALI]) == (1, 2)
    assert state(app).state is ResultLifecycle.pending and changes == []

    # The provisional classification: stored, announced once, scoring queued under its one job id.
    upstream.payloads[RESULTS] = load("2025/1-results.json")
    provisional_at = RACE + timedelta(hours=3, minutes=10)
    assert "changed=1" in tick(app, provisional_at)
    assert (upstream.hits[RESULTS], upstream.hits[QUALI]) == (2, 2)  # qualifying is hourly by now
    assert changes == [(australia, SessionKind.race)]
    provisional = state(app)
    assert provisional.state is ResultLifecycle.provisional and near(provisional_at, provisional.changed_at)
    assert queued(app) == [f"score-race-{australia}"]
    run_queued_jobs(app)
    scores = driver_points(app)
    assert len(scores) == 20 and (scores["norris"], scores["max_verstappen"]) == (25, 18)

    # Same content again: a request, no write, no event, no new scoring.
    assert "changed=0" in tick(app, RACE + timedelta(hours=3, minutes=15))
    assert upstream.hits[RESULTS] == 3 and len(changes) == 1 and queued(app) == []
    assert state(app).changed_at == provisional.changed_at

    # A corrected classification: changed_at moves, one event, scores follow.
    upstream.payloads[RESULTS] = corrected(load("2025/1-results.json"))
    corrected_at = RACE + timedelta(hours=4)
    assert "changed=1" in tick(app, corrected_at)
    assert changes == [(australia, SessionKind.race)] * 2
    assert state(app).state is ResultLifecycle.provisional and near(corrected_at, state(app).changed_at)
    run_queued_jobs(app)
    assert driver_points(app) == {**scores, "norris": 18, "max_verstappen": 25}

    # Hours later the race is asked about hourly only.
    tick(app, RACE + timedelta(hours=9, minutes=30))
    tick(app, RACE + timedelta(hours=10))
    assert upstream.hits[RESULTS] == 5

    # The verification window closes: the next poll finds the same content and the result becomes final.
    assert "finalized=1" in tick(app, RACE + timedelta(hours=72, minutes=30))
    assert state(app).state is ResultLifecycle.final and len(changes) == 2
    results_asked = upstream.hits[RESULTS]
    tick(app, RACE + timedelta(hours=80))
    assert upstream.hits[RESULTS] == results_asked == 6  # final: never asked again

    # Qualifying never came: a week after it ended the poll gives up, alerting once.
    gave_up = []
    record = lambda race_id, session: gave_up.append((race_id, session))  # noqa: E731
    events.results_poll_gave_up.connect(record)
    try:
        quali_asked = upstream.hits[QUALI]
        with caplog.at_level(logging.ERROR, logger="fantasy.f1data.polling"):
            assert "gave_up=1" in tick(app, QUALIFYING + timedelta(days=7, hours=2))
            assert "gave_up=0" in tick(app, QUALIFYING + timedelta(days=7, hours=4))
    finally:
        events.results_poll_gave_up.disconnect(record)
    assert gave_up == [(australia, SessionKind.qualifying)]
    assert upstream.hits[QUALI] == quali_asked and upstream.hits[RESULTS] == 6
    alerts = [r for r in caplog.records if r.levelno == logging.ERROR and "results_poll_gave_up" in r.getMessage()]
    assert len(alerts) == 1 and f"race_id={australia} season=2025 round=1 session=qualifying" in alerts[0].getMessage()
    # Meanwhile China's sprint ended and is being asked about with the one-round sprint endpoint.
    assert upstream.hits[CHINA_SPRINT] == 2
    assert state(app, SessionKind.qualifying).state is ResultLifecycle.pending


def test_a_second_tick_while_one_runs_skips_instead_of_overlapping(app, upstream):
    with app.app_context():
        held = get_redis().lock("lock:results-poll-tick", timeout=60)
        assert held.acquire(blocking=False)
        try:
            assert f1data_jobs.results_poll_tick() == "skipped"
        finally:
            held.release()
        assert f1data_jobs.results_poll_tick().startswith("due=0 ")
    assert sum(upstream.hits.values()) == 0


def test_one_failing_round_does_not_stop_the_others(app, upstream):
    with at(RACE - timedelta(days=6)), app.app_context():
        service.sync_season(2025)
    upstream.fail[RESULTS] = (404, b'{"detail": "Not found."}', {})
    upstream.hits.clear()

    with at(datetime(2025, 3, 22, 6, 0, tzinfo=UTC)), app.app_context():
        summary = polling.poll_results()
        rows = db.session.scalar(select(SessionResult.id).limit(1))

    # Australia's race 404s (a round the upstream does not know); China's sprint is still asked about.
    assert (summary.errors, upstream.hits[RESULTS], upstream.hits[CHINA_SPRINT]) == (1, 1, 1)
    assert rows is None


def test_sessions_of_past_seasons_are_never_looked_at(app, upstream):
    with at(RACE - timedelta(days=6)), app.app_context():
        service.sync_season(2025)
    upstream.hits.clear()
    with at(datetime(2026, 6, 1, tzinfo=UTC)), app.app_context():
        summary = polling.poll_results()
    assert (summary.due, summary.gave_up, summary.waiting, sum(upstream.hits.values())) == ([], [], 0, 0)
