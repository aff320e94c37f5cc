"""No member can stall a draft (§7): a team that leaves, is removed or is deactivated stops drafting at once,
the running draft included; its turns pass to the next team and it never gets another pick."""
from datetime import timedelta

import pytest
import time_machine
from rq_scheduler import Scheduler

from drafts_helpers import API, League, draft_row, race_id
from fantasy.common.clock import utcnow
from fantasy.common.redis import get_redis
from fantasy.drafts import lifecycle, picking
from fantasy.drafts.pick_clock import expiry_job_id
from fantasy.extensions import db
from fantasy.jobs.queues import HIGH
from fantasy.leagues.models import FantasyTeam
from notifications_helpers import drain, inbox

pytestmark = pytest.mark.usefixtures("f1")


def four_teams(app, client, make_user, **settings):
    """A replay league of four teams drafting round 1 in a known order: three members, then the owner."""
    league = League(client, make_user, size=4, order_strategy="manual", **settings)
    owner_team = next(team for team, user in league.players.items() if user is league.owner)
    order = sorted(team for team in league.players if team != owner_team) + [owner_team]
    round1 = race_id(app, 2023, 1)
    assert client.put(league.url(round1, "/order"), json={"team_ids": order},
                      headers=league.owner["headers"]).status_code == 200
    assert league.open(round1).status_code == 200
    return league, round1, order


def pick_next(league, round1):
    state = league.state(round1)
    return league.pick(round1, state["available_driver_ids"][0], team_id=state["on_the_clock"])


def picks_by_team(league, round1) -> dict:
    counts = {team: 0 for team in league.players}
    for pick in league.state(round1)["picks"]:
        counts[pick["team_id"]] += 1
    return counts


def scheduled_jobs(app) -> set[str]:
    with app.app_context():
        return {job.id for job in Scheduler(queue_name=HIGH, connection=get_redis()).get_jobs()}


def test_the_team_on_the_clock_leaving_passes_the_turn_and_never_picks_again(app, client, make_user):
    league, round1, order = four_teams(app, client, make_user)
    first = order[0]
    assert league.state(round1)["on_the_clock"] == first
    left = client.post(f"{API}/leagues/{league.id}/leave", headers=league.players[first]["headers"])
    assert left.status_code == 204

    state = league.state(round1)
    assert (state["on_the_clock"], state["current_pick"]) == (order[1], 2)
    assert [entry["skipped"] for entry in state["order"]] == [True, False, False, False]
    assert pick_next(league, round1).status_code == 201
    # Snake: 2 3 4 | 4 3 2, and the departed team's closing turn (pick 8) is skipped too.
    for _ in range(5):
        assert pick_next(league, round1).status_code == 201
    state = league.state(round1)
    assert (state["state"], state["on_the_clock"]) == ("complete", None)
    assert [(pick["pick_number"], pick["team_id"]) for pick in state["picks"]] == [
        (2, order[1]), (3, order[2]), (4, order[3]), (5, order[3]), (6, order[2]), (7, order[1])]

    locked = league.lock(round1)
    assert locked.status_code == 200 and locked.get_json()["state"] == "locked"
    assert picks_by_team(league, round1) == {first: 0, order[1]: 2, order[2]: 2, order[3]: 2}


def test_a_removed_team_keeps_its_picks_and_loses_its_later_turns_even_if_it_rejoins(app, client, make_user):
    league, round1, order = four_teams(app, client, make_user)
    assert pick_next(league, round1).status_code == 201  # pick 1: order[0]
    removed = league.players[order[2]]
    response = client.delete(f"{API}/leagues/{league.id}/members/{removed['id']}", headers=league.owner["headers"])
    assert response.status_code == 204
    assert league.state(round1)["on_the_clock"] == order[1]  # the removed team was not on the clock
    invite_code = client.get(f"{API}/leagues/{league.id}", headers=league.owner["headers"]).get_json()["invite_code"]
    rejoined = client.post(f"{API}/leagues/join", json={"invite_code": invite_code, "team_name": "Back Again"},
                           headers=removed["headers"])
    assert rejoined.status_code == 201 and rejoined.get_json()["id"] == order[2]

    assert pick_next(league, round1).status_code == 201  # pick 2: order[1]
    assert league.state(round1)["on_the_clock"] == order[3]  # pick 3 (order[2]) skipped
    blocked = league.pick(round1, league.state(round1)["available_driver_ids"][0], team_id=order[2])
    assert blocked.status_code == 409 and blocked.get_json()["message"] == "It is not your turn"
    assert pick_next(league, round1).status_code == 201  # pick 4: order[3]
    assert league.lock(round1).status_code == 200  # autopicks 5 (order[3]), 7 (order[1]), 8 (order[0])
    picks = league.state(round1)["picks"]
    assert [(pick["pick_number"], pick["team_id"], pick["autopicked"]) for pick in picks] == [
        (1, order[0], False), (2, order[1], False), (4, order[3], False),
        (5, order[3], True), (7, order[1], True), (8, order[0], True)]


