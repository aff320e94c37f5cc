"""What one draft pick costs, in process (Flask test client, no HTTP): SQL statements and Redis commands per
pick, the median time, this process's CPU time per pick (the Python, steadier than wall time on shared
cores), and the statements ranked by their total time (round trips, not slow plans).

    python bench/pick_path.py --round 16 --leagues 4 [--pick-seconds 60]
"""
import argparse
import statistics
import time
from collections import defaultdict
from contextlib import contextmanager

from sqlalchemy import event

from _env import access_token, connect, make_app
from picks import open_drafts, snake_team, team_owners
from read_path import counters


@contextmanager
def pick_clock(leagues: range, seconds: int):
    """These leagues draft with a pick clock for the run (each pick schedules its turn's expiry job), then
    get their own setting back."""
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT id, pick_seconds FROM leagues WHERE id BETWEEN %s AND %s", (leagues.start, leagues.stop - 1))
    own = cur.fetchall()
    cur.execute("UPDATE leagues SET pick_seconds = %s WHERE id BETWEEN %s AND %s",
                (seconds, leagues.start, leagues.stop - 1))
    conn.commit()
    try:
        yield
    finally:
        cur.executemany("UPDATE leagues SET pick_seconds = %s WHERE id = %s", [(pick, league) for league, pick in own])
        conn.commit()
        conn.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--round", type=int, default=16, help="a 2023 round without drafts in these leagues")
    parser.add_argument("--leagues", type=int, default=2, help="leagues 1..N draft 20 picks each")
    parser.add_argument("--pick-seconds", type=int, default=0, help="a pick clock for these leagues (0: none)")
    args = parser.parse_args(argv)
    leagues = range(1, args.leagues + 1)
    with pick_clock(leagues, args.pick_seconds):
        measure(leagues, args.round)


def measure(leagues: range, round_: int) -> None:
    app = make_app()
    counts = counters(app)
    timings: dict[str, list] = defaultdict(lambda: [0, 0.0])
    with app.app_context():
        from fantasy.extensions import db

        @event.listens_for(db.engine, "before_cursor_execute")
        def _start(conn, *_args):
            conn.info["started"] = time.perf_counter()

        @event.listens_for(db.engine, "after_cursor_execute")
        def _stop(conn, cursor, statement, *_args):
            entry = timings[" ".join(statement.split())[:110]]
            entry[0] += 1
            entry[1] += time.perf_counter() - conn.info["started"]

    race_id, drivers = open_drafts(2023, round_, leagues)
    teams = team_owners(leagues)
    client = app.test_client()
    token = {user: access_token(app, user) for rows in teams.values() for _team, user in rows}
    samples, cpu, calls = [], [], []
    for league_id in leagues:
        for number in range(1, 21):
            _team, user = teams[league_id][snake_team(number, 10)]
            counts.update(sql=0, redis=0)
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.post(f"/api/v1/leagues/{league_id}/drafts/{race_id}/picks",
                                   json={"driver_id": drivers[(number + league_id) % len(drivers)]},
                                   headers={"Authorization": f"Bearer {token[user]}"})
            samples.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            calls.append(dict(counts))
            assert response.status_code == 201, response.get_json()
    picks = len(samples)
    print(f"\n{picks} picks: median {statistics.median(samples) * 1000:.1f} ms/pick "
          f"(CPU of this process {statistics.median(cpu) * 1000:.1f} ms), "
          f"SQL statements per pick {statistics.median(c['sql'] for c in calls):.0f}, "
          f"Redis commands per pick {statistics.median(c['redis'] for c in calls):.0f} "
          "(outside pipelines; a pipeline is not counted)\n")
    print("| statement | per pick | mean ms |\n|---|---:|---:|")
    for statement, (count, seconds) in sorted(timings.items(), key=lambda item: -item[1][1])[:20]:
        print(f"| `{statement}` | {count / picks:.1f} | {seconds / count * 1000:.2f} |")


if __name__ == "__main__":
    main()
