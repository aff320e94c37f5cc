"""Fault injection: Redis gone, the database dropping every connection, a worker SIGKILLed mid-scoring and mid-sync."""
import os
import signal
from datetime import datetime, timezone

import psutil
import pytest
from rq.job import Job, JobStatus
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.pool import NullPool

from conftest import PASSWORD, _clean
from drafts_helpers import API, League, driver_id, race_id
from f1data_fake_server import FakeJolpica
from f1data_helpers import SEASON_2025
from f1data_state import assert_same_rows, f1_state
from fantasy.common.redis import get_redis
from fantasy.drafts.models import Draft, DraftState
from fantasy.extensions import db
from fantasy.f1data import service as f1data_service
from fantasy.jobs import scoring as scoring_jobs
from fantasy.jobs.queues import DEFAULT, LOW, get_queue
from fantasy.scoring.models import DriverScore
from processes import process_env, start, stop, wait_for


def play_round(app, league: League, season_round: int, picks: list[str]) -> int:
    """Open a replay round, pick in turn, lock (autopick the rest) and score it in-process."""
    race = race_id(app, 2023, season_round)
    assert league.open(race).status_code == 200
    for ref in picks:
        assert league.pick(race, driver_id(app, ref)).status_code == 201
    assert league.lock(race).status_code == 200
    with app.app_context():
        scoring_jobs.score_race(race)
    return race


def test_with_redis_down_reads_are_served_from_the_database(app, client, make_user, redis_down, f1):
    league = League(client, make_user, size=3)
    race = play_round(app, league, 1, ["max_verstappen", "perez", "alonso"])
    team = next(iter(league.players))
    owner = league.owner["headers"]
    reads = [f"{API}/leagues/{league.id}/standings", f"{API}/leagues/{league.id}/standings?race_id={race}",
             f"{API}/teams/{team}/scores", f"{API}/leagues/{league.id}", f"{API}/leagues/{league.id}/members",
             f"{API}/leagues/{league.id}/drafts/{race}", f"{API}/races/{race}/results", f"{API}/drivers",
             f"{API}/notifications", f"{API}/users/me"]
    # Warm the standings cache on the live app, so the down app must not depend on finding it either way.
    expected = {url: client.get(url, headers=owner) for url in reads}
    assert {url: response.status_code for url, response in expected.items()} == dict.fromkeys(reads, 200)
    assert expected[reads[0]].get_json()[0]["points"] != 0.0

    # No stub: the token checks read the family and the principal from the database during the outage.
    down = redis_down.test_client()
    for url in reads:
        response = down.get(url, headers=owner)
        assert response.status_code == 200, (url, response.get_json())
        assert response.get_json() == expected[url].get_json(), url


def test_with_redis_down_readyz_and_login_are_a_clear_503(app, client, make_user, redis_down):
    make_user("alice")
    down = redis_down.test_client()
    ready = down.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "unavailable", "database": "ok", "redis": "down"}
    # Rate limiting fails closed: without Redis no login can be counted, so none is let through.
    login = down.post(f"{API}/auth/login", json={"login": "alice", "password": PASSWORD})
    assert login.status_code == 503, login.get_json()
    assert login.get_json()["code"] == 503 and "access_token" not in login.get_json()
    assert login.headers.get("Retry-After"), dict(login.headers)


def _scores(app, race: int) -> list[tuple]:
    """driver_scores of a race without their surrogate ids and timestamps: what scoring decided."""
    with app.app_context():
        db.session.remove()
        return [tuple(row) for row in db.session.execute(
            select(DriverScore.ruleset, DriverScore.driver_id, DriverScore.points, DriverScore.breakdown)
            .where(DriverScore.race_id == race).order_by(DriverScore.ruleset, DriverScore.driver_id))]


def _block_writes(app, table: str = "drafts"):
    """Hold the drafts table against writers from another connection: on PostgreSQL a scoring job gets past
    its reads and driver_scores writes and then waits, uncommitted and holding its Redis lock, on marking
    drafts scored; on SQLite (one writer at a time) it waits holding its Redis lock at its first statement."""
    connection = db.engine.connect()
    connection.begin()  # on SQLite this is BEGIN IMMEDIATE (fantasy/common/sqlite.py): its one write lock
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
    return connection


