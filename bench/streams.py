"""Live draft rooms at scale (§12, issue 17): N event streams on the Procfile's web process, picks at a
steady rate, the time from each pick's 201 to its arrival on every stream of its league, and the API's
throughput beside, without and with the streams, in the same run.

On the generated dataset (bench/generate.py, 10 teams per league), the drafts of one round are opened for
the first N/10 leagues and every team's user opens one stream (tickets through the API, as a browser
does). One client process (gevent, so 2,000 sockets cost no threads) holds the streams and makes the
picks, as the team on the clock, at `--rate` picks/s round robin over the leagues; wrk reads cached
standings of other leagues meanwhile. Three phases of `--duration` s each, picks at the same rate in all
three: without streams, with them, without them again (closed); the reference is the mean of the two
without. Every pick must reach every stream of its league exactly once.

    python bench/streams.py --streams 2000 --rate 20 --duration 20 --connections 32
"""
from gevent import monkey

monkey.patch_all()  # before anything opens a socket: the client's 2,000 streams are greenlets

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
from gevent.pool import Pool  # noqa: E402

from _env import log, make_app  # noqa: E402
from picks import open_drafts, snake_team, team_owners, tokens  # noqa: E402
from standings_load import serve, stop, targets, wrk  # noqa: E402

PORT = 5607
HOST = "127.0.0.1"


def request(method: str, path: str, token: str, body: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, PORT, timeout=60)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Stream:
    """One EventSource: a ticket, then GET /api/v1/events over HTTP/1.0 (the body is the raw event stream),
    read on a greenlet; each pick's arrival time by (league, pick number)."""

    def __init__(self, league_id: int, token: str):
        self.league_id, self.token = league_id, token
        self.arrivals: dict[tuple[int, int], list[float]] = {}
        self.status = None
        self.ready = gevent.event.Event()
        self.sock = None

    def open(self) -> None:
        status, body = request("POST", "/api/v1/events/ticket", self.token)
        if status != 201:
            self.status = status
            self.ready.set()
            return
        ticket = json.loads(body)["ticket"]
        self.sock = socket.create_connection((HOST, PORT), timeout=None)
        self.sock.sendall(f"GET /api/v1/events?ticket={ticket} HTTP/1.0\r\nHost: {HOST}\r\n\r\n".encode())
        gevent.spawn(self._read)

    def _read(self) -> None:
        lines = self.sock.makefile("rb")
        self.status = int(lines.readline().split()[1])
        kind = None
        for raw in lines:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event: "):
                kind = line[7:]
                if kind == "ready":
                    self.ready.set()
            elif line.startswith("data: ") and kind == "pick":
                data = json.loads(line[6:])
                key = (data["league_id"], data["data"]["pick_number"])
                self.arrivals.setdefault(key, []).append(time.time())
        self.ready.set()  # refused or ended

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


class Picker:
    """Picks at a steady rate, round robin over the leagues, as the team on the clock; each pick's 201 time."""

    def __init__(self, race_id: int, drivers: list[int], teams: dict, token: dict, send=request):
        self.race_id, self.drivers, self.teams, self.token, self.send = race_id, drivers, teams, token, send
        self.leagues = sorted(teams)
        self.next_pick = {league: 1 for league in self.leagues}
        self.turn = 0
        self.acked: dict[tuple[int, int], float] = {}
        self.failed = 0

    def run(self, rate: float, seconds: float) -> None:
        started = time.monotonic()
        pool = Pool(64)
        for number in range(int(rate * seconds)):
            gevent.sleep(max(0.0, started + number / rate - time.monotonic()))
            league = self.leagues[self.turn % len(self.leagues)]
            self.turn += 1
            pick = self.next_pick[league]
            if pick > len(self.teams[league]) * 2:
                raise SystemExit("every draft is complete: raise --streams or lower --rate")
            self.next_pick[league] = pick + 1
            pool.spawn(self._pick, league, pick)
        pool.join()

    def _pick(self, league: int, pick: int) -> None:
        rows = self.teams[league]
        _team, user = rows[snake_team(pick, len(rows))]
        driver = self.drivers[(pick + self.leagues.index(league)) % len(self.drivers)]
        status, _ = self.send("POST", f"/api/v1/leagues/{league}/drafts/{self.race_id}/picks", self.token[user],
                              {"driver_id": driver})
        if status == 201:
            self.acked[(league, pick)] = time.time()
        else:
            self.failed += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def phase(label: str, picker: Picker, args, standings: Path) -> dict:
    """wrk on cached standings while the picker runs at its steady rate."""
    reader = gevent.spawn(picker.run, args.rate, args.duration)
    result = wrk(f"http://{HOST}:{PORT}/", args.connections, args.duration, standings)
    reader.get()
    log(f"{label}: standings {result['rps']:.0f} req/s (p99 {result['p99_us'] / 1000:.1f} ms, non-2xx "
        f"{result['non_2xx']}), picks failed {picker.failed}")
    return {"standings_rps": result["rps"], "standings_p99_ms": result["p99_us"] / 1000,
            "standings_non_2xx": result["non_2xx"]}


