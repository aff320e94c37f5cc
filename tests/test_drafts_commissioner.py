"""Commissioner tools (§14) through the API: pause/resume, undo, pick on behalf, force autopick, reset; who may
use them; what they log, notify and do to the pick clock (races with picks and the clock: *_races.py)."""
import json
import time
from datetime import timedelta

import pytest
import time_machine
from rq_scheduler import Scheduler
from sqlalchemy import select

from drafts_helpers import API, League, draft_row, driver_id, race_id
from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.drafts.pick_clock import expiry_job_id, fire_time
from fantasy.drafts.picking import PAUSED
from fantasy.extensions import db
from fantasy.jobs.drafts import restore_lost_expiries
from fantasy.jobs.queues import HIGH
from fantasy.leagues.models import LeagueEvent
from fantasy.notifications.service import USER_CHANNEL
from notifications_helpers import drain, inbox

pytestmark = pytest.mark.usefixtures("f1")

TOOLS = {"pause": None, "resume": None, "undo": {"count": 1}, "pick-on-behalf": "driver", "autopick": None,
         "reset": None}


def tool(client, league, race, name, user=None, json=None):
    return client.post(league.url(race, f"/{name}"), json=json, headers=(user or league.owner)["headers"])


def scheduled_expiries(app) -> dict[str, object]:
    """Expiry job id -> when rq-scheduler will run it."""
    with app.app_context():
        return {job.id: at for job, at in Scheduler(queue_name=HIGH, connection=get_redis()).get_jobs(with_times=True)}


def audit(app, league_id) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(LeagueEvent.kind, LeagueEvent.actor_id).where(LeagueEvent.league_id == league_id)
            .order_by(LeagueEvent.id)
        ).all()


def notices(client, league, kind) -> dict[int, int]:
    """Per team, how many notices of `kind` its user has."""
    return {team: sum(item["kind"] == kind for item in inbox(client, user)) for team, user in league.players.items()}


def opened(app, client, make_user, **settings):
    league = League(client, make_user, **settings)
    race = race_id(app, 2023, 1)
    state = league.open(race).get_json()
    return league, race, [entry["team_id"] for entry in state["order"]]


def owner_team(league) -> int:
    return next(team for team, user in league.players.items() if user is league.owner)


def test_pause_stops_picks_and_the_clock_and_resume_gives_the_full_time(app, client, make_user):
    league, race, order = opened(app, client, make_user, pick_seconds=60)
    draft = draft_row(app, league.id, race)
    assert expiry_job_id(draft.id, 1) in scheduled_expiries(app)
    drain(app)

    paused = tool(client, league, race, "pause")
    assert paused.status_code == 200, paused.get_json()
    body = paused.get_json()
    assert (body["paused"], body["pick_deadline"], body["on_the_clock"], body["current_pick"]) == (True, None,
                                                                                                    order[0], 1)
    assert body["paused_by"] == {"id": league.owner["id"], "username": league.owner["username"]}
    assert body["paused_at"] is not None
    assert expiry_job_id(draft.id, 1) not in scheduled_expiries(app)  # the clock's job is cancelled
    available = body["available_driver_ids"]
    refused = league.pick(race, available[0])
    assert (refused.status_code, refused.get_json()["message"]) == (409, PAUSED)
    again = tool(client, league, race, "pause")
    assert (again.status_code, again.get_json()["message"]) == (409, "The draft is already paused")
    assert league.state(race)["paused"] is True

    with time_machine.travel(utcnow() + timedelta(minutes=10), tick=False):
        resumed = tool(client, league, race, "resume").get_json()
        deadline = utcnow() + timedelta(seconds=60)
    assert (resumed["paused"], resumed["paused_at"], resumed["paused_by"]) == (False, None, None)
    resumed_deadline = draft_row(app, league.id, race).pick_deadline
    assert resumed_deadline == deadline  # the turn's full time again, from the resume
    assert scheduled_expiries(app)[expiry_job_id(draft.id, 1)] == fire_time(deadline).replace(tzinfo=None)
    assert tool(client, league, race, "resume").status_code == 409
    assert league.pick(race, available[0]).status_code == 201

    drain(app)
    others = {team: 1 for team in order if team != owner_team(league)}
    assert notices(client, league, "draft_paused") == {**others, owner_team(league): 0}  # the actor is not told
    assert notices(client, league, "draft_resumed") == {**others, owner_team(league): 0}
    # No new your_turn on resume: the same turn, the same team.
    assert notices(client, league, "your_turn") == {order[0]: 1, order[1]: 1, order[2]: 0}
    member = league.players[order[0]] if order[0] != owner_team(league) else league.players[order[1]]
    notice = next(item for item in inbox(client, member) if item["kind"] == "draft_paused")
    assert notice["data"] == {
        "race_id": race, "race_name": "Bahrain Grand Prix", "draft_id": draft.id, "by_user_id": league.owner["id"],
        "by_username": league.owner["username"], "pick_number": 1, "on_the_clock": order[0],
        "on_the_clock_name": league.state(race)["order"][0]["name"], "league_name": "Draft League"}
    assert [kind for kind, _ in audit(app, league.id)][-2:] == ["draft_paused", "draft_resumed"]