def _waiting_on_our_lock(connection, table: str = "drafts") -> bool:
    if connection.dialect.name != "postgresql":
        return True  # SQLite has no view of lock waiters; holding the Redis lock is the signal there
    return bool(connection.execute(text(
        f"SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = '{table}'::regclass")).scalar())


def _work_horse(worker: psutil.Process) -> psutil.Process | None:
    """RQ forks one work horse per job and makes it a process group leader (its scheduler child is not)."""
    horses = [child for child in worker.children() if os.getpgid(child.pid) == child.pid]
    return horses[0] if horses else None


def _retry_scheduled(job: Job, retries_left: int = 2) -> bool:
    job.refresh()
    return job.get_status(refresh=False) == JobStatus.SCHEDULED and job.retries_left == retries_left


@pytest.mark.slow
def test_a_work_horse_killed_in_the_middle_of_scoring_is_retried_to_the_same_scores(
        app, client, make_user, backing_urls, tmp_path, f1):
    leagues = [League(client, make_user, size=3, name=f"Crash League {n}") for n in (1, 2)]
    race = race_id(app, 2023, 1)
    for league in leagues:
        assert league.open(race).status_code == 200
        assert league.lock(race).status_code == 200  # autopicks every slot
    env = process_env(backing_urls, tmp_path)
    with app.app_context():
        get_queue(DEFAULT).empty()
        get_queue(LOW).empty()  # the snapshot load's price-season jobs: they write the market's own rows
        lock_key = f"lock:score-race:{race}"
        blocker = _block_writes(app)
        job_id = scoring_jobs.enqueue_score_race(race)
        worker = start(env, "worker.py", "worker")
        try:
            # The job is inside score_race (it holds the race's Redis lock) and blocked mid-transaction.
            assert wait_for(lambda: get_redis().exists(lock_key) and _waiting_on_our_lock(blocker), timeout=60), \
                stop(worker)
            horse = _work_horse(psutil.Process(worker.pid))
            assert horse is not None and Job.fetch(job_id, connection=get_redis()).get_status() == JobStatus.STARTED
            horse.send_signal(signal.SIGKILL)
            horse.wait(timeout=10)
            blocker.rollback()
            blocker.close()
            # RQ's worker sees its horse die and hands the job to its Retry policy (RETRY: first retry in 10 s).
            job = Job.fetch(job_id, connection=get_redis())
            # (RQ writes the status before the rest of the job, so wait for both.)
            assert wait_for(lambda: _retry_scheduled(job), timeout=30), (job.get_status(), job.retries_left)
            with app.app_context():
                assert _scores(app, race) == []  # nothing of the killed attempt was committed
        finally:
            first_run = stop(worker)
        assert "terminated unexpectedly" in first_run or "signal 9" in first_run, first_run[-3000:]
        # The killed horse never released the race's lock; it lapses after LOCK_SECONDS (60 s). Let it lapse
        # now rather than wait a minute, and bring the retry's moment (10 s on) forward rather than sleep.
        assert get_redis().pttl(lock_key) > 0
        get_redis().delete(lock_key)
        get_queue(DEFAULT).scheduled_job_registry.schedule(job, datetime.now(timezone.utc))

        restarted = start(env, "worker.py", "worker")
        try:
            assert wait_for(lambda: job.get_status(refresh=True) == JobStatus.FINISHED, timeout=60), \
                (job.get_status(), stop(restarted)[-3000:])
        finally:
            stop(restarted)
        assert job.return_value()["leagues_newly_scored"] == 2
    crashed = _scores(app, race)
    assert len(crashed) == 20

    # An uninterrupted run from the same starting point decides exactly the same rows.
    with app.app_context():
        db.session.execute(DriverScore.__table__.delete().where(DriverScore.race_id == race))
        db.session.execute(update(Draft).where(Draft.race_id == race).values(state=DraftState.locked))
        db.session.commit()
        scoring_jobs.score_race(race)
    assert _scores(app, race) == crashed


