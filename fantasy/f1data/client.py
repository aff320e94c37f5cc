"""HTTP client for the Jolpica (Ergast-compatible) F1 API: paging, rate limiting, retries, shape checks."""
import logging
import math
import random
import threading
import time
import uuid
from collections import deque
from urllib.parse import urljoin

import requests

log = logging.getLogger(__name__)

CLIENT_VERSION = "1.0"
DEFAULT_BASE_URL = "https://api.jolpi.ca/ergast/f1/"
PAGE_SIZE = 100  # the upstream's maximum `limit`
RETRY_AFTER_STATUSES = frozenset({429, 503})
# Transport failures worth another try; a body cut mid-stream surfaces as ChunkedEncodingError.
TRANSIENT_ERRORS = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)
# Each session's result rows live under its own key inside every Race.
SESSION_ROWS = {"results": "Results", "sprint": "SprintResults", "qualifying": "QualifyingResults"}


class UpstreamError(Exception):
    """Base of everything this client raises about the upstream."""


class UpstreamUnavailable(UpstreamError):
    """Not reachable now (retries exhausted or a wait too long); `retry_after` hints when to try again."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(UpstreamUnavailable):
    """Our own shared request budget is spent for longer than the caller is willing to wait."""


class UpstreamBadResponse(UpstreamError):
    """The upstream kept answering with something that is not the MRData page we expect (every attempt)."""


class UpstreamClientError(UpstreamError):
    """A 4xx other than 429: the request itself is wrong, so it is never retried."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class UpstreamNotFound(UpstreamClientError):
    """404: no such season, round or resource."""


# Sliding-window log per window, checked and recorded atomically so every process shares one budget.
# Times are integer milliseconds: Lua prints numbers with 14 significant digits, which keeps epoch-ms exact.
_ACQUIRE_LUA = """
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local blocking = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(blocking[2]) + window - now)
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, ARGV[2 + 2 * i])
end
return 0
"""


class RateLimiter:
    """Sliding-window limiter (default 4/s and 500/h), shared through Redis or, without it, per process.

    `clock` must be wall-clock time (not monotonic) because processes on different hosts compare it.
    """

    # 4 per 1.1 s rather than per second: grants are timed on our clock, the upstream counts arrivals, and a
    # few ms of network jitter at a window's edge would otherwise put a fifth request inside its second.
    DEFAULT_LIMITS = ((4, 1.1), (500, 3600.0))

    def __init__(self, redis=None, *, key="fantasy:jolpica:ratelimit", limits=DEFAULT_LIMITS,
                 clock=time.time, sleep=time.sleep):
        self.limits = [(int(count), int(window * 1000)) for count, window in limits]
        self.keys = [f"{key}:{count}per{window}ms" for count, window in self.limits]
        self.clock = clock
        self.sleep = sleep
        self._script = redis.register_script(_ACQUIRE_LUA) if redis is not None else None
        self._local = {k: deque() for k in self.keys}
        self._lock = threading.Lock()

    def try_acquire(self) -> float:
        """Take a slot if one is free (returns 0), else return the seconds until one may be."""
        now = math.floor(self.clock() * 1000)
        if self._script is not None:
            args = [now, uuid.uuid4().hex]
            for count, window in self.limits:
                args += [count, window]
            return int(self._script(keys=self.keys, args=args)) / 1000
        with self._lock:
            return self._try_acquire_local(now) / 1000

    def _try_acquire_local(self, now: int) -> int:
        wait = 0
        for key, (count, window) in zip(self.keys, self.limits):
            stamps = self._local[key]
            while stamps and stamps[0] <= now - window:
                stamps.popleft()
            if len(stamps) >= count:
                wait = max(wait, stamps[len(stamps) - count] + window - now)
        if wait == 0:
            for key in self.keys:
                self._local[key].append(now)
        return wait

    def acquire(self, max_wait: float | None = None) -> float:
        """Block until a slot is taken and return the seconds waited.

        Raises RateLimited instead of waiting past `max_wait`, so a worker is not parked for an hour.
        """
        waited = 0.0
        while True:
            wait = self.try_acquire()
            if wait <= 0:
                return waited
            if max_wait is not None and waited + wait > max_wait:
                raise RateLimited(f"request budget spent for {wait:.1f}s", retry_after=wait)
            self.sleep(wait)
            waited += wait


