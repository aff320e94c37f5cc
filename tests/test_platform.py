"""The API shell: probes, docs, envelope, request ids, headers, CORS, limits, production settings."""
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import jwt as pyjwt
import pytest
import redis
from dotenv import dotenv_values
from flask import request, session
from sqlalchemy.exc import DataError, OperationalError

from config import DEV_SECRET
from fantasy import create_app
from fantasy.common.observability import JsonFormatter
from fantasy.devstack import bind_host

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.smoke


def assert_envelope(response, code):
    body = response.get_json()
    assert response.status_code == code, body
    assert body["code"] == code
    assert body["status"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_is_down(app, backing_urls, tmp_path):
    broken = create_app("testing", overrides={**backing_urls, "REDIS_URL": f"unix://{tmp_path}/none.sock"})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "redis": "down"}


def test_readyz_is_503_when_database_is_down(app, backing_urls, tmp_path):
    url = "postgresql://nobody@127.0.0.1:1/none"
    broken = create_app("testing", overrides={**backing_urls, "SQLALCHEMY_DATABASE_URI": url})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"
    assert response.get_json()["redis"] == "ok"


def test_openapi_documents_bearer_auth_and_routes(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/users/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in spec["paths"]["/api/v1/auth/login"]["post"]


@pytest.mark.parametrize(
    "page, asset",
    [("/docs", "/static/swagger-ui/swagger-ui-bundle.js"), ("/redoc", "/static/redoc/redoc.standalone.js")],
)
def test_docs_pages_serve_their_assets_locally(client, page, asset):
    html = client.get(page).get_data(as_text=True)
    assert asset in html
    script = client.get(asset)
    assert script.status_code == 200
    assert len(script.get_data()) > 100_000


def test_request_id_is_generated_or_propagated(client):
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"]
    assert unsafe != "bad id <script>" and len(unsafe) == 32


def test_log_lines_are_json_with_request_id(backing_urls, capfd):
    # A fresh app binds its log handler to the stderr that capfd captures.
    create_app("testing", overrides=dict(backing_urls)).test_client().get(
        "/healthz", headers={"X-Request-ID": "log-check-1"}
    )
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "fantasy.access"]
    assert access and access[-1]["request_id"] == "log-check-1"
    assert access[-1]["path"] == "/healthz" and access[-1]["status"] == 200


def test_log_timestamps_are_utc_with_milliseconds():
    formatter = JsonFormatter()
    stamps = [
        json.loads(formatter.format(logging.makeLogRecord({"msg": "x", "created": created, "msecs": msecs})))["ts"]
        for created, msecs in ((0.5, 500.0), (0.75, 750.0), (86400.25, 250.0))
    ]
    assert stamps == ["1970-01-01T00:00:00.500Z", "1970-01-01T00:00:00.750Z", "1970-01-02T00:00:00.250Z"]


def test_security_headers(client):
    response = client.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    auth = client.post("/api/v1/auth/login", json={"login": "x", "password": "y"})
    assert auth.headers["Cache-Control"] == "no-store"
    assert auth.headers.getlist("Content-Security-Policy") == ["frame-ancestors 'none'"]


def test_no_cookie_session(app, client):
    with app.test_request_context("/healthz"):
        assert app.session_interface.is_null_session(session._get_current_object())
    assert "Set-Cookie" not in client.get("/healthz").headers