def test_a_deactivated_user_s_team_on_the_clock_passes_its_turn(app, client, make_user):
    admin = make_user("boss", admin=True)
    league, round1, order = four_teams(app, client, make_user)
    on_clock = league.players[order[0]]
    response = client.post(f"{API}/admin/users/{on_clock['id']}/deactivate", headers=admin["headers"])
    assert response.status_code == 200
    state = league.state(round1)
    assert state["on_the_clock"] == order[1]
    assert [entry["skipped"] for entry in state["order"]] == [True, False, False, False]
    assert pick_next(league, round1).status_code == 201
    assert league.lock(round1).status_code == 200
    assert picks_by_team(league, round1) == {order[0]: 0, order[1]: 2, order[2]: 2, order[3]: 2}


def test_the_pick_clock_restarts_for_the_next_team_and_never_autopicks_for_the_departed(app, client, make_user):
    league, round1, order = four_teams(app, client, make_user, pick_seconds=30)
    draft = draft_row(app, league.id, round1)
    assert scheduled_jobs(app) == {expiry_job_id(draft.id, 1)}
    left_at = utcnow().replace(microsecond=0) + timedelta(seconds=20)
    with time_machine.travel(left_at, tick=False):
        response = client.post(f"{API}/leagues/{league.id}/leave", headers=league.players[order[0]]["headers"])
        assert response.status_code == 204
    after = draft_row(app, league.id, round1)
    assert (after.current_pick, after.pick_deadline) == (2, left_at + timedelta(seconds=30))
    assert scheduled_jobs(app) == {expiry_job_id(draft.id, 2)}

    with time_machine.travel(draft.pick_deadline + timedelta(seconds=1), tick=False), app.app_context():
        assert picking.expire_turn(draft.id, 1) is False  # the departed team's old clock does nothing
    with time_machine.travel(after.pick_deadline + timedelta(seconds=1), tick=False), app.app_context():
        assert picking.expire_turn(draft.id, 2) is True
    picks = league.state(round1)["picks"]
    assert [(pick["pick_number"], pick["team_id"], pick["autopicked"]) for pick in picks] == [(2, order[1], True)]


def leave_without_the_skip(app, team_id: int) -> None:
    """A departure whose commit went through but whose skip step never ran (the process died between)."""
    with app.app_context():
        db.session.get(FantasyTeam, team_id).left_at = utcnow()
        db.session.commit()


def test_a_lost_skip_is_made_by_the_pick_clock_the_tick_and_the_lock_never_an_autopick(app, client, make_user):
    league, round1, order = four_teams(app, client, make_user, pick_seconds=30)
    draft = draft_row(app, league.id, round1)
    leave_without_the_skip(app, order[0])
    with time_machine.travel(draft.pick_deadline + timedelta(seconds=1), tick=False), app.app_context():
        assert picking.expire_turn(draft.id, 1) is False  # the turn passes on, nobody picks for the leaver
    state = league.state(round1)
    assert (state["on_the_clock"], [entry["skipped"] for entry in state["order"]]) == (
        order[1], [True, False, False, False])
    assert state["picks"] == []

    leave_without_the_skip(app, order[2])
    with app.app_context():
        assert lifecycle.draft_tick() == {"opened": 0, "locked": 0}
    assert [entry["skipped"] for entry in league.state(round1)["order"]] == [True, False, True, False]

    leave_without_the_skip(app, order[1])  # on the clock, and nobody ran the tick since
    assert league.lock(round1).status_code == 200
    assert picks_by_team(league, round1) == {order[0]: 0, order[1]: 0, order[2]: 0, order[3]: 2}


def test_the_team_a_departure_puts_on_the_clock_is_told_once(app, client, make_user):
    league, round1, order = four_teams(app, client, make_user)
    drain(app)
    left = client.post(f"{API}/leagues/{league.id}/leave", headers=league.players[order[0]]["headers"])
    assert left.status_code == 204
    drain(app)
    notices = {team: [item["data"]["pick_number"] for item in inbox(client, league.players[team])
                      if item["kind"] == "your_turn"] for team in order[1:]}
    assert notices == {order[1]: [2], order[2]: [], order[3]: []}
