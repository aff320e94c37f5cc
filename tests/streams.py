"""Event streams read the way clients read them: in-process through the test client (`Listener`), or over HTTP
from a served web process (`Reader`); each on a thread of its own, into a queue."""
import json
import queue
import threading
import time

import requests

from drafts_helpers import API


class Listener:
    """An event stream read on its own thread like a browser's; each frame (None at the stream's end)
    is handed over with the moment it arrived."""

    def __init__(self, app, ticket: str):
        self.frames: queue.Queue[tuple[float, str | None]] = queue.Queue()
        self.status = queue.Queue()
        threading.Thread(target=self._read, args=(app, ticket), daemon=True).start()

    def _read(self, app, ticket):
        response = app.test_client().get(f"{API}/events", query_string={"ticket": ticket}, buffered=False)
        self.status.put(response.status_code)
        try:
            for frame in response.response:
                if not frame.startswith(b":"):  # keep-alive comments
                    self.frames.put((time.monotonic(), frame.decode()))
        finally:
            response.close()
            self.frames.put((time.monotonic(), None))

    def event(self, timeout: float = 10) -> tuple[float, str | None, dict | None]:
        """(arrival, event name, data) of the next frame; (arrival, None, None) when the stream ended."""
        arrived, frame = self.frames.get(timeout=timeout)
        if frame is None:
            return arrived, None, None
        fields = dict(line.split(": ", 1) for line in frame.strip().splitlines() if not line.startswith("retry"))
        return arrived, fields.get("event"), json.loads(fields["data"])

    def silent(self, seconds: float) -> bool:
        try:
            self.frames.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


def open_stream(app, client, user) -> Listener:
    ticket = client.post(f"{API}/events/ticket", headers=user["headers"]).get_json()["ticket"]
    listener = Listener(app, ticket)
    assert listener.status.get(timeout=10) == 200
    assert listener.event()[1] == "ready"
    return listener


class Reader:
    """An open stream's events, read on a thread of its own into a queue."""

    def __init__(self, url: str, token: str, follow: bool = True):
        ticket = requests.post(f"{url}{API}/events/ticket", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert ticket.status_code == 201
        self.response = requests.get(f"{url}{API}/events", params={"ticket": ticket.json()["ticket"]}, stream=True,
                                     timeout=60)
        self.events: queue.Queue = queue.Queue()
        self.ended = threading.Event()
        if follow and self.response.status_code == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        kind = None
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    kind = line[len("event: "):]
                elif line.startswith("data: "):
                    self.events.put((kind, json.loads(line[len("data: "):])))
        except requests.RequestException:  # the server went away
            pass
        finally:
            self.ended.set()

    def heard(self, seconds: float) -> list[tuple[str, dict]]:
        """Every event that arrives within `seconds`."""
        heard, deadline = [], time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                heard.append(self.events.get(timeout=left))
            except queue.Empty:
                break
        return heard