def test_undo_takes_back_the_latest_picks_and_restarts_the_clock_for_the_team_back_on_it(app, client, make_user):
    """3 teams × 2 picks, snake: turns A B C C B A. Four picks, then undo two: C is on the clock for pick 3
    again, with a fresh clock and its own your_turn; the two drivers are available again."""
    league, race, (a, b, c) = opened(app, client, make_user, pick_seconds=60, picks_per_team=2)
    drivers = league.state(race)["available_driver_ids"]
    for driver in drivers[:4]:
        assert league.pick(race, driver).status_code == 201
    draft = draft_row(app, league.id, race)
    assert expiry_job_id(draft.id, 5) in scheduled_expiries(app)

    for body, message in (
        ({"count": 5}, "Only 4 picks have been made"),
        ({"count": 1, "last_pick_number": 3}, "The last pick is number 4, not 3: the draft moved on"),
    ):
        refused = tool(client, league, race, "undo", json=body)
        assert (refused.status_code, refused.get_json()["message"]) == (409, message)
    for bad in ({"count": 0}, {"count": "2"}, {"count": 101}, {"count": 1, "extra": 1}):
        assert tool(client, league, race, "undo", json=bad).status_code == 422, bad

    with time_machine.travel(utcnow() + timedelta(seconds=20), tick=False):
        state = tool(client, league, race, "undo", json={"count": 2, "last_pick_number": 4}).get_json()
        deadline = utcnow() + timedelta(seconds=60)
    assert [pick["pick_number"] for pick in state["picks"]] == [1, 2]
    assert (state["state"], state["current_pick"], state["on_the_clock"]) == ("open", 3, c)
    assert set(drivers[2:4]) <= set(state["available_driver_ids"])
    assert draft_row(app, league.id, race).pick_deadline == deadline
    jobs = scheduled_expiries(app)
    assert expiry_job_id(draft.id, 5) not in jobs and expiry_job_id(draft.id, 3) in jobs

    drain(app)
    assert notices(client, league, "your_turn")[c] == 3  # picks 3 and 4, then pick 3 again
    member = league.players[a] if a != owner_team(league) else league.players[b]
    notice = next(item for item in inbox(client, member) if item["kind"] == "picks_undone")
    names = {entry["team_id"]: entry["name"] for entry in state["order"]}
    assert notice["data"]["picks"] == [
        {"pick_number": 3, "team_id": c, "team_name": names[c], "driver_id": drivers[2],
         "driver_name": notice["data"]["picks"][0]["driver_name"]},
        {"pick_number": 4, "team_id": c, "team_name": names[c], "driver_id": drivers[3],
         "driver_name": notice["data"]["picks"][1]["driver_name"]}]
    assert all(pick["driver_name"] for pick in notice["data"]["picks"])
    assert (notice["data"]["pick_number"], notice["data"]["on_the_clock"]) == (3, c)
    assert audit(app, league.id)[-1] == ("picks_undone", league.owner["id"])


def test_undo_of_a_complete_draft_reopens_it_and_a_paused_undo_keeps_the_clock_stopped(app, client, make_user):
    league, race, (a, b, c) = opened(app, client, make_user, pick_seconds=60, picks_per_team=1)
    drivers = league.state(race)["available_driver_ids"]
    for driver in drivers[:3]:
        assert league.pick(race, driver).status_code == 201
    assert league.state(race)["state"] == "complete"
    state = tool(client, league, race, "undo", json={"count": 1}).get_json()
    assert (state["state"], state["current_pick"], state["on_the_clock"]) == ("open", 3, c)
    assert state["pick_deadline"] is not None

    tool(client, league, race, "pause")
    state = tool(client, league, race, "undo", json={"count": 1, "last_pick_number": 2}).get_json()
    assert (state["paused"], state["current_pick"], state["on_the_clock"], state["pick_deadline"]) == (True, 2, b, None)
    draft = draft_row(app, league.id, race)
    assert not any(job.startswith(f"draft-{draft.id}-") for job in scheduled_expiries(app))
    assert tool(client, league, race, "resume").get_json()["pick_deadline"] is not None


