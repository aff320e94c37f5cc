"""Shared settings of the benchmark scripts: the bench database and Redis, the app, timing and output."""
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Never the test or review databases: the generator truncates what it loads.
BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://fantasy:fantasy@127.0.0.1/fantasy_bench")
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
FORBIDDEN = ("fantasy_test", "fantasy_test_b", "fantasy_review")

# The production config (pool sizes, secret checks) with throwaway secrets.
APP_ENV = {
    "FANTASY_ENV": "production",
    "DATABASE_URL": BENCH_DATABASE_URL,
    "REDIS_URL": BENCH_REDIS_URL,
    "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-only-secret-" + "x" * 40),
    "JWT_SECRET_KEY": os.environ.get("BENCH_JWT_SECRET_KEY", "bench-only-jwt-secret-" + "y" * 40),
    "FLASK_APP": "wsgi",
    "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    # Bench access tokens outlive a run.
    "JWT_ACCESS_TOKEN_SECONDS": "86400",
}


def check_database() -> None:
    name = BENCH_DATABASE_URL.rsplit("/", 1)[-1].split("?")[0]
    if name in FORBIDDEN:
        raise SystemExit(f"refusing to benchmark against {name}")


def app_env() -> dict:
    check_database()
    os.environ.update(APP_ENV)
    return {**os.environ, **APP_ENV}


def make_app():
    app_env()
    from fantasy import create_app

    return create_app()


def connect():
    """A plain psycopg2 connection to the bench database (autocommit off)."""
    import psycopg2

    check_database()
    return psycopg2.connect(BENCH_DATABASE_URL)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@contextmanager
def timed(label: str, into: dict | None = None):
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    if into is not None:
        into[label] = seconds
    log(f"{label}: {seconds:.3f} s")


def access_token(app, user_id: int) -> str:
    """A valid bearer token for a generated user, minted the way login does (a fresh token family)."""
    from flask_jwt_extended import create_access_token

    from fantasy.auth import families

    with app.app_context():
        return create_access_token(identity=str(user_id), additional_claims={"fam": families.start(user_id).id})
