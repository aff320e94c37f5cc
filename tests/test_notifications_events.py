"""Events a client can render without another request (§9): a pick names the turn it puts on the clock and
its deadline, and a completed draft is announced."""
import json
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from drafts_helpers import League, race_id
from fantasy.common.redis import get_redis
from notifications_helpers import drain, inbox

pytestmark = pytest.mark.usefixtures("f1")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def picks_heard(listener, count: int) -> list[dict]:
    """The first `count` pick events on the channel (the subscription's confirmation reads as None)."""
    picks = []
    for _ in range(count + 5):
        message = listener.get_message(timeout=1)
        if message is not None and json.loads(message["data"])["type"] == "pick":
            picks.append(json.loads(message["data"])["data"])
        if len(picks) == count:
            break
    return picks


def test_pick_events_name_the_next_turn_and_its_deadline_and_the_draft_completes(app, client, make_user):
    with time_machine.travel(NOW, tick=False):  # the users' tokens are issued, and used, at NOW
        league = League(client, make_user, size=2, picks_per_team=1, pick_seconds=90)
    round1 = race_id(app, 2023, 1)
    with app.app_context():
        listener = get_redis().pubsub(ignore_subscribe_messages=True)
        listener.subscribe(f"events:league:{league.id}")
    with time_machine.travel(NOW, tick=False):
        state = league.open(round1).get_json()
        first, second = (entry["team_id"] for entry in state["order"])
        names = {entry["team_id"]: entry["name"] for entry in state["order"]}
        drivers = state["available_driver_ids"]
        assert league.pick(round1, drivers[0]).status_code == 201
        assert league.pick(round1, drivers[1]).status_code == 201
    assert picks_heard(listener, 2) == [
        {"pick_number": 1, "team_id": first, "driver_id": drivers[0], "autopicked": False,
         "next": {"team_id": second, "team_name": names[second], "pick_number": 2,
                  "pick_deadline": (NOW + timedelta(seconds=90)).isoformat()}},
        {"pick_number": 2, "team_id": second, "driver_id": drivers[1], "autopicked": False, "next": None},
    ]
    drain(app)
    draft_id = state["id"]
    for user in league.players.values():
        with time_machine.travel(NOW, tick=False):
            completed = [item for item in inbox(client, user) if item["kind"] == "draft_complete"]
        assert [(item["league_id"], item["race_id"], item["data"]) for item in completed] == [
            (league.id, round1, {"race_id": round1, "draft_id": draft_id, "league_name": "Draft League"})]
