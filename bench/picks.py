"""Draft pick benchmark (§12): sustained picks per second across many leagues over HTTP on gunicorn
(gunicorn.conf.py, WEB_CONCURRENCY=2), and 100 concurrent picks on one slot (exactly one succeeds).

On the generated dataset, drafts of a race nobody has drafted yet are opened directly in the database for
`--leagues` leagues (snake order = the league's teams); wrk (bench/picks.lua) then sends every pick as the
team on the clock, through the real endpoint (auth, league access, row lock, constraints, commit, pick
clock, notification hooks). Every answer must be 201.

With `--warm N` the users of the first N picks read their draft's state once before the run, as a client
does when its draft opens: their principal and league access snapshots are then in Redis (a pick checks
both). Without it nearly every pick of a short run is its user's first request: all cold.

    python bench/picks.py --leagues 2000 --duration 15 --connections 32 [--warm 6000]
"""
import argparse
import http.client
import itertools
import json
import os
import subprocess
import tempfile
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _env import access_token, connect, log, make_app
from standings_load import BENCH, serve, stop

PORT = 5603
SLOT_RACE_ROUND = 12  # the one-slot check uses its own race


def open_drafts(season: int, round_: int, leagues: range) -> tuple[int, list[int]]:
    """Open (or reopen) the drafts of this round for these leagues; returns the race and its eligible drivers."""
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT id FROM races WHERE season_year = %s AND round = %s", (season, round_))
    (race_id,) = cur.fetchone()
    # Eligible: the drivers classified in the season's latest completed round before this one (§7).
    cur.execute(
        """SELECT array_agg(sr.driver_id ORDER BY sr.driver_id)
           FROM session_results sr JOIN races r ON r.id = sr.race_id
           WHERE sr.session = 'race' AND r.season_year = %s AND r.round = (
               SELECT max(r2.round) FROM races r2 JOIN session_results s2 ON s2.race_id = r2.id AND s2.session = 'race'
               WHERE r2.season_year = %s AND r2.round < %s)""",
        (season, season, round_),
    )
    (drivers,) = cur.fetchone()
    cur.execute("DELETE FROM drafts WHERE race_id = %s", (race_id,))
    cur.execute(
        """INSERT INTO drafts (league_id, race_id, state, "order", method, picks_per_team, current_pick, created_at)
           SELECT l.id, %s, 'open', (SELECT json_agg(t.id ORDER BY t.id) FROM fantasy_teams t WHERE t.league_id = l.id),
                  'snake', 2, 1, now()
           FROM leagues l WHERE l.id BETWEEN %s AND %s""",
        (race_id, leagues.start, leagues.stop - 1),
    )
    conn.commit()
    conn.close()
    return race_id, drivers


def team_owners(leagues: range) -> dict[int, list[tuple[int, int]]]:
    """Each league's (team id, user id) in team id order: the snake's first round."""
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT league_id, id, user_id FROM fantasy_teams WHERE league_id BETWEEN %s AND %s "
                "ORDER BY league_id, id",
                (leagues.start, leagues.stop - 1))
    teams: dict[int, list[tuple[int, int]]] = {}
    for league_id, team_id, user_id in cur.fetchall():
        teams.setdefault(league_id, []).append((team_id, user_id))
    conn.close()
    return teams


def tokens(app, user_ids) -> dict[int, str]:
    return {user: access_token(app, user) for user in user_ids}


def snake_team(pick_number: int, teams: int) -> int:
    """Index of the team on the clock for a 1-based pick number in a snake draft."""
    round_, position = divmod(pick_number - 1, teams)
    return position if round_ % 2 == 0 else teams - 1 - position


def write_targets(path: Path, race_id: int, drivers: list[int], teams: dict, token: dict) -> int:
    leagues = sorted(teams)
    picks = len(teams[leagues[0]]) * 2
    lines = []
    for number in range(1, picks + 1):
        for index, league_id in enumerate(leagues):
            _team, user = teams[league_id][snake_team(number, len(teams[league_id]))]
            driver = drivers[(number + index) % len(drivers)]
            lines.append(f"/api/v1/leagues/{league_id}/drafts/{race_id}/picks {token[user]} {driver}")
    # picks.lua deals the lines to the two threads by turns; wrk calls request() once on the first thread's
    # script to check it and never sends that line, so the first thread gets a spare one ahead of its own
    # (without it league 1's first pick is lost and its second answers 409 "not your turn").
    first, second = lines[0::2], lines[1::2]
    first.insert(0, first[0])
    dealt = [line for pair in itertools.zip_longest(first, second) for line in pair if line is not None]
    path.write_text("\n".join(dealt) + "\n")
    return len(lines)