@pytest.mark.slow
def test_a_work_horse_killed_in_the_middle_of_a_season_sync_is_retried_to_the_same_data(
        app, backing_urls, tmp_path, monkeypatch):
    with FakeJolpica(SEASON_2025) as upstream, app.app_context():
        monkeypatch.setitem(app.config, "JOLPICA_BASE_URL", upstream.base_url)
        f1data_service.sync_season(2025)
        uninterrupted, requests = f1_state(), sum(upstream.hits.values())
        assert len(uninterrupted["session_results"]) >= 40 and len(uninterrupted["races"]) >= 20
        _clean(app)
        upstream.hits.clear()

        table = "session_results"
        blocker = _block_writes(app, table)
        job_id = f1data_service.enqueue_sync(2025)["job_id"]
        env = process_env(backing_urls, tmp_path, JOLPICA_BASE_URL=upstream.base_url)
        worker = start(env, "worker.py", "worker")
        job = Job.fetch(job_id, connection=get_redis())
        try:
            # Every page fetched, so the job is in its one storing transaction: on PostgreSQL past seasons,
            # drivers and races and waiting on session_results; on SQLite waiting on the write lock.
            assert wait_for(lambda: sum(upstream.hits.values()) == requests and _waiting_on_our_lock(blocker, table)
                            and job.get_status(refresh=True) == JobStatus.STARTED, timeout=60), stop(worker)
            horse = _work_horse(psutil.Process(worker.pid))
            assert horse is not None
            horse.send_signal(signal.SIGKILL)
            horse.wait(timeout=10)
            blocker.rollback()
            blocker.close()
            assert wait_for(lambda: _retry_scheduled(job), timeout=30), (job.get_status(), job.retries_left)
            assert all(rows == [] for rows in f1_state().values())  # nothing half-written
        finally:
            stop(worker)
        # SYNC_RETRY waits 30 s before the first retry; bring that moment forward instead of sleeping through it.
        get_queue(DEFAULT).scheduled_job_registry.schedule(job, datetime.now(timezone.utc))

        restarted = start(env, "worker.py", "worker")
        try:
            assert wait_for(lambda: job.get_status(refresh=True) == JobStatus.FINISHED, timeout=60), \
                (job.get_status(), stop(restarted)[-3000:])
        finally:
            stop(restarted)
        assert_same_rows(uninterrupted, f1_state())


def _drop_every_database_connection(app) -> int:
    """What a database restart does to the app's pool: every open connection dies under it.

    PostgreSQL: the server ends every other backend of this test run in the database (pg_terminate_backend, as
    a restart would); the run's connections carry its application_name, for under pytest-xdist the other
    workers share the database, each in its own schema (conftest.py). SQLite has no server; the file's pooled
    connections are closed under the pool instead.
    """
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            # From outside the app's pool, or the killer would be one of the pool's own idle connections.
            outsider = create_engine(engine.url, poolclass=NullPool)
            with outsider.connect() as connection:
                killed = connection.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND application_name = current_setting('application_name')")).scalar()
            outsider.dispose()
            return killed
        held = [engine.raw_connection() for _ in range(2)]
        for pooled in held:
            pooled.driver_connection.close()
        for pooled in held:
            pooled.invalidate()
        return len(held)


def test_after_the_database_drops_every_connection_the_next_requests_succeed(app, client, make_user, f1):
    league = League(client, make_user, size=2)
    owner = league.owner["headers"]
    assert client.get(f"{API}/leagues/{league.id}", headers=owner).status_code == 200
    assert _drop_every_database_connection(app) >= 1
    for url in (f"{API}/leagues/{league.id}", f"{API}/leagues/{league.id}/members", f"{API}/users/me"):
        response = client.get(url, headers=owner)
        assert response.status_code == 200, (url, response.get_json())
    renamed = client.patch(f"{API}/leagues/{league.id}", json={"description": "after the restart"}, headers=owner)
    assert renamed.status_code == 200 and renamed.get_json()["description"] == "after the restart"
    assert client.get("/readyz").status_code == 200