class JolpicaClient:
    """Fetches whole seasons from Jolpica in as few requests as the upstream's paging allows.

    Every method returns the upstream's own dicts (as inside MRData), so ingest owns all interpretation.
    `requests_made` counts HTTP attempts, retries included. `on_payload(path, params, payload)` sees every
    valid page as received, e.g. for a snapshot writer.
    """

    def __init__(self, base_url: str = DEFAULT_BASE_URL, *, timeout=(3.05, 20), session=None,
                 limiter: RateLimiter | None = None, contact: str | None = None, max_attempts: int = 5,
                 backoff_base: float = 1.0, backoff_cap: float = 30.0, max_wait: float = 60.0,
                 on_payload=None, sleep=time.sleep, clock=time.time, jitter=random.random):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        self._owns_session = session is None
        self.session = session or requests.Session()
        agent = f"fantasy-f1-league/{CLIENT_VERSION}" + (f" (+{contact})" if contact else "")
        self.session.headers.update({"User-Agent": agent, "Accept": "application/json"})
        self.limiter = limiter or RateLimiter(clock=clock, sleep=sleep)
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_wait = max_wait
        self.on_payload = on_payload
        self.sleep = sleep
        self.jitter = jitter
        self.requests_made = 0

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # --- endpoints -------------------------------------------------------------------------------

    def seasons(self, season: int | None = None) -> list[dict]:
        """Season dicts (`season`, `url`): every season, or just the one asked for."""
        path = f"{season}/seasons/" if season is not None else "seasons/"
        return self._collect(path, "SeasonTable", "Seasons")

    def circuits(self, season: int) -> list[dict]:
        """Circuit dicts of a season."""
        return self._collect(f"{season}/circuits/", "CircuitTable", "Circuits")

    def drivers(self, season: int) -> list[dict]:
        """Driver dicts of a season (reserves may lack `permanentNumber` and `code`)."""
        return self._collect(f"{season}/drivers/", "DriverTable", "Drivers")

    def constructors(self, season: int) -> list[dict]:
        """Constructor (real F1 team) dicts of a season."""
        return self._collect(f"{season}/constructors/", "ConstructorTable", "Constructors")

    def races(self, season: int) -> list[dict]:
        """The calendar: Race dicts with Circuit and whichever session keys the upstream gives."""
        return self._collect_races(f"{season}/races/", None)

    def results(self, season: int, round: int | None = None) -> list[dict]:
        """Race dicts with their complete `Results`; empty while nothing is published."""
        return self._session_results(season, round, "results")

    def sprint(self, season: int, round: int | None = None) -> list[dict]:
        """Race dicts with their complete `SprintResults`; empty for non-sprint or unpublished rounds."""
        return self._session_results(season, round, "sprint")

    def qualifying(self, season: int, round: int | None = None) -> list[dict]:
        """Race dicts with their complete `QualifyingResults`; empty while nothing is published."""
        return self._session_results(season, round, "qualifying")

    # --- paging ----------------------------------------------------------------------------------

    def _session_results(self, season, round, session: str) -> list[dict]:
        path = f"{season}/{round}/{session}/" if round is not None else f"{season}/{session}/"
        return self._collect_races(path, SESSION_ROWS[session])

    def _pages(self, path: str, table_key: str, list_key: str, check_item=None):
        """Yield each page's list; the upstream pages by rows and may cap `limit`, so follow its echo."""
        offset = 0
        while True:
            params = {"limit": PAGE_SIZE, "offset": offset}
            payload, (total, limit, echoed_offset, items) = self._get(
                path, params, lambda payload: _read_page(payload, table_key, list_key, check_item))
            if self.on_payload is not None:
                self.on_payload(path, params, payload)
            yield items
            offset = echoed_offset + limit
            if offset >= total:
                return

    def _collect(self, path: str, table_key: str, list_key: str) -> list[dict]:
        collected = []
        for items in self._pages(path, table_key, list_key):
            collected.extend(items)
        return collected

    def _collect_races(self, path: str, rows_key: str | None) -> list[dict]:
        """Join the pages' races; a race cut at a page boundary is one race with its rows in order."""
        merged: dict[tuple[str, str], dict] = {}
        for races in self._pages(path, "RaceTable", "Races", lambda race: _check_race(race, rows_key)):
            for race in races:
                key = (race["season"], race["round"])
                if rows_key is None:
                    merged.setdefault(key, race)
                elif key in merged:
                    merged[key][rows_key].extend(race[rows_key])
                else:
                    # A copy, so extending never alters the page a payload hook may have kept.
                    merged[key] = {**race, rows_key: list(race[rows_key])}
        return list(merged.values())

    # --- one request, with retries ---------------------------------------------------------------

    def _get(self, path: str, params: dict, read) -> tuple[dict, object]:
        """One page: the payload and what `read` made of it. A body that is not the page we expect (cut short
        by a proxy, an HTML error page, another shape) is retried like a 503: a later attempt usually gets
        the real page, and nothing reaches the caller from a bad one."""
        url = urljoin(self.base_url, path)
        for attempt in range(1, self.max_attempts + 1):
            self.limiter.acquire(max_wait=self.max_wait)
            self.requests_made += 1
            retry_after, error = None, UpstreamUnavailable
            try:
                response = self.session.get(url, params=params, timeout=self.timeout)
            except TRANSIENT_ERRORS as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if status < 400:
                    try:
                        payload = _decode(response)
                        return payload, read(payload)
                    except UpstreamBadResponse as exc:
                        failure, error = str(exc), UpstreamBadResponse
                elif status != 429 and status < 500:
                    error = UpstreamNotFound if status == 404 else UpstreamClientError
                    raise error(f"{path}: HTTP {status}", status=status)
                else:
                    failure = f"HTTP {status}"
                    if status in RETRY_AFTER_STATUSES:
                        retry_after = _retry_after_seconds(response)
            if attempt == self.max_attempts:
                break
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            if delay > self.max_wait:
                raise UpstreamUnavailable(f"{path}: {failure}, asked to wait {delay:.0f}s", retry_after=delay)
            log.warning("jolpica_retry path=%s attempt=%d failure=%r delay=%.2f",
                        path, attempt, failure, delay)
            self.sleep(delay)
        message = f"{path}: {failure} after {self.max_attempts} attempts"
        if error is UpstreamBadResponse:
            raise UpstreamBadResponse(message)
        raise UpstreamUnavailable(message, retry_after=retry_after)

    def _backoff(self, attempt: int) -> float:
        """Full jitter: spreads retries of many workers evenly instead of in synchronized waves."""
        return self.jitter() * min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))


