"""Shared by the notification tests: a real RQ worker that drains the queues, the inbox as a client reads it, and
draft picks and rounds played through the API."""
import threading

from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from drafts_helpers import API, League, driver_id, race_id
from fantasy.common.redis import get_redis
from fantasy.jobs.queues import QUEUE_NAMES, get_queue
from fantasy.notifications.schemas import DATA_SCHEMAS


class ThreadWorker(SimpleWorker):
    """A real RQ worker that can run off the main thread (signals belong to the main thread)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass


def drain(app) -> None:
    """Run every queued job with a real RQ worker (burst mode), on a thread of its own like a worker
    process: no request context of the test (an open event stream) leaks into the jobs."""

    def work():
        with app.app_context():
            ThreadWorker([get_queue(name) for name in QUEUE_NAMES], connection=get_redis()).work(burst=True)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=120)


def undocumented(kind: str, data: dict) -> dict | None:
    """How `data` differs from what the OpenAPI documents for its kind (a key missing or extra, a type: the
    first schema's errors), or None when one of the kind's schemas takes it exactly."""
    errors = {"kind": [f"{kind} has no documented data"]}
    for schema in DATA_SCHEMAS.get(kind, ()):
        errors = schema().validate(data)
        if not errors:
            return None
    return errors


def inbox(client, user, **query) -> list[dict]:
    """The user's notifications, newest first (one page of up to 100), each one's data checked against the
    schema the OpenAPI documents for its kind: every flow that reads an inbox keeps the documentation true."""
    query.setdefault("page_size", 100)
    response = client.get(f"{API}/notifications", query_string=query, headers=user["headers"])
    assert response.status_code == 200, response.get_json()
    items = response.get_json()
    problems = {item["id"]: (item["kind"], errors) for item in items
                if (errors := undocumented(item["kind"], item["data"])) is not None}
    assert problems == {}, problems
    return items


def kinds(client, user) -> list[str]:
    return sorted(item["kind"] for item in inbox(client, user))


def your_turns(client, league) -> dict[int, list[int]]:
    """Per team, the pick numbers of its your_turn notices (oldest first)."""
    notices = {}
    for team_id, user in league.players.items():
        items = [item for item in reversed(inbox(client, user)) if item["kind"] == "your_turn"]
        assert all(item["data"]["team_id"] == team_id and item["league_id"] == league.id for item in items), items
        notices[team_id] = [item["data"]["pick_number"] for item in items]
    return notices


def pick_all(league, race: int, count: int) -> None:
    for _ in range(count):
        response = league.pick(race, league.state(race)["available_driver_ids"][0])
        assert response.status_code == 201, response.get_json()


def play(app, league: League, season_round: int, picks: dict[str, str]) -> int:
    """Open a round, let each team (by its name) pick its driver when on the clock, lock; a real worker scores it
    and delivers its notifications."""
    race = race_id(app, 2023, season_round)
    assert league.open(race).status_code == 200
    for _ in range(len(picks)):
        team_id = league.state(race)["on_the_clock"]
        assert league.pick(race, driver_id(app, picks[names(league)[team_id]]), team_id).status_code == 201
    assert league.lock(race).status_code == 200
    drain(app)
    return race


def names(league: League) -> dict[int, str]:
    teams = league.client.get(f"/api/v1/leagues/{league.id}/teams", headers=league.owner["headers"]).get_json()
    return {team["id"]: team["name"] for team in teams}