def test_pick_on_behalf_of_the_team_on_the_clock(app, client, make_user):
    league, race, order = opened(app, client, make_user, pick_seconds=60)
    available = league.state(race)["available_driver_ids"]
    on_clock = order[0]
    assert tool(client, league, race, "pick-on-behalf", json={"driver_id": 999_999}).status_code == 422
    assert tool(client, league, race, "pick-on-behalf",
                json={"driver_id": driver_id(app, "antonelli")}).status_code == 422  # not in the 2023 entry list
    stale = tool(client, league, race, "pick-on-behalf", json={"driver_id": available[0], "pick_number": 2})
    assert (stale.status_code, stale.get_json()["message"]) == (
        409,
        "Pick 1 is on the clock, not pick 2: the draft moved on",
    )

    state = tool(client, league, race, "pick-on-behalf", json={"driver_id": available[0], "pick_number": 1}).get_json()
    assert [(p["pick_number"], p["team_id"], p["driver_id"], p["autopicked"]) for p in state["picks"]] == [
        (1, on_clock, available[0], False)]
    assert (state["current_pick"], state["on_the_clock"]) == (2, order[1])
    taken = tool(client, league, race, "pick-on-behalf", json={"driver_id": available[0]})
    assert (taken.status_code, taken.get_json()["message"]) == (
        409,
        "This driver has already been picked in this draft",
    )
    tool(client, league, race, "pause")
    paused = tool(client, league, race, "pick-on-behalf", json={"driver_id": available[1]})
    assert (paused.status_code, paused.get_json()["message"]) == (409, PAUSED)

    drain(app)
    assert notices(client, league, "your_turn") == {order[0]: 1, order[1]: 1, order[2]: 0}
    if on_clock != owner_team(league):
        [notice] = [item for item in inbox(client, league.players[on_clock]) if item["kind"] == "picked_on_behalf"]
        assert notice["data"]["pick"]["team_id"] == on_clock and notice["data"]["pick"]["driver_id"] == available[0]
    assert [kind for kind, _ in audit(app, league.id)][-2:] == ["picked_on_behalf", "draft_paused"]


def test_force_autopick_uses_the_queue_then_the_best_available(app, client, make_user):
    league, race, order = opened(app, client, make_user, pick_seconds=60)
    hamilton = driver_id(app, "hamilton")
    client.put(league.url(race, "/queue"), json={"driver_ids": [hamilton]}, headers=league.players[order[0]]["headers"])
    # A queue can only be set before the first pick: it was set above, while pick 1 was on the clock.
    state = tool(client, league, race, "autopick", json={"pick_number": 1}).get_json()
    assert [(p["team_id"], p["driver_id"], p["autopicked"]) for p in state["picks"]] == [(order[0], hamilton, True)]
    state = tool(client, league, race, "autopick").get_json()
    # Bahrain is round 1: no points before it, so the lowest id available.
    assert state["picks"][1]["team_id"] == order[1] and state["picks"][1]["autopicked"] is True
    assert state["on_the_clock"] == order[2]
    drain(app)
    assert notices(client, league, "autopicked") == {order[0]: 1, order[1]: 1, order[2]: 0}
    forced = notices(client, league, "autopick_forced")
    assert forced == {team: 0 if team == owner_team(league) else 2 for team in order}
    assert [kind for kind, _ in audit(app, league.id)][-2:] == ["autopick_forced", "autopick_forced"]


def test_reset_reopens_an_unlocked_draft_with_no_picks_in_the_same_order(app, client, make_user):
    league, race, order = opened(app, client, make_user, pick_seconds=60)
    drivers = league.state(race)["available_driver_ids"]
    league.pick(race, drivers[0])
    league.pick(race, drivers[1])
    tool(client, league, race, "pause")
    drain(app)
    state = tool(client, league, race, "reset").get_json()
    assert (state["state"], state["picks"], state["current_pick"], state["on_the_clock"], state["paused"]) == (
        "open", [], 1, order[0], False)
    assert [entry["team_id"] for entry in state["order"]] == order
    assert state["pick_deadline"] is not None and set(drivers) <= set(state["available_driver_ids"])
    draft = draft_row(app, league.id, race)
    assert [job for job in scheduled_expiries(app) if job.startswith(f"draft-{draft.id}-")] == [
        expiry_job_id(draft.id, 1)
    ]
    drain(app)
    assert notices(client, league, "your_turn") == {order[0]: 2, order[1]: 1, order[2]: 1}
    assert audit(app, league.id)[-1] == ("draft_reset", league.owner["id"])

    assert league.lock(race).status_code == 200
    refused = tool(client, league, race, "reset")
    assert (refused.status_code, refused.get_json()["message"]) == (
        409, "Only a draft that opened and has not locked can be reset: the draft is locked")
    assert tool(client, league, race, "undo", json={"count": 1}).status_code == 409
    assert tool(client, league, race, "pause").status_code == 409