def delivery(picker: Picker, streams: list[Stream], picks: set) -> dict:
    """Per pick: the time from its 201 to its arrival on the last stream of its league."""
    by_league: dict[int, list[Stream]] = {}
    for stream in streams:
        by_league.setdefault(stream.league_id, []).append(stream)
    to_last, to_each, missing, duplicated = [], [], 0, 0
    for league, pick in sorted(picks):
        acked = picker.acked[(league, pick)]
        arrivals = []
        for stream in by_league[league]:
            times = stream.arrivals.get((league, pick), [])
            missing += not times
            duplicated += len(times) > 1
            arrivals += times[:1]
        to_each += [arrival - acked for arrival in arrivals]
        if len(arrivals) == len(by_league[league]):
            to_last.append(max(arrivals) - acked)
    return {"picks": len(picks), "stream_deliveries": len(to_each), "missing": missing, "duplicated": duplicated,
            "to_every_stream_p50_s": percentile(to_last, 0.5), "to_every_stream_p99_s": percentile(to_last, 0.99),
            "to_every_stream_max_s": max(to_last, default=float("nan")),
            "per_stream_p99_s": percentile(to_each, 0.99)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=2000, help="a multiple of 10: one per team of N/10 leagues")
    parser.add_argument("--rate", type=float, default=20, help="picks per second, in every phase")
    parser.add_argument("--duration", type=int, default=20, help="seconds per phase")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections reading standings")
    parser.add_argument("--round", type=int, default=10, help="the 2023 round whose drafts are opened")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    app = make_app()
    work = Path(tempfile.mkdtemp(prefix="bench-streams-"))
    leagues = range(1, args.streams // 10 + 1)
    race_id, drivers = open_drafts(2023, args.round, leagues)
    teams = team_owners(leagues)
    token = tokens(app, {user for rows in teams.values() for _team, user in rows})
    standings = work / "standings.txt"
    targets(app, leagues.stop, 1000, standings)
    server = serve("wsgi:app", PORT, work / "server.log", {"LOG_LEVEL": "WARNING"})
    results: dict = {"streams": args.streams, "rate": args.rate, "duration": args.duration, "work": str(work)}
    try:
        for line in standings.read_text().splitlines():  # cached reads from here on
            path, owner = line.split(" ")
            assert request("GET", path, owner)[0] == 200
        picker = Picker(race_id, drivers, teams, token)
        results["without_before"] = phase("without streams", picker, args, standings)

        streams = [Stream(league, token[user]) for league, rows in teams.items() for _team, user in rows]
        opened = time.monotonic()
        Pool(50).map(lambda stream: stream.open(), streams)
        for stream in streams:
            stream.ready.wait(60)
        statuses = [stream.status for stream in streams]
        results["open_seconds"] = time.monotonic() - opened
        results["open_statuses"] = {str(status): statuses.count(status) for status in set(statuses)}
        log(f"{args.streams} streams opened in {results['open_seconds']:.1f} s: {results['open_statuses']}")

        before = set(picker.acked)
        results["with"] = phase(f"with {args.streams} streams", picker, args, standings)
        gevent.sleep(3)  # the last picks' frames
        results["delivery"] = delivery(picker, [s for s in streams if s.status == 200], set(picker.acked) - before)
        for stream in streams:
            stream.close()
        gevent.sleep(2)
        results["without_after"] = phase("without streams (after)", picker, args, standings)
    finally:
        stop(server)
    reference = (results["without_before"]["standings_rps"] + results["without_after"]["standings_rps"]) / 2
    results["throughput_ratio"] = results["with"]["standings_rps"] / reference
    d = results["delivery"]
    log(f"pick → every stream of its league: p50 {d['to_every_stream_p50_s'] * 1000:.0f} ms, p99 "
        f"{d['to_every_stream_p99_s'] * 1000:.0f} ms, max {d['to_every_stream_max_s'] * 1000:.0f} ms over "
        f"{d['picks']} picks ({d['stream_deliveries']} stream deliveries, missing {d['missing']}, duplicated "
        f"{d['duplicated']}); standings with streams {results['throughput_ratio']:.0%} of without")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
