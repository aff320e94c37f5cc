"""Snapshots of upstream payloads on disk: the writer behind `flask f1 snapshot` and a requests adapter that
serves them back, so `flask f1 load` runs the very same client paging and ingest as a live sync.

Layout: DIR/<request path>/offset-<offset>.json, e.g. DIR/2025/results/offset-0.json, one file per page.
"""
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter

from fantasy.f1data.client import JolpicaClient, RateLimiter

BUNDLED = Path(__file__).parent / "snapshot"
# A host that can never resolve: the adapter answers before any socket is opened.
OFFLINE_BASE = "http://snapshot.invalid/"


def page_file(directory: Path, path: str, offset) -> Path:
    return Path(directory) / path.strip("/") / f"offset-{int(offset)}.json"


def payload_writer(directory: Path):
    """An `on_payload` hook for JolpicaClient that stores every page under `directory`."""

    def write(path: str, params: dict, payload: dict) -> None:
        target = page_file(directory, path, params.get("offset", 0))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")

    return write


class SnapshotAdapter(BaseAdapter):
    """Answers GETs from snapshot files; a page that is not there is a 404, as for an unknown resource."""

    def __init__(self, directory: Path):
        super().__init__()
        self.directory = Path(directory)

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        offset = parse_qs(url.query).get("offset", ["0"])[0]
        target = page_file(self.directory, url.path, offset)
        response = requests.Response()
        response.request, response.url = request, request.url
        if target.is_file():
            response.status_code, response._content = 200, target.read_bytes()
            response.headers["Content-Type"] = "application/json"
        else:
            response.status_code, response._content = 404, b""
        return response

    def close(self):
        pass


def offline_client(directory: Path) -> JolpicaClient:
    session = requests.Session()
    session.mount(OFFLINE_BASE, SnapshotAdapter(directory))
    # No budget to respect when reading files.
    return JolpicaClient(OFFLINE_BASE, session=session, limiter=RateLimiter(limits=()), max_attempts=1)


def snapshot_layout(directory: Path) -> dict[int, list[int]]:
    """The seasons a snapshot holds and, per season, the rounds it has round-level pages for."""
    layout = {}
    for season_dir in sorted(Path(directory).iterdir()):
        if season_dir.is_dir() and season_dir.name.isdigit():
            layout[int(season_dir.name)] = sorted(
                int(child.name) for child in season_dir.iterdir() if child.is_dir() and child.name.isdigit())
    return layout