def warm(targets: Path, picks: int) -> int:
    """GET the draft state as the users of the first `picks` target lines (each user once)."""
    reads = {tuple(line.split(" ")[:2]) for line in targets.read_text().splitlines()[:picks]}

    def read(path_and_token) -> int:
        path, token = path_and_token
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        connection.request("GET", path.removesuffix("/picks"), headers={"Authorization": f"Bearer {token}"})
        return connection.getresponse().status

    with ThreadPoolExecutor(16) as pool:
        statuses = Counter(pool.map(read, sorted(reads)))
    if set(statuses) != {200}:
        raise SystemExit(f"warm-up reads answered {dict(statuses)}")
    return len(reads)


def sustained(args, app, work: Path) -> dict:
    leagues = range(1, args.leagues + 1)
    race_id, drivers = open_drafts(2023, args.round, leagues)
    teams = team_owners(leagues)
    if len(leagues) % 2:
        raise SystemExit("--leagues must be even (two wrk threads split the leagues)")
    token = tokens(app, {user for rows in teams.values() for _team, user in rows})
    total = write_targets(work / "picks.txt", race_id, drivers, teams, token)
    log(f"{len(teams)} open drafts of race {race_id}, {total} picks available")
    if args.warm:
        log(f"warm: {warm(work / 'picks.txt', args.warm)} users read their draft state")
    env = {**os.environ, "TARGETS": str(work / "picks.txt"), "THREADS": "2"}
    output = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
         "-s", str(BENCH / "picks.lua"),
         f"http://127.0.0.1:{PORT}/"], env=env, capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["picks_per_second"] = (result["requests"] - result["non_2xx"]) / (result["duration_us"] / 1e6)
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM picks WHERE race_id = %s", (race_id,))
    (stored,) = cur.fetchone()
    conn.close()
    result["stored_picks"] = stored
    if result["requests"] > total:
        log(f"WARNING: {result['requests']} requests > {total} picks available; raise --leagues")
    log(f"sustained: {result['picks_per_second']:.0f} picks/s over {args.connections} connections, "
        f"p50 {result['p50_us'] / 1000:.1f} ms, p99 {result['p99_us'] / 1000:.1f} ms, non-2xx {result['non_2xx']}, "
        f"stored {stored}")
    return result


def one_slot(app, contenders: int) -> dict:
    """`contenders` simultaneous picks for the same slot (the team on the clock, different drivers)."""
    league_id = 1
    race_id, drivers = open_drafts(2023, SLOT_RACE_ROUND, range(league_id, league_id + 1))
    (team_id, user_id) = team_owners(range(league_id, league_id + 1))[league_id][0]
    token = tokens(app, [user_id])[user_id]
    barrier = threading.Barrier(contenders)
    statuses: Counter = Counter()
    lock = threading.Lock()

    def pick(driver: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        connection.connect()
        barrier.wait()
        connection.request("POST", f"/api/v1/leagues/{league_id}/drafts/{race_id}/picks",
                           body=json.dumps({"driver_id": driver}),
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        status = connection.getresponse().status
        with lock:
            statuses[status] += 1

    workers = [threading.Thread(target=pick, args=(drivers[i % len(drivers)],)) for i in range(contenders)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM picks WHERE race_id = %s AND league_id = %s", (race_id, league_id))
    (stored,) = cur.fetchone()
    conn.close()
    result = {"contenders": contenders, "statuses": dict(statuses), "stored_picks": stored,
              "ok": statuses.get(201) == 1 and statuses.get(409) == contenders - 1 and stored == 1}
    log(f"one slot, {contenders} concurrent picks: {dict(statuses)}, picks stored {stored}: "
        f"{'exactly one success' if result['ok'] else 'FAILED'}")
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leagues", type=int, default=2000)
    parser.add_argument("--round", type=int, default=10, help="the 2023 round whose drafts are opened")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--contenders", type=int, default=100)
    parser.add_argument("--warm", type=int, default=0, help="the users of the first N picks read their draft first")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    app = make_app()
    work = Path(tempfile.mkdtemp(prefix="bench-picks-"))
    server = serve("wsgi:app", PORT, work / "server.log")
    try:
        results = {"sustained": sustained(args, app, work), "one_slot": one_slot(app, args.contenders)}
    finally:
        stop(server)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
