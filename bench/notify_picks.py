"""Notifications at pick speed (§12, issue 17 item 3): picks at a steady rate through the Procfile's `web`
process with ONE Procfile `worker` running, and the time from each pick's 201 to its notice being stored.

On the generated dataset (bench/generate.py, 10 teams per league) the drafts of one 2023 round are opened for
`--leagues` leagues (bench/picks.py) and a gevent client makes the picks at `--rate` picks/s round robin over
the leagues, as the team on the clock (bench/streams.py's Picker). Every pick but a draft's last carries the
your_turn of the next team; a pick's notice counts as stored when the drain job that inserted it ended (its
RQ record: an upper bound of the commit). After the picks the run waits up to `--settle` s for the worker.
Reported per phase: the pick rate reached, p50/p99/max of (notice stored) - (pick's 201), notices missing
and stored twice against the picks stored, and the load average before and after.

Phases, each on its own round: `batched` (NOTIFICATION_BATCH_SIZE as configured, 500 by default), then the
reference `per-pick` (NOTIFICATION_BATCH_SIZE=1: every drain takes one pick's delivery and queues the next,
one forked work horse per pick as the job per pick did before batching), then `no worker` (the same picks
with no worker running: the rate the web process reaches alone on this machine, the floor). `hook only` and
`per-pick hook only` make no HTTP request: the client calls what a pick's after-commit action calls with the
payload the pick carries (HookOnly), at `--rate`, for when the web process cannot reach it on the machine.

    python bench/notify_picks.py --leagues 1000 --rate 300 --duration 15
"""
from gevent import monkey

monkey.patch_all()  # the picking client is greenlets (bench/streams.py)

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from bisect import bisect_right  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import psutil  # noqa: E402
from gevent.pool import Pool  # noqa: E402

from _env import ROOT, app_env, log, make_app  # noqa: E402
from generate import migrate  # noqa: E402
from picks import open_drafts, snake_team, team_owners, tokens  # noqa: E402
from standings_load import serve, stop  # noqa: E402
from streams import Picker, percentile  # noqa: E402

HOST = "127.0.0.1"
# name: (the worker's settings, None: no worker; whether picks go through HTTP or only through their hook)
PHASES = {"batched": ({}, True), "per-pick": ({"NOTIFICATION_BATCH_SIZE": "1"}, True), "no worker": (None, True),
          "hook only": ({}, False), "per-pick hook only": ({"NOTIFICATION_BATCH_SIZE": "1"}, False)}


def start_worker(env: dict, logfile: Path):
    """The Procfile's worker line (`python worker.py worker`), production settings."""
    return subprocess.Popen([str(ROOT / ".venv/bin/python"), "worker.py", "worker"], cwd=ROOT,
                            env={**app_env(), "LOG_LEVEL": "WARNING", **env}, stdout=subprocess.DEVNULL,
                            stderr=open(logfile, "ab"), start_new_session=True)


