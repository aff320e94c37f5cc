"""Rate limits of §5, shared by every process through Redis, and failing closed without it."""
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash

from auth_helpers import basic
from conftest import PASSWORD, AuthActions, bearer
from fantasy import create_app
from fantasy.common.redis import get_redis
from fantasy.extensions import limiter
from fantasy.jobs import admin_service as jobs_service

ROOT = Path(__file__).resolve().parent.parent
# Another worker process: its own interpreter, so its own Flask-Limiter object; only Redis can connect them.
OTHER_PROCESS = """
import json, sys
from fantasy import create_app
client = create_app("testing", overrides=json.loads(sys.argv[1])).test_client()
attempt = {"login": "alice", "password": "wrong password!"}
print(json.dumps([client.post("/api/v1/auth/login", json=attempt).status_code for _ in range(int(sys.argv[2]))]))
"""


@pytest.fixture
def other_process(backing_urls):
    """Send login attempts for alice from a separate process on the same database and Redis."""

    def attempts(count: int) -> list[int]:
        done = subprocess.run([sys.executable, "-c", OTHER_PROCESS, json.dumps(backing_urls), str(count)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.splitlines()[-1])

    return attempts


def attempt(client, login="alice", password="wrong password!"):
    return client.post("/api/v1/auth/login", json={"login": login, "password": password})


@pytest.mark.slow
def test_eleventh_login_in_a_minute_is_429_across_processes(app, auth, client, other_process):
    auth.register("alice")
    assert [attempt(client).status_code for _ in range(5)] == [401] * 5
    assert other_process(5) == [401] * 5
    with app.app_context():
        assert get_redis().keys("LIMITS*"), "the limiter keeps its counters in Redis"
    blocked = attempt(client, password=PASSWORD)
    body = blocked.get_json()
    assert blocked.status_code == 429
    assert body["code"] == 429 and body["request_id"]
    assert int(blocked.headers["Retry-After"]) > 0
    assert other_process(1) == [429]


def test_login_limit_is_per_account_as_well_as_per_ip(auth, client):
    auth.register("alice")
    # Ten attempts on one account from "different addresses" still lock that account.
    for number in range(10):
        client.post(
            "/api/v1/auth/login",
            json={"login": "alice", "password": "wrong password!"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{number}"},
        )
    locked = client.post(
        "/api/v1/auth/login", json={"login": "ALICE", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.1.1"}
    )
    assert locked.status_code == 429
    other = AuthActions(client)
    other.register("bob")
    assert other.login("bob")["access_token"]


def attempts_from_many_addresses(client, logins) -> list[int]:
    return [
        client.post(
            "/api/v1/auth/login", json={"login": login, "password": "wrong password!"},
            environ_base={"REMOTE_ADDR": f"10.0.{number // 250}.{number % 250}"},
        ).status_code
        for number, login in enumerate(logins)
    ]


def test_username_and_email_share_one_account_limit(auth, client):
    auth.register("alice")
    spellings = ["alice", "ALICE@example.com", " Alice ", "alice@EXAMPLE.com", "ALICE"] * 2
    assert attempts_from_many_addresses(client, spellings) == [401] * 10
    assert attempts_from_many_addresses(client, ["alice@example.com"]) == [429]


def test_unknown_logins_share_a_limit_whatever_their_case(client):
    assert attempts_from_many_addresses(client, ["Nobody", "nobody "] * 5) == [401] * 10
    assert attempts_from_many_addresses(client, ["NOBODY", "somebody"]) == [429, 401]


def test_register_is_limited_to_five_a_minute_per_ip(client):
    statuses = [
        client.post(
            "/api/v1/auth/register",
            json={"username": f"user{n}", "email": f"user{n}@example.com", "password": PASSWORD},
        ).status_code
        for n in range(6)
    ]
    assert statuses == [201] * 5 + [429]


def test_refresh_is_limited_to_thirty_a_minute(auth, client):
    _, tokens = auth.signup()
    token = tokens["refresh_token"]
    for _ in range(30):
        response = client.post("/api/v1/auth/refresh", headers=bearer(token))
        assert response.status_code == 200
        token = response.get_json()["refresh_token"]
    assert client.post("/api/v1/auth/refresh", headers=bearer(token)).status_code == 429


def test_login_fails_closed_with_503_when_redis_is_down(app, backing_urls, tmp_path):
    broken = create_app("testing", overrides={**backing_urls, "REDIS_URL": f"unix://{tmp_path}/gone.sock"})
    try:
        response = broken.test_client().post("/api/v1/auth/login", json={"login": "alice", "password": PASSWORD})
    finally:
        # The limiter object is process-wide and follows the last app set up: point it back at the live Redis.
        limiter.init_app(app)
    assert response.status_code == 503
    assert response.get_json()["code"] == 503


def test_routes_without_limits_skip_the_limiter(app, client):
    # No default or application limits: Flask-Limiter's per-request hook is dropped, so /healthz never
    # reaches the limiter while the decorated auth routes (above) still count.
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers


# --- rq-dashboard's HTTP Basic: the login limits, counting refused sign-ins only -------------------

WRONG = "wrong password!"


@pytest.fixture
def hashes(monkeypatch):
    """The password checks the dashboard's sign-in runs, counted (each still runs for real)."""
    checks = []

    def counted(pwhash, password):
        checks.append(password)
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(jobs_service, "check_password_hash", counted)
    return checks


@pytest.fixture
def boss(make_user):
    return make_user("boss", admin=True)


def dashboard(client, login, password=PASSWORD, address="10.0.0.1", path="/admin/rq/"):
    return client.get(path, headers=basic(login, password), environ_base={"REMOTE_ADDR": address})


def assert_too_many(response):
    body = response.get_json()
    assert response.status_code == 429, response.get_data(as_text=True)
    assert body["code"] == 429 and body["request_id"] and "Retry-After" in body["message"]
    assert int(response.headers["Retry-After"]) > 0
    return int(response.headers["Retry-After"])


def test_dashboard_sign_in_is_limited_per_ip_without_hashing_the_refused(client, boss, hashes):
    logins = ["boss", "BOSS@example.com", "nobody", "root", "admin"] * 2
    assert [dashboard(client, login, WRONG).status_code for login in logins] == [401] * 10
    assert len(hashes) == 10
    assert_too_many(dashboard(client, "boss", WRONG))
    assert_too_many(dashboard(client, "boss"))  # the right password too, as with login
    assert len(hashes) == 10, "a refused attempt costs no password hash"
    assert dashboard(client, "boss", address="10.0.0.2").status_code == 200


@pytest.mark.slow  # on the real clock: the limit's window passes in Redis's time
def test_dashboard_sign_in_is_limited_per_account_until_the_window_passes(app, client, boss, make_user, hashes,
                                                                           monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "10 per 3 seconds")
    spellings = ["boss", "BOSS", " Boss@Example.com "] * 3 + ["boss"]
    statuses = [dashboard(client, login, WRONG, address=f"10.0.1.{number}").status_code
                for number, login in enumerate(spellings)]
    assert statuses == [401] * 10
    wait = assert_too_many(dashboard(client, "boss", address="10.0.2.1"))
    assert len(hashes) == 10
    make_user("deputy", admin=True)
    assert dashboard(client, "deputy", address="10.0.2.1").status_code == 200, "another account is not locked"
    time.sleep(wait + 1)
    assert dashboard(client, "boss", address="10.0.2.1").status_code == 200
    assert len(hashes) == 12


def test_dashboard_counts_only_refused_credentials(client, boss, hashes):
    # The dashboard polls every few seconds and signs in each time; a browser's first visit has no credentials.
    assert [dashboard(client, "boss").status_code for _ in range(15)] == [200] * 15
    assert [client.get("/admin/rq/").status_code for _ in range(15)] == [401] * 15
    assert [dashboard(client, "boss", WRONG).status_code for _ in range(10)] == [401] * 10
    assert_too_many(dashboard(client, "boss"))
    assert len(hashes) == 25


def test_dashboard_assets_are_served_without_a_sign_in(client, boss, hashes):
    # rq-dashboard's own CSS and JS are public files: no password to check there, nothing to count.
    statuses = [dashboard(client, "boss", WRONG, path="/admin/rq/static/favicon.ico").status_code for _ in range(12)]
    assert statuses == [200] * 12
    assert hashes == []
    assert dashboard(client, "boss", WRONG).status_code == 401
