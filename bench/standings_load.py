"""Standings read benchmark (§12): wrk against gunicorn (gunicorn.conf.py, WEB_CONCURRENCY=2), cached and
uncached, beside a bare Flask JSON endpoint of the same body size on the same settings, in the same run.

* cached: a set of leagues whose standings are warmed first; every request is a cache hit (still
  authenticated: JWT, revocation and principal check, league access; all from Redis snapshots, no SQL).
* uncached: every request is for a league whose standings are not in Redis (the cache entries are deleted
  before the run and each league is asked for once), so each one recomputes from PostgreSQL and writes the
  cache; the owners' principal and league access snapshots are deleted too, so nothing is warm. No bypass
  switch exists in the product; this is the real cold path.
* reference points on the product's stack: `/healthz` (flask-smorest route and the app's request hooks, no
  auth, no database) and `/users/me` (bearer auth with its revocation and principal check, then the user
  row from PostgreSQL and its dump).
* floors (bare_app.py, floor_app.py): one token verification and one Redis GET, on a bare Flask app and
  behind the product's request hooks: the least any authenticated cached read can cost on this server;
  and the uncached floor (floor_app.py): the token check and the two statements only PostgreSQL can answer
  (access and teams, the per-race points), no ORM, ranking or cache: the least an uncached read can cost.
Each request carries the bearer token of the league's owner (bench/standings.lua reads "path token" lines).

    python bench/standings_load.py --duration 10 --connections 64,8
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from _env import ROOT, access_token, app_env, connect, log, make_app

BENCH = Path(__file__).resolve().parent
LUA = BENCH / "standings.lua"
PRODUCT_PORT, BARE_PORT, FLOOR_PORT = 5601, 5602, 5603


def targets(app, first: int, count: int, path: Path) -> int:
    """Write `count` leagues from id `first` with their owners' tokens; returns how many exist."""
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT id, owner_id FROM leagues WHERE id >= %s ORDER BY id LIMIT %s", (first, count))
    rows = cur.fetchall()
    conn.close()
    owners = {owner: access_token(app, owner) for owner in {owner for _league, owner in rows}}
    lines = [f"/api/v1/leagues/{league}/standings {owners[owner]}" for league, owner in rows]
    path.write_text("\n".join(lines) + "\n")
    return len(rows)


def serve(module: str, port: int, logfile: Path, extra_env: dict | None = None, chdir: Path = ROOT):
    env = {**app_env(), "WEB_CONCURRENCY": "2", "PORT": str(port), "HOST": "127.0.0.1", "LOG_LEVEL": "INFO",
           **(extra_env or {})}
    process = subprocess.Popen(
        # As in the Procfile: gevent patches the standard library before gunicorn imports it.
        [str(ROOT / ".venv/bin/python"), "-m", "gevent.monkey", "--module", "gunicorn",
         "-c", str(ROOT / "gunicorn.conf.py"),
         "--chdir", str(chdir), module],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(logfile, "ab"), start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.2)
            continue
        return process
    raise SystemExit(f"{module} did not start on {port}; see {logfile}")


def stop(process) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_process(server) -> dict:
    """CPU seconds so far of what serves a request: the server's gunicorn master and workers, the bench Redis
    and the PostgreSQL backends connected to the bench database. Unlike throughput, CPU per request hardly
    moves with the other tenants' load."""
    import redis

    from _env import BENCH_REDIS_URL

    workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
    backends = [pid for (pid,) in cur.fetchall()]
    conn.close()
    redis_pid = redis.Redis.from_url(BENCH_REDIS_URL).info("server")["process_id"]
    return ({("web", pid): _cpu(pid) for pid in [server.pid, *map(int, workers)]}
            | {("redis", redis_pid): _cpu(redis_pid)} | {("postgres", pid): _cpu(pid) for pid in backends})


def wrk(url: str, connections: int, duration: int, targets_file: Path | None = None, server=None) -> dict:
    """One wrk run; with `server`, also the CPU milliseconds per request its web processes, Redis and
    PostgreSQL spent (cpu_ms, by part)."""
    before = cpu_by_process(server) if server else None
    env = {**os.environ}
    env.pop("TARGETS", None)
    if targets_file:
        env["TARGETS"] = str(targets_file)
    threads = min(2, connections)
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(LUA), url],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["load1"] = os.getloadavg()[0]  # the shared machine's 1-minute load average as the run ends
    if server:
        after = cpu_by_process(server)
        result["cpu_ms"] = {part: 1000 * sum(seconds - before.get(key, 0.0) for key, seconds in after.items()
                                             if key[0] == part) / max(result["requests"], 1)
                            for part in ("web", "redis", "postgres")}
    return result


