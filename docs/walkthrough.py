"""Play one replay round against a running API and print what a client sends and gets back, trimmed, as the
Markdown of the README's "One round of play, as a client sees it".

    make run                                    # one terminal (or any running API with the 2023 data loaded)
    .venv/bin/python docs/walkthrough.py        # another; BASE_URL=http://host:port to point elsewhere

Two new users (a random suffix keeps reruns apart) play round 1 of 2023 in a private replay league: register,
sign in, create, join by code, list the rounds, open, pick in turn (one pick out of turn) while the second
user's event stream listens, lock, wait for the worker to score, then standings, a team's breakdown,
notifications and the stream's events. Answers are trimmed: the fields named per step, lists cut to their
first items, tokens shortened; every value shown is the server's.
"""
import json
import os
import secrets
import threading
import time

import requests

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:5000") + "/api/v1"
PASSWORD = "correct horse battery"
WIDTH = 135  # characters of JSON on one line
WISHES = ("VER", "HAM", "ALO", "PER", "LEC", "SAI")  # each team takes the first of these still available


def trim(value, keep=None, items: int = 2):
    """The value with only the `keep` keys of every dict in it (None: all), lists cut to their first `items`."""
    if isinstance(value, list):
        shown = [trim(item, keep, items) for item in value[:items]]
        return shown + ([f"… {len(value) - items} more"] if len(value) > items else [])
    if isinstance(value, dict):
        kept = {key: trim(item, keep, items) for key, item in value.items() if keep is None or key in keep}
        return kept | ({"…": "…"} if len(kept) < len(value) else {})
    if isinstance(value, str) and value.startswith("eyJ"):
        return value[:12] + "…"
    return value


