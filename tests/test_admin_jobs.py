"""Admin job operations: the jobs overview, requeueing a failed job, and rq-dashboard behind HTTP Basic."""
from datetime import datetime, timedelta, timezone

import pytest
from rq import Retry, SimpleWorker
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler

from auth_helpers import basic
from fantasy.common.redis import get_redis
from fantasy.jobs.queues import DEFAULT, LOW, get_queue
from fantasy.jobs.schedule import reconcile

API = "/api/v1/admin"
LEAKY_PASSWORD = "hunter2-db-password"


def leak(message: str) -> None:
    """A job failing the way a driver does: its message quotes a connection string."""
    raise RuntimeError(message)


def run_failing(app, job_id: str, message: str, queue_name: str = DEFAULT) -> None:
    with app.app_context():
        get_queue(queue_name).enqueue("test_admin_jobs.leak", message, job_id=job_id)
        SimpleWorker([get_queue(queue_name)], connection=get_redis()).work(burst=True)


@pytest.fixture
def admin(make_user):
    return make_user("boss", admin=True)


def test_jobs_overview_shows_queues_failures_without_secrets_and_schedules(app, client, admin):
    secret = app.config["SECRET_KEY"]
    run_failing(app, "leaky", f"could not connect to postgresql://fantasy:{LEAKY_PASSWORD}@db:5432/x key={secret}")
    with app.app_context():
        scheduler = Scheduler(connection=get_redis())
        reconcile(scheduler)
        expiry_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=5)
        scheduler.enqueue_at(expiry_at, "fantasy.jobs.drafts.expire_turn", 3, 4, job_id="draft-3-pick-4-expiry")
        get_queue(LOW).enqueue("fantasy.common.clock.utcnow", job_id="waiting")
        get_queue(DEFAULT).enqueue(
            "test_admin_jobs.leak", "again", job_id="backing-off", retry=Retry(max=2, interval=600)
        )
        SimpleWorker([get_queue(DEFAULT)], connection=get_redis()).work(burst=True)

    response = client.get(f"{API}/jobs", headers=admin["headers"])

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    counts = {queue["name"]: queue for queue in body["queues"]}
    assert list(counts) == ["high", "default", "low"]
    assert (counts["default"]["failed"], counts["default"]["scheduled"], counts["low"]["queued"]) == (1, 1, 1)
    [failed] = body["failed"]
    assert (failed["id"], failed["queue"], failed["func"]) == ("leaky", "default", "test_admin_jobs.leak")
    assert failed["exception"] == "RuntimeError: could not connect to postgresql://[redacted]@db:5432/x key=[redacted]"
    assert LEAKY_PASSWORD not in response.text and secret not in response.text
    scheduled = {job["id"]: job for job in body["scheduled"]}
    assert set(scheduled) == {"periodic-calendar-sync", "periodic-results-poll", "periodic-draft-tick",
                              "periodic-cleanup", "periodic-notification-outbox", "draft-3-pick-4-expiry",
                              "backing-off"}
    assert (scheduled["periodic-draft-tick"]["interval"], scheduled["periodic-cleanup"]["cron"]) == (60, "43 4 * * *")
    assert scheduled["draft-3-pick-4-expiry"]["next_run"] == expiry_at.isoformat()
    assert scheduled["backing-off"]["func"] == "test_admin_jobs.leak"


def test_jobs_overview_is_for_admins_only(client, make_user):
    assert client.get(f"{API}/jobs").status_code == 401
    user = make_user("pleb")
    assert client.get(f"{API}/jobs", headers=user["headers"]).status_code == 403
    assert client.post(f"{API}/jobs/x/requeue", headers=user["headers"]).status_code == 403


def test_requeue_puts_a_failed_job_back_once(app, client, admin):
    run_failing(app, "broken", "temporary outage")

    response = client.post(f"{API}/jobs/broken/requeue", headers=admin["headers"])

    assert response.status_code == 202, response.get_json()
    assert response.get_json() == {"id": "broken", "queue": "default", "status": "queued"}
    with app.app_context():
        assert get_queue(DEFAULT).get_job_ids() == ["broken"]
        assert get_queue(DEFAULT).failed_job_registry.count == 0
    again = client.post(f"{API}/jobs/broken/requeue", headers=admin["headers"])
    assert again.status_code == 409 and again.get_json()["message"] == "Job broken is queued, not failed"
    unknown = client.post(f"{API}/jobs/nope/requeue", headers=admin["headers"])
    assert unknown.status_code == 404 and unknown.get_json()["message"] == "No job nope"


def test_dashboard_asks_for_credentials_and_admits_only_active_admins(app, client, admin, make_user):
    make_user("pleb")
    fired = make_user("fired", admin=True)
    assert client.post(f"/api/v1/admin/users/{fired['id']}/deactivate", headers=admin["headers"]).status_code == 200

    for headers in ({}, basic("boss", "wrong"), basic("nobody"), basic("pleb"), basic("fired"),
                    {"Authorization": admin["headers"]["Authorization"]}):
        refused = client.get("/admin/rq/", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["WWW-Authenticate"].startswith("Basic ")
    for login in ("boss", "BOSS@example.com"):
        assert client.get("/admin/rq/", headers=basic(login)).status_code == 200
    run_failing(app, "broken", "temporary outage")
    queues = client.get("/admin/rq/0/data/queues.json", headers=basic("boss")).get_json()["queues"]
    assert [(queue["name"], queue["failed_job_registry_count"]) for queue in queues] == [("default", 1)]


def test_dashboard_refuses_writes_from_other_sites(app, client, admin):
    run_failing(app, "broken", "temporary outage")
    cross_site = {**basic("boss"), "Origin": "https://evil.example"}
    for method, path in (("POST", "/admin/rq/job/broken/requeue"), ("GET", "/admin/rq/requeue/default")):
        assert client.open(path, method=method, headers=cross_site).status_code == 403
    with app.app_context():
        assert Job.fetch("broken", connection=get_redis()).get_status() == JobStatus.FAILED
    same_site = {**basic("boss"), "Origin": "http://localhost"}
    assert client.post("/admin/rq/job/broken/requeue", headers=same_site).status_code == 200
    with app.app_context():
        assert Job.fetch("broken", connection=get_redis()).get_status() == JobStatus.QUEUED