def warm(app, targets_file: Path) -> None:
    """Read every cached-set league once so the cached run only hits."""
    import urllib.request

    for line in targets_file.read_text().splitlines():
        path, token = line.split(" ")
        request = urllib.request.Request(f"http://127.0.0.1:{PRODUCT_PORT}{path}",
                                         headers={"Authorization": f"Bearer {token}"})
        urllib.request.urlopen(request).read()


def drop_cached_standings(app) -> None:
    """Delete the standings entries and the principal and league access snapshots (not their counters)."""
    from fantasy.common.redis import get_redis

    with app.app_context():
        redis = get_redis()
        keys = [key for pattern in ("standings:*", "snap:*") for key in redis.scan_iter(pattern, count=10000)
                if not key.startswith(b"standings:v:") and not key.endswith((b":gen", b":pending"))]
        for start in range(0, len(keys), 10000):
            redis.delete(*keys[start:start + 10000])


def capture(url: str, token: str, path: Path) -> int:
    """Save one standings response for the bare endpoint to serve; returns its size."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        body = response.read()
    path.write_bytes(body)
    return len(body)


def fmt(result: dict) -> str:
    return (f"{result['rps']:8.0f} req/s  p50 {result['p50_us'] / 1000:6.2f} ms  "
            f"p95 {result['p95_us'] / 1000:6.2f} ms  "
            f"p99 {result['p99_us'] / 1000:6.2f} ms  non-2xx {result['non_2xx']}  errors {result['socket_errors']}  "
            f"load {result['load1']:.1f}")


# The §12 targets against the measured references (issue 17 item 5): (name, read, reference, share).
TARGETS = (("cached / floor", "cached", "product floor: token + Redis GET", 0.70),
           ("uncached / /users/me", "uncached", "product /users/me", 0.40))
ROUND_KINDS = ("bare", "product floor: token + Redis GET", "product /users/me", "cached", "uncached")


def print_rounds(rounds: dict) -> None:
    """Every round, not only the medians: req/s with the load average as each run ended, and the targets."""
    if not rounds:
        return
    print("\n| connections | round | " + " | ".join(f"{kind} req/s (load)" for kind in ROUND_KINDS)
          + " | " + " | ".join(f"{name} (target {share:.0%})" for name, _r, _f, share in TARGETS) + " |")
    print("|---:|---:|" + "---:|" * (len(ROUND_KINDS) + len(TARGETS)))
    for connections, runs in rounds.items():
        for index in range(len(runs["bare"])):
            cells = [f"{runs[kind][index]['rps']:.0f} ({runs[kind][index]['load1']:.1f})" for kind in ROUND_KINDS]
            ratios = [f"{runs[read][index]['rps'] / runs[reference][index]['rps']:.0%}"
                      for _name, read, reference, _share in TARGETS]
            print(f"| {connections} | {index + 1} | " + " | ".join(cells + ratios) + " |")


def pair(app, runs: dict, index: int, seconds: int) -> dict:
    """Each target's read and its reference back to back at 64 connections, the first of each pair alternating,
    so a ratio's two runs share the shared machine's moment. Use a small cached set (--cached-leagues 300): it
    is read once through before each pair."""
    warm(app, runs["cached"][1])  # the previous pair's uncached run dropped every entry and snapshot
    result = {}
    for kind in ("floor", "cached") if index % 2 == 0 else ("cached", "floor"):
        result[kind] = wrk(runs[kind][0], 64, seconds, runs[kind][1], server=runs[kind][2])
    for kind in ("me", "uncached", "uncached floor") if index % 2 == 0 else ("uncached floor", "uncached", "me"):
        if kind == "uncached":
            drop_cached_standings(app)
        result[kind] = wrk(runs[kind][0], 64, seconds, runs[kind][1], server=runs[kind][2])
    log(f"pair {index + 1}: " + "  ".join(f"{kind} {run['rps']:.0f} req/s {cpu_text(run)} (load {run['load1']:.1f})"
                                          for kind, run in result.items()))
    return result


def cpu_text(run: dict) -> str:
    cpu = run["cpu_ms"]
    return f"{sum(cpu.values()):.2f} ms CPU (web {cpu['web']:.2f}, redis {cpu['redis']:.2f}, pg {cpu['postgres']:.2f})"


def print_pairs(pairs: list[dict]) -> None:
    if not pairs:
        return
    kinds = ("floor", "cached", "me", "uncached", "uncached floor")
    print("\n| pair | " + " | ".join(f"{kind}: CPU ms/request (web + redis + pg)" for kind in kinds) + " |")
    print("|---:|" + "---|" * len(kinds))
    for index, p in enumerate(pairs, start=1):
        print(f"| {index} | " + " | ".join(cpu_text(p[kind]).replace(" ms CPU", "") for kind in kinds) + " |")
    for kind in kinds:
        print(f"median CPU ms/request, {kind}: {statistics.median(sum(p[kind]['cpu_ms'].values()) for p in pairs):.2f}")
    print("\n| pair | floor req/s | cached req/s | cached / floor (target 70%) | /users/me req/s | uncached req/s | "
          "uncached / /users/me (target 40%) | uncached floor req/s | uncached floor / /users/me | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for index, p in enumerate(pairs, start=1):
        loads = sorted(run["load1"] for run in p.values())
        print(f"| {index} | {p['floor']['rps']:.0f} | {p['cached']['rps']:.0f} | "
              f"{p['cached']['rps'] / p['floor']['rps']:.0%} | {p['me']['rps']:.0f} | {p['uncached']['rps']:.0f} | "
              f"{p['uncached']['rps'] / p['me']['rps']:.0%} | {p['uncached floor']['rps']:.0f} | "
              f"{p['uncached floor']['rps'] / p['me']['rps']:.0%} | {loads[0]:.1f}-{loads[-1]:.1f} |")
    ratios = [statistics.median(p[read]["rps"] / p[reference]["rps"] for p in pairs)
              for read, reference in (("cached", "floor"), ("uncached", "me"), ("uncached floor", "me"))]
    print("| median | | | {:.0%} | | | {:.0%} | | {:.0%} | |".format(*ratios))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", default="64,8")
    parser.add_argument("--cached-leagues", type=int, default=1000)
    parser.add_argument("--uncached-leagues", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=2, help="rounds of bare/cached/uncached; medians reported")
    parser.add_argument("--pairs", type=int, default=0,
                        help="then this many back-to-back pairs at 64 connections for the two targets (floor and "
                             "cached; /users/me, uncached and the uncached floor; each --pair-seconds), in "
                             "alternating order")
    parser.add_argument("--pair-seconds", type=int, default=5)
    parser.add_argument("--json", help="write the results here too")
    args = parser.parse_args(argv)
    app = make_app()
    work = Path(tempfile.mkdtemp(prefix="bench-standings-"))
    cached_file, uncached_file = work / "cached.txt", work / "uncached.txt"
    cached_count = targets(app, 1, args.cached_leagues, cached_file)
    uncached_count = targets(app, args.cached_leagues + 1, args.uncached_leagues, uncached_file)
    if not cached_count or not uncached_count:
        raise SystemExit("no leagues: run bench/generate.py first")
    if uncached_count < args.uncached_leagues:
        log(f"only {uncached_count} uncached leagues of {args.uncached_leagues}: once a run has read them all, its "
            "'uncached' reads hit the entries it wrote (a pair makes ~1,500 at this machine's rates)")
    first_path, first_token = cached_file.read_text().split("\n", 1)[0].split(" ")
    product = serve("wsgi:app", PRODUCT_PORT, work / "product.log")
    size = capture(f"http://127.0.0.1:{PRODUCT_PORT}{first_path}", first_token, work / "body.json")
    bare = serve("bare_app:app", BARE_PORT, work / "bare.log", {"BARE_BODY_FILE": str(work / "body.json")}, chdir=BENCH)
    bare_size = len(urllib.request.urlopen(f"http://127.0.0.1:{BARE_PORT}/bare").read())
    floor = serve("floor_app:app", FLOOR_PORT, work / "floor.log",
                  {"BARE_BODY_FILE": str(work / "body.json"), "PYTHONPATH": str(ROOT)}, chdir=BENCH)
    log(f"standings body {size} bytes, bare body {bare_size} bytes; logs in {work}")
    product_url, bare_url = f"http://127.0.0.1:{PRODUCT_PORT}/", f"http://127.0.0.1:{BARE_PORT}/bare"
    # Reference points on the product's own stack: the framework without auth, and auth with its user row.
    me_file, bare_auth_file, floor_file = work / "me.txt", work / "bare_auth.txt", work / "floor.txt"
    uncached_floor_file = work / "uncached_floor.txt"
    uncached_floor_file.write_text(uncached_file.read_text().replace("/api/v1/leagues/", "/bench/uncached-floor/")
                                   .replace("/standings ", " "))
    for file, path in ((me_file, "/api/v1/users/me"), (bare_auth_file, "/bare-auth"), (floor_file, "/bench/floor")):
        lines = cached_file.read_text().splitlines()
        file.write_text("\n".join(f"{path} {line.split(' ')[1]}" for line in lines) + "\n")
    floor_url = f"http://127.0.0.1:{FLOOR_PORT}/"
    results: dict = {"body_bytes": size, "bare_body_bytes": bare_size, "runs": {}, "rounds": {}, "pairs": []}
    try:
        wrk(bare_url, 64, 3)  # warm-up: worker imports, connection pools
        wrk(product_url, 64, 3, cached_file)
        for connections in [int(c) for c in args.connections.split(",") if args.repeat]:
            runs = {"bare": [], "bare + token + Redis GET": [], "product /healthz": [],
                    "product floor: token + Redis GET": [], "product /users/me": [], "cached": [], "uncached": []}
            for attempt in range(args.repeat):
                runs["bare"].append(wrk(bare_url, connections, args.duration))
                log(f"c={connections} bare     {fmt(runs['bare'][-1])}")
                runs["bare + token + Redis GET"].append(wrk(bare_url, connections, args.duration, bare_auth_file))
                log(f"c={connections} bare+auth {fmt(runs['bare + token + Redis GET'][-1])}")
                runs["product /healthz"].append(wrk(f"{product_url}healthz", connections, args.duration))
                log(f"c={connections} /healthz {fmt(runs['product /healthz'][-1])}")
                runs["product floor: token + Redis GET"].append(wrk(floor_url, connections, args.duration, floor_file))
                log(f"c={connections} floor    {fmt(runs['product floor: token + Redis GET'][-1])}")
                runs["product /users/me"].append(wrk(product_url, connections, args.duration, me_file))
                log(f"c={connections} /users/me {fmt(runs['product /users/me'][-1])}")
                warm(app, cached_file)
                runs["cached"].append(wrk(product_url, connections, args.duration, cached_file))
                log(f"c={connections} cached   {fmt(runs['cached'][-1])}")
                drop_cached_standings(app)
                runs["uncached"].append(wrk(product_url, connections, args.duration, uncached_file))
                served = runs["uncached"][-1]["requests"]
                log(f"c={connections} uncached {fmt(runs['uncached'][-1])}"
                    + (f"  (WRAPPED: {served} requests > {uncached_count} leagues)" if served > uncached_count else ""))
            results["rounds"][connections] = runs
            results["runs"][connections] = {
                kind: {key: statistics.median(run[key] for run in rows)
                       for key in ("rps", "p50_us", "p95_us", "p99_us")}
                | {"non_2xx": sum(run["non_2xx"] for run in rows),
                   "socket_errors": sum(run["socket_errors"] for run in rows)}
                for kind, rows in runs.items()
            }
        runs = {"floor": (floor_url, floor_file, floor), "cached": (product_url, cached_file, product),
                "me": (product_url, me_file, product), "uncached": (product_url, uncached_file, product),
                "uncached floor": (floor_url, uncached_floor_file, floor)}
        results["pairs"] = [pair(app, runs, index, args.pair_seconds) for index in range(args.pairs)]
    finally:
        for server in (product, bare, floor):
            stop(server)
    if results["runs"]:
        print("\n| connections | endpoint | req/s | p50 ms | p95 ms | p99 ms | vs bare req/s | vs bare p99 | errors |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for connections, kinds in results["runs"].items():
        base = kinds["bare"]
        for kind, m in kinds.items():
            print(f"| {connections} | {kind} | {m['rps']:.0f} | {m['p50_us'] / 1000:.2f} | {m['p95_us'] / 1000:.2f} | "
                  f"{m['p99_us'] / 1000:.2f} | {m['rps'] / base['rps']:.0%} | {m['p99_us'] / base['p99_us']:.1f}x | "
                  f"{m['non_2xx'] + m['socket_errors']} |")
    print_rounds(results["rounds"])
    print_pairs(results["pairs"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