class KeptAlive:
    """Requests over HTTP/1.1 connections kept open between them (bench/streams.py's `request` opens one per
    request, which cost this client as much CPU per pick as the server spent on it). gunicorn closes a
    connection idle for `keepalive` s: a request that finds it closed goes again on a new one."""

    def __init__(self, port: int):
        self.port = port
        self.idle: list[http.client.HTTPConnection] = []
        self.statuses: Counter = Counter()

    def __call__(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, bytes]:
        connection = self.idle.pop() if self.idle else http.client.HTTPConnection(HOST, self.port, timeout=60)
        arguments = (method, path, json.dumps(body) if body is not None else None,
                     {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            connection.request(*arguments)
            response = connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            connection.close()
            connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
            connection.request(*arguments)
            response = connection.getresponse()
        content = response.read()
        self.idle.append(connection)
        self.statuses[response.status] += 1
        return response.status, content


class HookOnly:
    """In place of the HTTP pick, what a pick's after-commit action does (notifications/hooks.py
    `_deliver_batched`: the delivery onto the batch and the live publish, one round trip) with the payload a
    pick of the draft carries: the notification path at a rate the web process does not reach here."""

    def __init__(self, app, race_id: int, teams: dict):
        from sqlalchemy import text

        from fantasy.extensions import db

        self.app, self.race_id, self.teams = app, race_id, teams
        with app.app_context():
            self.drafts = dict(db.session.execute(text("SELECT league_id, id FROM drafts WHERE race_id = :race"),
                                                  {"race": race_id}).all())
            db.session.rollback()
        self.next_pick: dict[int, int] = {}

    def __call__(self, method: str, path: str, token: str, body: dict) -> tuple[int, bytes]:
        from fantasy.notifications.hooks import _deliver_batched

        league = int(path.split("/")[4])  # /api/v1/leagues/<id>/drafts/<race>/picks, in turn per league
        pick = self.next_pick[league] = self.next_pick.get(league, 0) + 1
        rows = self.teams[league]
        team, _user = rows[snake_team(pick, len(rows))]
        turn = upcoming = None
        if pick < len(rows) * 2:
            upcoming, user = rows[snake_team(pick + 1, len(rows))]
            turn = {"league_id": league, "race_id": self.race_id, "user_id": user, "data": {
                "draft_id": self.drafts[league], "pick_number": pick + 1, "team_id": upcoming,
                "team_name": f"Team {upcoming}", "league_name": f"League {league}", "pick_deadline": None}}
        data = {"pick_number": pick, "team_id": team, "driver_id": body["driver_id"], "autopicked": False,
                "next": turn and {key: turn["data"][key] for key in ("team_id", "team_name", "pick_number",
                                                                    "pick_deadline")}}
        with self.app.app_context():
            _deliver_batched("pick", {"league_id": league, "race_id": self.race_id, "draft_id": self.drafts[league],
                                      "data": data, "turn": turn},
                             {"type": "pick", "league_id": league, "race_id": self.race_id, "data": data})
        return 201, b""


def cpu_seconds(pid: int, tree: bool = True) -> float:
    """CPU time (user + system) of a process and, with `tree`, its live children and the children it reaped
    (RQ's work horses)."""
    process = psutil.Process(pid)
    if not tree:
        return sum(process.cpu_times()[:2])
    times = process.cpu_times()
    live = 0.0
    for child in process.children(recursive=True):
        try:
            live += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:  # a work horse that ended meanwhile: its parent has its time once reaped
            pass
    return times.user + times.system + times.children_user + times.children_system + live


def settle(app, seconds: float) -> float:
    """Wait until the worker has drained every batched delivery and job, at most `seconds`; how long it took."""
    from rq import Queue

    from fantasy.common.redis import get_redis
    from fantasy.notifications import batch

    started = time.monotonic()
    with app.app_context():
        redis = get_redis()
        queue = Queue("low", connection=redis)
        while time.monotonic() - started < seconds:
            if not batch.pending() and not batch.holders() and not queue.count \
                    and not queue.started_job_registry.count:
                break
            time.sleep(0.2)
    return time.monotonic() - started


def drains(app, since: float) -> tuple[list[float], list[float]]:
    """Start and end times of the drain jobs finished that started after `since`, by start."""
    from rq import Queue
    from rq.job import Job

    from fantasy.common.redis import get_redis

    with app.app_context():
        redis = get_redis()
        ids = Queue("low", connection=redis).finished_job_registry.get_job_ids()
        jobs = [job for job in Job.fetch_many(ids, connection=redis)
                if job is not None and job.func_name.endswith("drain_picks")]
    spans = sorted((stamp(job.started_at), stamp(job.ended_at)) for job in jobs if stamp(job.started_at) >= since)
    return [start for start, _end in spans], [end for _start, end in spans]


def stamp(moment) -> float:
    """A UTC datetime (naive ones are UTC) as a Unix time."""
    from datetime import timezone

    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def notices(app, race_id: int, picker: Picker, since: float, http: bool) -> dict:
    """Per pick stored in the database (but a draft's last; without `http`, per pick made), its your_turn;
    latency from the pick's 201 (the hook's return)."""
    from sqlalchemy import text

    from fantasy.extensions import db

    with app.app_context():
        picks = db.session.execute(text(
            "SELECT p.league_id, p.pick_number FROM picks p JOIN drafts d ON d.id = p.draft_id "
            "WHERE p.race_id = :race AND p.pick_number < d.picks_per_team * json_array_length(d.\"order\")"
        ), {"race": race_id}).all() if http else [key for key in picker.acked if key[1] < 20]
        stored = db.session.execute(text(
            "SELECT league_id, CAST(data->>'pick_number' AS integer) - 1, created_at FROM notifications "
            "WHERE race_id = :race AND kind = 'your_turn'"), {"race": race_id}).all()
        db.session.rollback()
    starts, ends = drains(app, since)
    seen: dict[tuple[int, int], list[float]] = {}
    for league, pick, created in stored:
        seen.setdefault((league, pick), []).append(stamp(created))
    latencies, missing, twice, unmatched = [], 0, 0, 0
    for league, pick in picks:
        times = seen.get((league, pick), [])
        missing += not times
        twice += len(times) > 1
        if times and (league, pick) in picker.acked:
            index = bisect_right(starts, times[0]) - 1  # the drain that inserted it: started before, ended after
            if index < 0 or ends[index] < times[0]:
                unmatched += 1
                continue
            latencies.append(ends[index] - picker.acked[(league, pick)])
    return {"picks_carrying_a_turn": len(picks), "notices_stored": len(stored), "missing": missing,
            "stored_twice": twice, "drain_jobs": len(starts), "unmatched": unmatched,
            "p50_s": percentile(latencies, 0.5), "p99_s": percentile(latencies, 0.99),
            "max_s": max(latencies, default=float("nan"))}


def warm(send: KeptAlive, token: dict) -> None:
    """Every user reads /users/me once, as a client does before its draft: their principal is then in Redis
    (a pick checks it), so the phases' picks are alike whichever users they fall to."""
    started = time.monotonic()
    statuses = Pool(32).map(lambda user_token: send("GET", "/api/v1/users/me", user_token)[0], token.values())
    if set(statuses) != {200}:
        raise SystemExit(f"warm-up reads answered {sorted(set(statuses))}")
    log(f"{len(statuses)} users warmed in {time.monotonic() - started:.0f} s")


def phase(name: str, app, args, round_: int, token: dict, work: Path, server, send: KeptAlive) -> dict:
    worker_env, http = PHASES[name]
    leagues = range(1, args.leagues + 1)
    race_id, drivers = open_drafts(2023, round_, leagues)
    teams = team_owners(leagues)
    with app.app_context():  # the notices of an earlier run on this round
        from sqlalchemy import text

        from fantasy.common.redis import get_redis
        from fantasy.extensions import db
        from fantasy.jobs.queues import LOW, get_queue
        from fantasy.notifications import batch

        db.session.execute(text("DELETE FROM notifications WHERE race_id = :race"), {"race": race_id})
        db.session.commit()
        # A phase before may have left deliveries its worker did not drain (the per-pick reference does).
        get_redis().delete(batch.PENDING, batch.DRAIN_FLAG, batch.HOLDERS,
                           *(batch.PROCESSING.format(job_id) for job_id in batch.holders()))
        get_queue(LOW).empty()
    send.statuses.clear()
    since = time.time()
    worker = start_worker(worker_env, work / "worker.log") if worker_env is not None else None
    time.sleep(3 if worker else 0)  # the worker registers and listens
    result = {"phase": name, "round": round_, "race_id": race_id, "rate_asked": args.rate,
              "loadavg_before": Path("/proc/loadavg").read_text().split()[:3]}
    # The client alone (the web process and the worker are its children); the web and worker trees whole.
    processes = {"client": (os.getpid(), False), "web": (server.pid, True),
                 **({"worker": (worker.pid, True)} if worker else {})}
    before = {name: cpu_seconds(*process) for name, process in processes.items()}
    try:
        picker = Picker(race_id, drivers, teams, token, send if http else HookOnly(app, race_id, teams))
        started = time.monotonic()
        picker.run(args.rate, args.duration)
        result["picks_seconds"] = time.monotonic() - started
        # CPU seconds per process over the picks (its share of a core: / picks_seconds)
        result["cpu_seconds"] = {name: round(cpu_seconds(*process) - before[name], 1)
                                 for name, process in processes.items()}
        result["picks_ok"], result["picks_failed"] = len(picker.acked), picker.failed
        result["statuses"] = {str(status): count for status, count in send.statuses.items()}
        result["picks_per_second"] = len(picker.acked) / result["picks_seconds"]
        if worker is not None:
            result["settle_seconds"] = settle(app, args.settle)
    finally:
        if worker is not None:
            stop(worker)
    result["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
    if worker is not None:
        result.update(notices(app, race_id, picker, since, http))
    log(json.dumps(result))
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leagues", type=int, default=1000, help="20 picks each (10 teams x 2)")
    parser.add_argument("--rate", type=float, default=300, help="picks per second asked for")
    parser.add_argument("--duration", type=int, default=15, help="seconds of picks per phase")
    parser.add_argument("--settle", type=float, default=60, help="seconds to wait for the worker afterwards")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated, of {', '.join(PHASES)}")
    parser.add_argument("--first-round", type=int, default=14, help="the 2023 round of the first phase")
    parser.add_argument("--port", type=int, default=5617, help="the web process's port (others' benches use 56xx)")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    if args.rate * args.duration > args.leagues * 20:
        raise SystemExit("not enough picks: raise --leagues")
    migrate()
    app = make_app()
    work = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    teams = team_owners(range(1, args.leagues + 1))
    token = tokens(app, {user for rows in teams.values() for _team, user in rows})
    server = serve("wsgi:app", args.port, work / "server.log", {"LOG_LEVEL": "WARNING"})
    with app.app_context():
        from fantasy.common.redis import get_redis

        get_redis().flushdb()  # the bench's own Redis database: no queue, registry or batch of a run before
    send = KeptAlive(args.port)
    warm(send, token)
    results = {"leagues": args.leagues, "duration": args.duration, "work": str(work), "cpus": os.cpu_count(),
               "phases": []}
    try:
        for number, name in enumerate(args.phases.split(",")):
            results["phases"].append(phase(name, app, args, args.first_round + number, token, work,
                                            server, send))
    finally:
        stop(server)
    for result in results["phases"]:
        line = f"{result['phase']}: {result['picks_per_second']:.0f} picks/s ({result['picks_failed']} failed)"
        if "p99_s" in result:
            line += (f", pick 201 -> notice stored p50 {result['p50_s'] * 1000:.0f} ms, p99 "
                     f"{result['p99_s'] * 1000:.0f} ms, max {result['max_s'] * 1000:.0f} ms; missing "
                     f"{result['missing']} of {result['picks_carrying_a_turn']}, twice {result['stored_twice']}, "
                     f"{result['drain_jobs']} drain jobs")
        log(f"{line}; load {' '.join(result['loadavg_before'])} -> {' '.join(result['loadavg_after'])}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
