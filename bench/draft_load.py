"""Drafting load (issue 9, item 5): 200 clients drafting in 50 leagues for 60 s against gunicorn with 2 workers.

Each client is one team's user. It reads its league's draft and picks when its team is on the clock (now and
then a driver somebody already took, and now and then out of turn, so the server has races to refuse);
when a league's draft is complete, the next round's draft is opened for it. Afterwards every pick the
server acknowledged with a 201 must be in the database, and the database must hold nothing else: no lost
and no duplicate picks, and no 5xx at any time.

    python bench/draft_load.py --leagues 50 --clients-per-league 4 --duration 60
"""
import argparse
import json
import random
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from _env import connect, log, make_app
from picks import team_owners, tokens
from standings_load import BENCH, serve, stop

PORT = 5605
SEASON = 2023


def rounds() -> list[tuple[int, int]]:
    """(round, race id) of the season, in order; every round can be drafted (eligibility falls back)."""
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT round, id FROM races WHERE season_year = %s ORDER BY round", (SEASON,))
    rows = cur.fetchall()
    conn.close()
    return rows


def open_round(conn, league_id: int, race_id: int, team_ids: list[int]) -> None:
    """Open this league's draft of the race for the drafting teams (the engine picks by the stored order)."""
    cur = conn.cursor()
    cur.execute("DELETE FROM drafts WHERE league_id = %s AND race_id = %s", (league_id, race_id))
    cur.execute(
        """INSERT INTO drafts (league_id, race_id, state, "order", method, picks_per_team, current_pick, created_at)
           VALUES (%s, %s, 'open', %s, 'snake', 2, 1, now())""",
        (league_id, race_id, json.dumps(team_ids)),
    )
    conn.commit()


class League:
    """One league's progress through the season's rounds, shared by its clients."""

    def __init__(self, league_id: int, team_ids: list[int], schedule: list[tuple[int, int]]):
        self.id, self.team_ids, self.schedule = league_id, team_ids, schedule
        self.position = 0
        self.lock = threading.Lock()

    @property
    def race_id(self) -> int:
        return self.schedule[self.position][1]

    def advance(self, conn, conn_lock: threading.Lock, seen_race: int) -> None:
        with self.lock:
            if self.race_id == seen_race and self.position + 1 < len(self.schedule):
                self.position += 1
                with conn_lock:  # one benchmark connection for all clients: the app needs the rest
                    open_round(conn, self.id, self.race_id, self.team_ids)


def client(base: str, league: League, team_id: int, token: str, deadline: float, stats: Counter, acked: list,
           guard: threading.Lock, conn, conn_lock: threading.Lock) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    rng = random.Random(team_id)
    while time.monotonic() < deadline:
        race = league.race_id
        url = f"{base}/api/v1/leagues/{league.id}/drafts/{race}"
        state = session.get(url, timeout=30)
        with guard:
            stats[f"GET {state.status_code}"] += 1
        if state.status_code != 200:
            continue
        body = state.json()
        if body["state"] == "complete":
            league.advance(conn, conn_lock, race)
            continue
        available = body["available_driver_ids"]
        taken = [pick["driver_id"] for pick in body["picks"]]
        mine = body["on_the_clock"] == team_id
        if not mine and rng.random() > 0.05:
            time.sleep(0.02)
            continue
        driver = rng.choice(taken) if taken and rng.random() < 0.1 else rng.choice(available)
        response = session.post(f"{url}/picks", json={"driver_id": driver}, timeout=30)
        with guard:
            stats[f"POST {response.status_code}"] += 1
            if response.status_code == 201:
                pick = response.json()
                acked.append((league.id, race, pick["pick_number"], pick["team_id"], pick["driver_id"]))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leagues", type=int, default=50)
    parser.add_argument("--clients-per-league", type=int, default=4)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    app = make_app()
    leagues_range = range(1, args.leagues + 1)
    schedule = rounds()
    teams = {league: rows[:args.clients_per_league] for league, rows in team_owners(leagues_range).items()}
    token = tokens(app, {user for rows in teams.values() for _team, user in rows})
    conn = connect()
    cur = conn.cursor()
    race_ids = [race for _round, race in schedule]
    cur.execute("DELETE FROM drafts WHERE league_id BETWEEN %s AND %s AND race_id = ANY(%s)",
                (leagues_range.start, leagues_range.stop - 1, race_ids))
    conn.commit()
    leagues = {league_id: League(league_id, [team for team, _user in rows], schedule)
               for league_id, rows in teams.items()}
    for league in leagues.values():
        open_round(conn, league.id, league.race_id, league.team_ids)

    server = serve("wsgi:app", PORT, BENCH / "results" / "draft_load.app.log")
    stats, acked, guard, conn_lock = Counter(), [], threading.Lock(), threading.Lock()
    deadline = time.monotonic() + args.duration
    threads = [threading.Thread(target=client, args=(f"http://127.0.0.1:{PORT}", leagues[league_id], team_id,
                                                      token[user], deadline, stats, acked, guard, conn, conn_lock))
               for league_id, rows in teams.items() for team_id, user in rows]
    log(f"{len(threads)} clients in {len(leagues)} leagues for {args.duration} s")
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    stop(server)

    cur.execute(
        "SELECT league_id, race_id, pick_number, team_id, driver_id FROM picks "
        "WHERE league_id BETWEEN %s AND %s AND race_id = ANY(%s)",
        (leagues_range.start, leagues_range.stop - 1, race_ids),
    )
    stored = sorted(cur.fetchall())
    conn.close()
    acknowledged = sorted(acked)
    result = {
        "clients": len(threads), "leagues": len(leagues), "seconds": round(elapsed, 1),
        "responses": dict(sorted(stats.items())),
        "server_errors": sum(count for key, count in stats.items() if key.split()[1].startswith("5")),
        "picks_acknowledged": len(acknowledged), "picks_stored": len(stored),
        "lost": len(set(acknowledged) - set(stored)), "unacknowledged_in_db": len(set(stored) - set(acknowledged)),
        "duplicates_acknowledged": len(acknowledged) - len(set(acknowledged)),
        "picks_per_second": round(len(acknowledged) / elapsed, 1),
        "rounds_reached": max(league.position + 1 for league in leagues.values()),
    }
    log(json.dumps(result))
    ok = result["server_errors"] == 0 and result["lost"] == 0 and result["unacknowledged_in_db"] == 0 \
        and result["duplicates_acknowledged"] == 0
    log("PASS: no 5xx, no lost and no duplicate picks" if ok else "FAIL")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if not ok:
        raise SystemExit(1)
    return result


if __name__ == "__main__":
    main()
