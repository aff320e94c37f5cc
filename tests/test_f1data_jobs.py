"""The sync job end to end: POST /admin/sync, a real `worker.py` process, the fake upstream over real HTTP."""
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from conftest import bearer
from f1data_fake_server import FakeJolpica, page
from f1data_helpers import SEASON_2025, load
from fantasy.common.redis import get_redis
from fantasy.extensions import db
from fantasy.f1data.models import Driver, Race, ResultLifecycle, ResultState, Season, SessionKind, SessionResult
from processes import ROOT, process_env

API = "/api/v1"
# Settings the worker gets that must never show up in its logs or a job's stored failure.
CANARIES = {"SECRET_KEY": "canary-secret-key-0123456789abcdef0123456789",
            "JWT_SECRET_KEY": "canary-jwt-secret-0123456789abcdef0123456789"}


@pytest.fixture
def upstream_server():
    with FakeJolpica(SEASON_2025) as server:
        yield server


def run_worker(backing_urls, upstream_url: str, instance: Path) -> subprocess.CompletedProcess:
    """`python worker.py worker --burst` on the test's database and Redis, as a separate process."""
    # Retries back off for milliseconds, not seconds (a cut body is retried like a 503 without Retry-After).
    env = process_env(backing_urls, instance, JOLPICA_BASE_URL=upstream_url, JOLPICA_BACKOFF_SECONDS="0.01",
                      **CANARIES)
    return subprocess.run([sys.executable, "worker.py", "worker", "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def enqueue_sync(client, admin_tokens) -> str:
    response = client.post(f"{API}/admin/sync", json={"season": 2025},
                           headers=bearer(admin_tokens["access_token"]))
    assert response.status_code == 202, response.get_json()
    return response.get_json()["job_id"]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_fake_upstream_pages_by_rows_and_cuts_races_like_the_real_one():
    recorded = load("2025/sprint-limit30-offset0.json")  # China's 20 rows, then the first 10 of Miami
    first, second = (page(recorded, 25, offset)["MRData"] for offset in (0, 25))

    assert page(recorded, 30, 0)["MRData"]["RaceTable"] == recorded["MRData"]["RaceTable"]
    assert (first["limit"], first["offset"], first["total"]) == ("25", "0", "30")
    assert [(r["round"], len(r["SprintResults"])) for r in first["RaceTable"]["Races"]] == [("2", 20), ("6", 5)]
    assert [(r["round"], len(r["SprintResults"])) for r in second["RaceTable"]["Races"]] == [("6", 5)]


@pytest.mark.slow
def test_sync_job_runs_on_a_real_worker(app, client, admin_tokens, backing_urls, tmp_path, upstream_server):
    job_id = enqueue_sync(client, admin_tokens)

    worker = run_worker(backing_urls, upstream_server.base_url, tmp_path)

    assert worker.returncode == 0, worker.stderr
    # Every whole-season endpoint once, a full page each: 8 requests for the season.
    assert sorted(upstream_server.queries) == sorted((path, 100, 0) for path in SEASON_2025)
    with app.app_context():
        job = Job.fetch(job_id, connection=get_redis())
        assert job.get_status() == JobStatus.FINISHED
        assert job.return_value().startswith("requests=8 inserted=")
        australia, china = (db.session.scalars(select(Race).filter_by(season_year=2025, round=r)).one()
                            for r in (1, 2))
        states = {(s.race_id, s.session): s.state for s in db.session.scalars(select(ResultState))}
        assert states[australia.id, SessionKind.race] is ResultLifecycle.final
        assert states[china.id, SessionKind.sprint] is ResultLifecycle.final
        assert states[china.id, SessionKind.qualifying] is ResultLifecycle.pending
        winner = db.session.scalars(select(SessionResult).filter_by(
            race_id=australia.id, session=SessionKind.race, position=1)).one()
        assert (winner.driver.ref, winner.points) == ("norris", Decimal(25))
    races = client.get(f"{API}/seasons/2025/races?page_size=100")
    assert len(races.get_json()) == 24
    results = client.get(f"{API}/races/{china.id}/results?session=sprint&page_size=100").get_json()
    assert len(results) == 20 and results[0]["driver"]["ref"] == "hamilton"


@pytest.mark.parametrize("path, answer, attempts, reason", [
    ("2025/results/", (503, b'{"detail": "down"}', {"Retry-After": "0"}), 5, "HTTP 503 after 5 attempts"),
    ("2025/qualifying/", (200, b'{"MRData": {"xmlns": "", "series": "f1", "RaceTa', {}), 5, "body is not JSON"),
])
@pytest.mark.slow
def test_failing_upstream_fails_the_job_and_writes_nothing(app, client, admin_tokens, backing_urls, tmp_path,
                                                           upstream_server, monkeypatch, path, answer, attempts,
                                                           reason):
    # One job-level retry, due at once, so the worker runs the job twice and then gives up within the test.
    monkeypatch.setitem(app.config, "F1_SYNC_RETRY_INTERVALS", [0])
    upstream_server.fail[path] = answer
    job_id = enqueue_sync(client, admin_tokens)

    worker = run_worker(backing_urls, upstream_server.base_url, tmp_path)

    assert worker.returncode == 0, worker.stderr
    assert upstream_server.hits[path] == 2 * attempts  # the client's retries, in each of the job's two runs
    with app.app_context():
        job = Job.fetch(job_id, connection=get_redis())
        assert job.get_status() == JobStatus.FAILED and job.retries_left == 0
        failure = job.latest_result().exc_string
        for model in (Season, Driver, Race, SessionResult, ResultState):
            assert count(model) == 0, model
    assert "ServiceUnavailable: The F1 data upstream is unavailable; nothing was changed" in failure
    logged = [json.loads(line) for line in worker.stderr.splitlines() if line.startswith("{")]
    failures = [entry for entry in logged if entry["message"].startswith("f1_sync_failed season=2025")]
    assert len(failures) == 2 and all(reason in entry["message"] for entry in failures)
    tracebacks = [entry for entry in logged if entry["level"] == "ERROR" and entry["logger"] == "rq.worker"]
    assert len(tracebacks) == 2 and all("ServiceUnavailable" in entry["message"] for entry in tracebacks)
    secrets = [*CANARIES.values(), backing_urls["SQLALCHEMY_DATABASE_URI"]]
    for text in (worker.stdout, worker.stderr, failure):
        assert not [secret for secret in secrets if secret in text]


@pytest.mark.slow
def test_a_season_the_upstream_does_not_have_fails_once_without_retries(app, client, admin_tokens, backing_urls,
                                                                       tmp_path, upstream_server, monkeypatch):
    # Two job-level retries due at once: a transient failure would run the job three times in this burst.
    monkeypatch.setitem(app.config, "F1_SYNC_RETRY_INTERVALS", [0, 0])
    response = client.post(f"{API}/admin/sync", json={"season": 2031}, headers=bearer(admin_tokens["access_token"]))
    assert response.status_code == 202, response.get_json()

    worker = run_worker(backing_urls, upstream_server.base_url, tmp_path)

    assert worker.returncode == 0, worker.stderr
    assert sum(upstream_server.hits.values()) == 1  # one 404, asked once: the answer will not change
    with app.app_context():
        job = Job.fetch(response.get_json()["job_id"], connection=get_redis())
        assert job.get_status() == JobStatus.FAILED and job.retries_left == 0
        assert "NotFound: The upstream has no season 2031" in job.latest_result().exc_string