def test_cors_allows_only_listed_origins(app, backing_urls):
    cors_app = create_app("testing", overrides={**backing_urls, "CORS_ORIGINS": ["https://app.example"]})
    client = cors_app.test_client()
    allowed = client.options(
        "/api/v1/auth/login",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_error_envelopes(client):
    assert_envelope(client.get("/api/v1/nope"), 404)
    not_allowed = client.delete("/api/v1/auth/login")
    assert_envelope(not_allowed, 405)
    assert "POST" in not_allowed.headers["Allow"]
    bad_json = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert_envelope(bad_json, 400)
    invalid = assert_envelope(client.post("/api/v1/auth/login", json={"login": 5}), 422)
    assert set(invalid["errors"]["json"]) == {"login", "password"}


def test_body_over_max_content_length_is_413(client, app):
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    assert_envelope(client.post("/api/v1/auth/login", data=big, content_type="application/json"), 413)


def test_unexpected_error_is_500_envelope_without_details(backing_urls):
    app = create_app("testing", overrides=dict(backing_urls))

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    body = assert_envelope(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["message"] == "Internal server error"


class FakePgError(Exception):
    def __init__(self, pgcode):
        super().__init__("driver detail")
        self.pgcode = pgcode


@pytest.mark.parametrize("pgcode, status", [("40P01", 409), ("40001", 409), ("57P01", 503), (None, 503)])
def test_lost_races_are_409_try_again_and_other_database_failures_503(backing_urls, pgcode, status):
    app = create_app("testing", overrides=dict(backing_urls))

    @app.get("/race")
    def lost():
        raise OperationalError("UPDATE memberships", {}, FakePgError(pgcode))

    response = app.test_client().get("/race")
    body = assert_envelope(response, status)
    assert "driver detail" not in response.get_data(as_text=True)
    if status == 409:
        # "Try again" at once: a Retry-After here would make clients wait for nothing (it is for 429 and 503).
        assert "try again" in body["message"] and "Retry-After" not in response.headers
    else:
        assert response.headers["Retry-After"] == "5"


def test_a_value_the_database_refuses_is_422(backing_urls):
    app = create_app("testing", overrides=dict(backing_urls))

    @app.get("/too-long")
    def too_long():
        raise DataError("INSERT INTO leagues", {}, FakePgError("22001"))

    assert_envelope(app.test_client().get("/too-long"), 422)


def test_redis_failure_is_503_envelope(backing_urls):
    app = create_app("testing", overrides=dict(backing_urls))

    @app.get("/needs-redis")
    def needs_redis():
        raise redis.ConnectionError("down")

    assert_envelope(app.test_client().get("/needs-redis"), 503)


@pytest.mark.parametrize("secret", [None, DEV_SECRET, "short-secret"])
def test_production_refuses_weak_secrets(backing_urls, secret):
    overrides = {**backing_urls, "SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": secret}
    with pytest.raises(RuntimeError, match="JWT_SECRET_KEY"):
        create_app("production", overrides=overrides)


def test_production_starts_with_strong_secrets(backing_urls):
    overrides = {**backing_urls, "SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40}
    assert create_app("production", overrides=overrides).config["PRODUCTION"] is True


def test_every_procfile_process_runs_in_production():
    commands = [line.split(":", 1)[1] for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()]
    steps = [step.strip() for command in commands for step in command.split("&&")]
    assert len(steps) == 5
    assert all(step.startswith("FANTASY_ENV=production ") for step in steps), steps


@pytest.mark.slow
def test_development_run_on_a_server_database_refuses_the_dev_secret(tmp_path):
    # What a deploy that forgot FANTASY_ENV and JWT_SECRET_KEY looks like; a fresh process reads the environment.
    env = {key: value for key, value in os.environ.items()
           if key not in ("FANTASY_ENV", "SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL")}
    env.update(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none", SECRET_KEY="s" * 40,
               INSTANCE_PATH=str(tmp_path))
    started = subprocess.run([sys.executable, "-c", "from fantasy import create_app; create_app()"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert started.returncode != 0
    assert "JWT_SECRET_KEY is the public development secret" in started.stderr
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'dev.db'}"
    default_run = subprocess.run([sys.executable, "-c", "from fantasy import create_app; create_app()"],
                                 cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert default_run.returncode == 0, default_run.stderr


def test_tokens_signed_with_the_public_dev_secret_never_verify_in_tests(app, client, make_user):
    admin = make_user("root", admin=True)
    assert app.config["JWT_SECRET_KEY"] != DEV_SECRET
    now = int(time.time())
    claims = {"sub": str(admin["id"]), "type": "access", "fresh": False, "jti": "x", "fam": "f",
              "iat": now, "nbf": now, "exp": now + 600}
    forged = pyjwt.encode(claims, DEV_SECRET, algorithm="HS256")
    assert_envelope(client.get("/api/v1/admin/users", headers={"Authorization": f"Bearer {forged}"}), 401)


def test_make_run_listens_on_loopback_with_the_example_settings():
    assert bind_host(dotenv_values(ROOT / ".env.example")) == "127.0.0.1"
    assert bind_host({}) == "127.0.0.1"
    assert bind_host({"HOST": "0.0.0.0"}) == "0.0.0.0"


def client_address(app, **headers) -> str:
    app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
    return app.test_client().get("/whoami", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}).text


def test_production_trusts_one_proxy_by_default_and_other_runs_none(backing_urls):
    strong = {**backing_urls, "SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40}
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    assert client_address(create_app("production", overrides=strong), **forwarded) == "203.0.113.7"
    assert client_address(create_app("testing", overrides=dict(backing_urls)), **forwarded) == "10.0.0.1"


@pytest.mark.slow
def test_ci_installs_make_and_venv_support_on_a_bare_machine(tmp_path):
    # A machine with none of the tools: each stub below stands in for one command .ci/run calls first.
    stubs = {"id": "echo 1000", "dirname": f"echo {ROOT / '.ci'}", "ls": "exit 2", "python3": "exit 1",
             "sudo": 'exec "$@"', "apt-get": f'echo "$@" >> {tmp_path / "apt.log"}; [ "$1" != install ]'}
    for name, body in stubs.items():
        stub = tmp_path / name
        stub.write_text(f"#!/bin/sh\n{body}\n")
        stub.chmod(0o755)
    run = subprocess.run(["/bin/bash", str(ROOT / ".ci" / "run")], env={"PATH": str(tmp_path)},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    install = [line.split() for line in (tmp_path / "apt.log").read_text().splitlines() if line.startswith("install")]
    assert install and {"redis-server", "postgresql", "make", "python3-venv"} <= set(install[0])


def test_every_reference_in_the_openapi_document_resolves(client):
    document = client.get("/openapi.json").get_json()
    text = json.dumps(document)
    references = {part.split('"')[1] for part in text.split('"$ref": ')[1:]}
    assert references
    for reference in references:
        node = document
        for key in reference.removeprefix("#/").split("/"):
            node = node.get(key) if isinstance(node, dict) else None
        assert node is not None, reference
    assert "request_id" in document["components"]["schemas"]["Error"]["properties"]
