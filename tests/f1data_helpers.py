"""Shared helpers for the F1 data tests: the upstream faked with `responses` from real recorded payloads (the
fixtures `upstream`, `fast_client` and `changes` are in conftest.py)."""
import json
from pathlib import Path

import responses

from fantasy.f1data.offline import BUNDLED

BASE = "https://jolpica.test/ergast/f1/"
FIXTURES = Path(__file__).parent / "fixtures" / "jolpica"
EMPTY = "2023/3-sprint.json"  # a real "nothing published" answer (200, empty Races)
# Whole-season 2025 as far as recorded: round 1 race results and round 2 sprint results.
SEASON_2025 = {
    "2025/seasons/": "2025/seasons.json", "2025/circuits/": "2025/circuits.json",
    "2025/drivers/": "2025/drivers.json", "2025/constructors/": "2025/constructors.json",
    "2025/races/": "2025/races.json", "2025/results/": "2025/1-results.json",
    "2025/sprint/": BUNDLED / "2025/2/sprint/offset-0.json", "2025/qualifying/": EMPTY,
}


def url(path: str) -> str:
    return BASE + path


def load(name) -> dict:
    path = name if isinstance(name, Path) else FIXTURES / name
    return json.loads(path.read_text())


def rows_of(payload: dict, key: str = "Results") -> list[dict]:
    return [row for race in payload["MRData"]["RaceTable"]["Races"] for row in race[key]]


def serve(upstream, pages: dict, overrides: dict | None = None) -> dict:
    """Register each path; `overrides` maps a path to a payload dict or a raw (status, body) answer."""
    payloads = {path: load(name) for path, name in pages.items()}
    for path, payload in {**payloads, **(overrides or {})}.items():
        if isinstance(payload, tuple):
            upstream.add(responses.GET, BASE + path, status=payload[0], body=payload[1])
        else:
            upstream.add(responses.GET, BASE + path, json=payload)
    return payloads