def _retry_after_seconds(response) -> float | None:
    """The seconds form only; an HTTP-date (or garbage) falls back to our own backoff."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _decode(response) -> dict:
    try:
        payload = response.json()
    except ValueError as exc:  # requests' JSONDecodeError included; covers truncated and non-JSON bodies
        raise UpstreamBadResponse(f"body is not JSON ({exc})") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("MRData"), dict):
        raise UpstreamBadResponse("no MRData object in the response")
    return payload


def _read_page(payload: dict, table_key: str, list_key: str, check_item) -> tuple[int, int, int, list]:
    """A page's counters and items, every item checked, or UpstreamBadResponse."""
    mrdata = payload["MRData"]
    table = mrdata.get(table_key)
    items = table.get(list_key) if isinstance(table, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise UpstreamBadResponse(f"MRData.{table_key}.{list_key} is missing or not a list of objects")
    total, limit, offset = (_count(mrdata, name) for name in ("total", "limit", "offset"))
    if limit <= 0:
        raise UpstreamBadResponse(f"non-positive limit {limit} would never finish paging")
    if check_item is not None:
        for item in items:
            check_item(item)
    return total, limit, offset, items


def _count(mrdata: dict, name: str) -> int:
    """MRData carries its counters as strings."""
    try:
        return int(mrdata[name])
    except (KeyError, TypeError, ValueError) as exc:
        raise UpstreamBadResponse(f"MRData.{name} is missing or not a number") from exc


def _check_race(race: dict, rows_key: str | None) -> None:
    key = race.get("season"), race.get("round")
    if not all(isinstance(part, str) for part in key):
        raise UpstreamBadResponse("a race without season/round")
    if rows_key is not None:
        rows = race.get(rows_key)
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise UpstreamBadResponse(f"race {key} has no {rows_key} list")