def render(value, depth: int = 0) -> str:
    """JSON on one line when it fits in WIDTH, else one line per key or item (nested the same way)."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + depth <= WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (depth + 2)
    if isinstance(value, dict):
        lines = [f"{pad}{json.dumps(key, ensure_ascii=False)}: {render(item, depth + 2)}"
                 for key, item in value.items()]
        return "{\n" + ",\n".join(lines) + "\n" + " " * depth + "}"
    lines = [f"{pad}{render(item, depth + 2)}" for item in value]
    return "[\n" + ",\n".join(lines) + "\n" + " " * depth + "]"


def show(title: str, request: str, answer: requests.Response, keep=None, items: int = 2) -> None:
    body = trim(answer.json(), keep, items) if answer.content else None
    text = render(body)
    print(f"{title}\n\n```\n{request}\n→ {answer.status_code}" + (f" {text}" if body is not None else "") + "\n```\n")


def call(method: str, path: str, token: str | None = None, body=None, *, title: str | None = None, keep=None,
         items: int = 2, expect: int | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = requests.request(method, BASE + path, json=body, headers=headers, timeout=30)
    if answer.status_code >= 400 and answer.status_code != expect:
        raise SystemExit(f"{method} {path}: {answer.status_code} {answer.text}")
    if title:
        shown = trim(body, None) if body is not None else None
        show(title, f"{method} /api/v1{path}" + (f" {json.dumps(shown, ensure_ascii=False)}" if shown else ""),
             answer, keep, items)
    return answer.json() if answer.content else None


def player(name: str, title: bool) -> str:
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    call("POST", "/auth/register", body=body, title="**Register**" if title else None, keep=("id", "username"))
    return call("POST", "/auth/login", body={"login": name, "password": PASSWORD},
                title="**Sign in** (username or email)" if title else None)


def listen(token: str, events: list, ready: threading.Event, stop: threading.Event) -> None:
    ticket = call("POST", "/events/ticket", token)["ticket"]
    with requests.get(f"{BASE}/events", params={"ticket": ticket}, stream=True, timeout=60) as stream:
        events.append(("status", f"{stream.status_code} {stream.headers['Content-Type']}"))
        kind = None
        for line in stream.iter_lines(decode_unicode=True):
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((kind, line.removeprefix("data: ")))
                ready.set()
            if stop.is_set():
                return


def main() -> None:
    suffix = secrets.token_hex(2)
    alice = player(f"alice_{suffix}", title=True)["access_token"]
    bob = player(f"bob_{suffix}", title=False)["access_token"]
    league = call("POST", "/leagues", alice, {"name": "Sunday Club", "season": 2023, "mode": "replay",
                                              "team_name": "Alice Racing"},
                  title="**Create a league** (private by default; the owner gets a team at once)",
                  keep=("id", "ruleset", "picks_per_team", "draft_method", "invite_code", "my_role", "my_team_id",
                        "current_draft", "race_id", "round", "race_name", "state"))
    bob_team = call("POST", "/leagues/join", bob, {"invite_code": league["invite_code"], "team_name": "Bob's Bolides"},
                    title="**Join** with the invite code (a public league: `POST /leagues/{id}/join`)",
                    keep=("id", "name", "league_id", "user_id"))
    races = call("GET", f"/leagues/{league['id']}/races", alice, title="**Which rounds can be played**",
                 keep=("race_id", "round", "name", "draft_state", "playable", "unplayable_reason"), items=1)
    race_id = races[0]["race_id"]
    draft_path = f"/leagues/{league['id']}/drafts/{race_id}"

    events, ready, stop = [], threading.Event(), threading.Event()
    threading.Thread(target=listen, args=(bob, events, ready, stop), daemon=True).start()
    ready.wait(10)

    draft = call("POST", f"{draft_path}/open", alice, title="**Open round 1** (owner or manager)",
                 keep=("state", "order", "on_the_clock", "current_pick", "pick_deadline", "available_drivers",
                       "picks", "id", "code", "name", "constructor", "team_id", "skipped"))
    tokens = {league["my_team_id"]: alice, bob_team["id"]: bob}
    waiting = next(token for team, token in tokens.items() if team != draft["on_the_clock"])
    call("POST", f"{draft_path}/picks", waiting, {"driver_id": draft["available_driver_ids"][0]},
         title="**A pick out of turn** is refused in the one error envelope", expect=409)
    first = True
    while draft["state"] == "open":
        codes = {driver["code"]: driver["id"] for driver in draft["available_drivers"]}
        driver = next((codes[code] for code in WISHES if code in codes), draft["available_driver_ids"][0])
        call("POST", f"{draft_path}/picks", tokens[draft["on_the_clock"]], {"driver_id": driver},
             title="**Pick** (the team on the clock; snake order: 1, 2, 2, 1)" if first else None)
        first = False
        draft = call("GET", draft_path, alice)
    call("GET", draft_path, alice, title="**The draft state** once every slot is filled",
         keep=("state", "on_the_clock", "picks", "pick_number", "team_id", "driver", "code"), items=4)
    call("POST", f"{draft_path}/lock", alice, title="**Lock** the round: the worker scores it", keep=("state",))
    for _ in range(120):
        if call("GET", draft_path, alice)["state"] == "scored":
            break
        time.sleep(0.5)
    for _ in range(40):  # the notifications of the scoring are delivered on the low queue
        if any(note["kind"] == "race_scored" for note in call("GET", "/notifications", bob)):
            break
        time.sleep(0.5)
    call("GET", f"/leagues/{league['id']}/standings", bob, title="**Standings**")
    call("GET", f"/teams/{bob_team['id']}/scores", bob, title="**A team's points, pick by pick**",
         keep=("round", "race_name", "points", "picks", "driver", "code", "breakdown", "pick_number",
               "race_official"))
    call("GET", "/notifications", bob, title="**Notifications** (newest first)", items=4,
         keep=("kind", "data", "league_name", "race_id", "pick_number", "team_name", "pick_deadline", "round_points",
               "season_points", "rank", "previous_rank"))
    time.sleep(1)
    stop.set()
    status = next(data for kind, data in events if kind == "status")
    print("**The event stream**: `POST /api/v1/events/ticket` → `{\"ticket\": …, \"expires_in\": 60}`, then\n")
    print(f"```\nGET /api/v1/events?ticket=…\n→ {status}\n")
    for kind, data in events:
        if kind != "status":
            print(f"event: {kind}\ndata: {data}\n")
    print("```")


if __name__ == "__main__":
    main()