@pytest.mark.parametrize("name", list(TOOLS))
def test_members_get_403_strangers_404_managers_and_admins_may(app, client, make_user, name):
    league, race, order = opened(app, client, make_user)
    member = next(user for user in league.players.values() if user is not league.owner)
    stranger, admin = make_user(f"stranger_{name}"), make_user(f"admin_{name}", admin=True)
    body = TOOLS[name]
    if body == "driver":
        body = {"driver_id": league.state(race)["available_driver_ids"][0]}
    before = league.state(race)
    for user, status in ((member, 403), (stranger, 404)):
        response = tool(client, league, race, name, user=user, json=body)
        assert response.status_code == status, (user["username"], response.get_json())
    assert league.state(race)["picks"] == before["picks"] and league.state(race)["paused"] is False
    assert tool(client, league, 999_999, name, json=body).status_code == 404  # no such race

    if name == "resume":
        tool(client, league, race, "pause")
    if name == "undo":
        league.pick(race, before["available_driver_ids"][1])
    response = tool(client, league, race, name, user=admin, json=body)
    assert response.status_code == 200, response.get_json()
    assert audit(app, league.id)[-1][1] == admin["id"]

    client.patch(f"{API}/leagues/{league.id}/members/{member['id']}", json={"role": "manager"},
                 headers=league.owner["headers"])
    if name == "pause":
        tool(client, league, race, "resume")
    if name == "resume":
        tool(client, league, race, "pause")
    if name in ("pick-on-behalf",):
        body = {"driver_id": league.state(race)["available_driver_ids"][0]}
    if name == "undo":
        league.pick(race, league.state(race)["available_driver_ids"][0])
    response = tool(client, league, race, name, user=member, json=body)
    assert response.status_code == 200, response.get_json()
    assert audit(app, league.id)[-1][1] == member["id"]


def test_each_action_reaches_the_other_members_event_streams(app, client, make_user):
    """The notices are published on each recipient's channel, which their open event streams listen to."""
    league, race, order = opened(app, client, make_user, pick_seconds=60)
    member = next(user for user in league.players.values() if user is not league.owner)
    drain(app)
    with app.app_context():
        channel = get_redis().pubsub(ignore_subscribe_messages=True)
        channel.subscribe(USER_CHANNEL.format(member["id"]), USER_CHANNEL.format(league.owner["id"]))
    steps = (("pause", None), ("resume", None), ("autopick", None), ("undo", {"count": 1}),
             ("pick-on-behalf", {"driver_id": league.state(race)["available_driver_ids"][0]}), ("reset", None))
    for name, body in steps:
        assert tool(client, league, race, name, json=body).status_code == 200, name
    drain(app)
    mine = USER_CHANNEL.format(member["id"])
    with app.app_context():  # published after every notice, so it arrives after them: the end of what was heard
        get_redis().publish(mine, json.dumps({"type": "end"}))
    heard = []
    deadline = time.monotonic() + 10
    while (not heard or heard[-1] != (mine, "end")) and time.monotonic() < deadline:
        message = channel.get_message(timeout=0.1)  # subscribe confirmations come back as None
        if message is not None:
            heard.append((message["channel"].decode(), json.loads(message["data"])["type"]))
    channel.close()
    assert heard[-1] == (mine, "end")
    tools = ["draft_paused", "draft_resumed", "autopick_forced", "picks_undone", "picked_on_behalf", "draft_reset"]
    assert [kind for where, kind in heard if where == mine and kind in tools] == tools
    assert not [kind for where, kind in heard if where != mine and kind in tools]  # the acting owner's own stream


def test_a_paused_draft_gets_no_clock_back_from_the_tick_and_a_lock_ends_the_pause(app, client, make_user):
    league, race, order = opened(app, client, make_user, pick_seconds=60, picks_per_team=1)
    tool(client, league, race, "pause")
    with app.app_context():
        get_redis().flushdb()  # Redis lost its data: the tick restores the clocks of running turns
        assert restore_lost_expiries() == 0  # a paused turn has none to restore
    state = league.lock(race).get_json()
    assert (state["state"], state["paused"], state["paused_at"], state["paused_by"]) == ("locked", False, None, None)
    assert [pick["team_id"] for pick in state["picks"]] == order  # the lock autopicked every slot
