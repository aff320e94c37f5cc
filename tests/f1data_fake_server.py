"""A fake Jolpica over real HTTP: recorded payloads served from a local thread, paged by rows like the upstream."""
import copy
import json
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from f1data_helpers import load

PREFIX = "/ergast/f1/"
DEFAULT_LIMIT, MAX_LIMIT = 30, 100  # the upstream's own paging rules
ROWS_KEYS = ("Results", "SprintResults", "QualifyingResults")
SLOW = object()  # a scripted fault: answer only after the client's read timeout
# What `inject` draws from: a rate limit, an outage, and a 200 whose JSON a proxy cut in half.
INJECTED = {
    "429": (429, b'{"detail": "Request was throttled."}', {"Retry-After": "1"}),
    "503": (503, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"}),
    "cut": None,  # the page's own body, cut short
}


def _items_key(mrdata: dict) -> tuple[str, str]:
    table = next(key for key in mrdata if key.endswith("Table"))
    return table, next(key for key, value in mrdata[table].items() if isinstance(value, list))


def page(payload: dict, limit: int, offset: int) -> dict:
    """One page of a whole recorded answer; result lists count rows, so a race can be cut in two."""
    answer = copy.deepcopy(payload)
    mrdata = answer["MRData"]
    table, key = _items_key(mrdata)
    items = mrdata[table][key]
    rows_key = next((k for k in ROWS_KEYS if items and k in items[0]), None)
    if rows_key is None:
        total, mrdata[table][key] = len(items), items[offset:offset + limit]
    else:
        rows = [(index, row) for index, race in enumerate(items) for row in race[rows_key]]
        total, kept = len(rows), rows[offset:offset + limit]
        races = {}
        for index, row in kept:
            races.setdefault(index, {**items[index], rows_key: []})[rows_key].append(row)
        mrdata[table][key] = list(races.values())
    mrdata.update(limit=str(limit), offset=str(offset), total=str(total))
    return answer


class FakeJolpica:
    """Serves `pages` (request path -> recorded file) under http://127.0.0.1:<port>/ergast/f1/.

    `fail[path] = (status, body, headers)` answers that path with a raw response instead; `script[path]` is
    a list of such faults (or `SLOW`: answer after `slow_seconds`) used up one per request before the path
    answers normally; `hits` counts requests per path and `times` records when each arrived. An unknown path
    is a 404, as upstream. `max_limit` is the most rows a page holds (more pages, more faults to meet);
    `inject(rate, seed)` turns that share of the requests into one of the INJECTED faults, recorded in
    `injected` as (path, kind).
    """

    def __init__(self, pages: dict, max_limit: int = MAX_LIMIT):
        self.payloads = {path: load(name) for path, name in pages.items()}
        self.max_limit = max_limit
        self.fail: dict[str, tuple[int, bytes, dict]] = {}
        self.script: dict[str, list] = {}
        self.fault_rate, self.random = 0.0, random.Random()
        self.injected: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.slow_seconds = 1.5
        self.times: list[float] = []
        self.hits: Counter = Counter()
        self.queries: list[tuple[str, int, int]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                path = url.path.removeprefix(PREFIX)
                query = parse_qs(url.query)
                limit = min(int(query.get("limit", [DEFAULT_LIMIT])[0]), fake.max_limit)
                offset = int(query.get("offset", [0])[0])
                fake.hits[path] += 1
                fake.queries.append((path, limit, offset))
                fake.times.append(time.monotonic())
                scripted = fake.script.get(path)
                fault = scripted.pop(0) if scripted else None
                if fault is SLOW:
                    time.sleep(fake.slow_seconds)
                    fault = None
                injected = fake._draw(path) if fault is None and path not in fake.fail else None
                if fault is not None:
                    status, body, headers = fault
                elif path in fake.fail:
                    status, body, headers = fake.fail[path]
                elif path in fake.payloads:
                    status, headers = 200, {}
                    body = json.dumps(page(fake.payloads[path], limit, offset)).encode()
                    if injected == "cut":
                        body = body[:len(body) // 2]  # a complete response whose JSON ends mid-way
                    elif injected is not None:
                        status, body, headers = INJECTED[injected]
                else:
                    status, body, headers = 404, b'{"detail": "Not found."}', {}
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass  # keep test output to assertions

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def inject(self, rate: float, seed: int) -> None:
        self.fault_rate, self.random = rate, random.Random(seed)

    def _draw(self, path: str) -> str | None:
        """The fault injected into this request, if any; draws happen in arrival order, so a seed replays."""
        with self._lock:
            if self.fault_rate == 0 or path not in self.payloads or self.random.random() >= self.fault_rate:
                return None
            kind = self.random.choice(sorted(INJECTED))
            self.injected.append((path, kind))
            return kind

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{PREFIX}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
