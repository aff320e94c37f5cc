"""What one standings read costs, in process (no gunicorn, no network load generator): SQL statements and
Redis commands per request (deterministic, so comparable across noisy runs) and the median wall and CPU time
per request, cached and uncached, beside a bare JSON route and the product's `/healthz` (framework, no auth)
and `/users/me` (auth and its user row) in the same process; also with `pool_pre_ping` off (a production
engine option), to size that change.

    python bench/read_path.py --requests 500
"""
import argparse
import statistics
import time

from _env import access_token, log, make_app


def counters(app):
    """Count SQL statements (incl. pre-ping) and Redis commands issued while a request runs."""
    from sqlalchemy import event

    from fantasy.extensions import db

    counts = {"sql": 0, "redis": 0}
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _sql(*_args, **_kwargs):
            counts["sql"] += 1

        redis = app.extensions["redis"]
        original = redis.execute_command

        def execute_command(*args, **kwargs):
            counts["redis"] += 1
            return original(*args, **kwargs)

        redis.execute_command = execute_command
    return counts


def per_request(client, path: str, headers: dict, requests: int, before=None) -> dict:
    """Median wall time and median CPU time of this thread per request, in ms. The CPU time leaves out the
    waits for PostgreSQL and Redis and the time other processes hold the cores, so it is the steadier
    measure of the app's own work on a shared machine."""
    wall, cpu = [], []
    for _ in range(requests):
        if before:
            before()
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(path, headers=headers)
        cpu.append(time.thread_time() - started_cpu)
        wall.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_json()
    return {"ms": statistics.median(wall) * 1000, "cpu_ms": statistics.median(cpu) * 1000}


def measure(overrides: dict | None, requests: int) -> dict:
    from flask import jsonify

    app = make_app() if overrides is None else _app(overrides)
    body = {}

    @app.get("/bench-bare")
    def bare():
        return jsonify(body["rows"])

    client = app.test_client()
    headers = {"Authorization": f"Bearer {access_token(app, 1)}"}
    path = "/api/v1/leagues/1/standings"
    body["rows"] = client.get(path, headers=headers).get_json()
    counts = counters(app)
    result = {}
    targets = {"bare": ("/bench-bare", None), "/healthz": ("/healthz", None), "/users/me": ("/api/v1/users/me", None),
               "cached": (path, None), "uncached": (path, lambda: _drop(app))}
    for name, (target, prepare) in targets.items():
        client.get(target, headers=headers)
        counts.update(sql=0, redis=0)
        client.get(target, headers=headers) if prepare is None else (prepare(), client.get(target, headers=headers))
        calls = dict(counts)
        if prepare is not None:  # the drop itself is one Redis command
            calls["redis"] -= 1
        result[name] = {**per_request(client, target, headers, requests, prepare), **calls}
    return result


ENDPOINTS = ("bare", "/healthz", "/users/me", "cached", "uncached")


def _app(overrides: dict):
    from _env import app_env

    app_env()
    from fantasy import create_app

    return create_app(overrides=overrides)


def _drop(app) -> None:
    with app.app_context():
        app.extensions["redis"].delete("standings:1:season")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args(argv)
    from _env import app_env

    app_env()  # before config is imported: it reads the environment then
    from config import ProductionConfig

    variants = {
        "production settings": None,
        "pool_pre_ping off": {"SQLALCHEMY_ENGINE_OPTIONS": {**ProductionConfig.SQLALCHEMY_ENGINE_OPTIONS,
                                                            "pool_pre_ping": False}},
    }
    results = {}
    for rounds in range(2):  # interleaved twice: the machine is shared
        for name, overrides in variants.items():
            results.setdefault(name, []).append(measure(overrides, args.requests))
    print("\n| settings | endpoint | median ms/request (2 rounds) | CPU ms/request | SQL statements | Redis commands |")
    print("|---|---|---:|---:|---:|---:|")
    for name, rounds in results.items():
        for endpoint in ENDPOINTS:
            ms = " / ".join(f"{run[endpoint]['ms']:.2f}" for run in rounds)
            cpu = " / ".join(f"{run[endpoint]['cpu_ms']:.2f}" for run in rounds)
            last = rounds[-1][endpoint]
            print(f"| {name} | {endpoint} | {ms} | {cpu} | {last['sql']} | {last['redis']} |")
    log("done")
    return results


if __name__ == "__main__":
    main()
