"""The draft engine on real 2023 data in a replay league: turns, picks, order, queue, clock, lock."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from rq_scheduler import Scheduler
from sqlalchemy import delete, func, select

from drafts_helpers import League, draft_row, driver_id, race_id
from fantasy.common.redis import get_redis
from fantasy.drafts import picking
from fantasy.drafts.models import Pick
from fantasy.drafts.pick_clock import expiry_job_id
from fantasy.extensions import db
from fantasy.f1data.models import Race, SeasonDriver, SessionKind, SessionResult
from fantasy.jobs.queues import HIGH
from fantasy.leagues.models import LeagueEvent

pytestmark = pytest.mark.usefixtures("f1")


def picks_in(app, league_id) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(Pick.pick_number, Pick.team_id, Pick.driver_id, Pick.autopicked)
            .where(Pick.league_id == league_id).order_by(Pick.race_id, Pick.pick_number)
        ).all()


def test_replay_round_opens_with_random_first_order_and_snake_turns(app, client, make_user):
    league = League(client, make_user)
    round1 = race_id(app, 2023, 1)
    opened = league.open(round1)
    assert opened.status_code == 200, opened.get_json()
    state = opened.get_json()
    assert state["state"] == "open" and state["current_pick"] == 1
    order = [entry["team_id"] for entry in state["order"]]
    assert sorted(order) == sorted(league.players)
    assert len(state["available_driver_ids"]) == 20  # Bahrain 2023's classification
    expected_turns = order + order[::-1]
    seen = []
    for driver in state["available_driver_ids"][:6]:
        seen.append(league.state(round1)["on_the_clock"])
        assert league.pick(round1, driver).status_code == 201
    assert seen == expected_turns
    final = league.state(round1)
    assert final["state"] == "complete" and final["on_the_clock"] is None
    assert [pick["pick_number"] for pick in final["picks"]] == [1, 2, 3, 4, 5, 6]


def test_bad_picks_are_clear_4xx(app, client, make_user):
    league = League(client, make_user)
    round1 = race_id(app, 2023, 1)
    league.open(round1)
    state = league.state(round1)
    on_clock = state["on_the_clock"]
    other_team = next(team for team in league.players if team != on_clock)
    verstappen = driver_id(app, "max_verstappen")

    out_of_turn = league.pick(round1, verstappen, team_id=other_team)
    assert out_of_turn.status_code == 409 and "not your turn" in out_of_turn.get_json()["message"]
    unknown = league.pick(round1, 999_999)
    assert unknown.status_code == 422 and unknown.get_json()["errors"]["json"]["driver_id"]
    # A 2025 rookie did not race in Bahrain 2023.
    ineligible = league.pick(round1, driver_id(app, "antonelli"))
    assert ineligible.status_code == 422 and "not in this race" in ineligible.get_json()["message"]
    assert league.pick(round1, verstappen).status_code == 201
    taken = league.pick(round1, verstappen)
    assert taken.status_code == 409 and "already been picked" in taken.get_json()["message"]
    for body in ({}, {"driver_id": "1"}, {"driver_id": 2**40}, {"driver_id": 1, "team_id": 1}):
        response = client.post(league.url(round1, "/picks"), json=body, headers=league.owner["headers"])
        assert response.status_code == 422
    assert len(picks_in(app, league.id)) == 1


def test_eligible_drivers_are_the_entry_list_then_the_latest_round_then_the_season(app, client, make_user):
    """The list the draft shows and the check a pick makes (one statement each) follow the same rule."""
    league = League(client, make_user)
    round3, round4 = race_id(app, 2023, 3), race_id(app, 2023, 4)
    league.open(round4)
    assert len(league.state(round4)["available_driver_ids"]) == 20  # Azerbaijan 2023's entry list
    ricciardo = driver_id(app, "ricciardo")  # back from round 11 on
    with app.app_context():
        db.session.execute(delete(SessionResult).where(SessionResult.race_id == round4))
        db.session.commit()
        raced = db.session.scalars(
            select(SessionResult.driver_id)
            .where(SessionResult.race_id == round3, SessionResult.session == SessionKind.race)
            .order_by(SessionResult.driver_id)
        ).all()
    assert raced and league.state(round4)["available_driver_ids"] == raced
    refused = league.pick(round4, ricciardo)
    assert refused.status_code == 422 and "not in this race" in refused.get_json()["message"]
    with app.app_context():
        db.session.execute(delete(SessionResult).where(SessionResult.race_id.in_(
            select(Race.id).where(Race.season_year == 2023, Race.round < 4))))
        db.session.commit()
        season = db.session.scalars(
            select(SeasonDriver.driver_id).where(SeasonDriver.season_year == 2023).order_by(SeasonDriver.driver_id)
        ).all()
    assert ricciardo in season and league.state(round4)["available_driver_ids"] == season
    assert league.pick(round4, ricciardo).status_code == 201


def test_picks_in_a_draft_not_opened_or_of_another_season_are_404(app, client, make_user):
    league = League(client, make_user)
    team = next(iter(league.players))
    verstappen = driver_id(app, "max_verstappen")
    for race in (race_id(app, 2023, 1), race_id(app, 2025, 1)):
        response = league.pick(race, verstappen, team_id=team)
        assert response.status_code == 404, response.get_json()
    assert picks_in(app, league.id) == []


def test_draft_of_another_league_and_strangers(app, client, make_user):
    league = League(client, make_user, name="First League")
    other = League(client, make_user, name="Other League")
    round1 = race_id(app, 2023, 1)
    league.open(round1)
    intruder = next(iter(other.players.values()))
    as_stranger = client.post(league.url(round1, "/picks"), json={"driver_id": 1}, headers=intruder["headers"])
    assert as_stranger.status_code == 404
    assert client.get(league.url(round1), headers=intruder["headers"]).status_code == 404
    wrong_season = race_id(app, 2025, 1)
    assert client.get(league.url(wrong_season), headers=league.owner["headers"]).status_code == 404


def test_lock_autopicks_every_empty_slot_and_closes_picks(app, client, make_user):
    league = League(client, make_user)
    round1 = race_id(app, 2023, 1)
    league.open(round1)
    first = league.state(round1)["available_driver_ids"][0]
    league.pick(round1, first)
    locked = league.lock(round1)
    assert locked.status_code == 200 and locked.get_json()["state"] == "locked"
    picks = picks_in(app, league.id)
    assert len(picks) == 6 and len({pick.driver_id for pick in picks}) == 6
    assert [pick.autopicked for pick in picks] == [False] + [True] * 5
    late = league.pick(round1, league.state(round1)["available_driver_ids"][0], team_id=next(iter(league.players)))
    assert late.status_code == 409 and "locked" in late.get_json()["message"]
    with app.app_context():
        kinds = db.session.scalars(select(LeagueEvent.kind).where(LeagueEvent.league_id == league.id)).all()
    assert "draft_locked" in kinds


def test_without_autopick_on_lock_empty_slots_stay_empty(app, client, make_user):
    league = League(client, make_user, autopick_on_lock=False)
    round1 = race_id(app, 2023, 1)
    league.open(round1)
    assert league.lock(round1).get_json()["state"] == "locked"
    assert picks_in(app, league.id) == []


def test_rotation_over_three_rounds_and_round_order(app, client, make_user):
    league = League(client, make_user, size=4)
    orders = []
    for round_ in (1, 2, 3):
        race = race_id(app, 2023, round_)
        state = league.open(race).get_json()
        orders.append([entry["team_id"] for entry in state["order"]])
        assert league.lock(race).status_code == 200
    assert orders[1] == [orders[0][-1], *orders[0][:-1]]
    assert orders[2] == [orders[1][-1], *orders[1][:-1]]
    again = league.open(race_id(app, 2023, 2))
    assert again.status_code == 409


def test_one_running_draft_at_a_time_in_replay(app, client, make_user):
    league = League(client, make_user)
    league.open(race_id(app, 2023, 1))
    response = league.open(race_id(app, 2023, 2))
    assert response.status_code == 409 and "still running" in response.get_json()["message"]


def test_only_managers_open_and_lock(app, client, make_user):
    league = League(client, make_user)
    member = next(user for user in league.players.values() if user is not league.owner)
    round1 = race_id(app, 2023, 1)
    assert client.post(league.url(round1, "/open"), headers=member["headers"]).status_code == 403
    league.open(round1)
    assert client.post(league.url(round1, "/lock"), headers=member["headers"]).status_code == 403


def test_manual_order(app, client, make_user):
    league = League(client, make_user, order_strategy="manual")
    stranger = League(client, make_user, name="Stranger League")
    round1 = race_id(app, 2023, 1)
    teams = sorted(league.players)
    url = league.url(round1, "/order")
    headers = league.owner["headers"]
    assert client.put(url, json={"team_ids": teams[:2]}, headers=headers).status_code == 422
    assert client.put(url, json={"team_ids": [teams[0], *teams]}, headers=headers).status_code == 422
    foreign = next(iter(stranger.players))
    assert client.put(url, json={"team_ids": [*teams[:2], foreign]}, headers=headers).status_code == 422
    member = next(user for user in league.players.values() if user is not league.owner)
    assert client.put(url, json={"team_ids": teams[::-1]}, headers=member["headers"]).status_code == 403
    chosen = client.put(url, json={"team_ids": teams[::-1]}, headers=headers)
    assert chosen.status_code == 200
    assert [entry["team_id"] for entry in chosen.get_json()["order"]] == teams[::-1]
    opened = league.open(round1)
    assert opened.status_code == 200, opened.get_json()
    assert league.state(round1)["on_the_clock"] == teams[-1]
    league.pick(round1, league.state(round1)["available_driver_ids"][0])
    after_first = client.put(url, json={"team_ids": teams}, headers=headers)
    assert after_first.status_code == 409
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).where(LeagueEvent.league_id == league.id, LeagueEvent.kind == "order_changed")
        ) == 1


def test_order_cannot_be_set_unless_manual(app, client, make_user):
    league = League(client, make_user)
    response = client.put(
        league.url(race_id(app, 2023, 1), "/order"), json={"team_ids": sorted(league.players)},
        headers=league.owner["headers"],
    )
    assert response.status_code == 409


def test_queue_is_private_and_validated(app, client, make_user):
    league = League(client, make_user)
    round1 = race_id(app, 2023, 1)
    owner_url = league.url(round1, "/queue")
    member = next(user for user in league.players.values() if user is not league.owner)
    drivers = [driver_id(app, "hamilton"), driver_id(app, "alonso")]
    saved = client.put(owner_url, json={"driver_ids": drivers}, headers=league.owner["headers"])
    assert saved.status_code == 200 and saved.get_json()["driver_ids"] == drivers
    assert client.get(owner_url, headers=member["headers"]).get_json()["driver_ids"] == []
    assert league.state(round1)["my_queue"] == drivers
    assert client.get(owner_url, headers=league.owner["headers"]).get_json()["driver_ids"] == drivers
    for bad in ([drivers[0], drivers[0]], [driver_id(app, "antonelli")], [999_999], ["x"], list(range(1, 40))):
        response = client.put(owner_url, json={"driver_ids": bad}, headers=league.owner["headers"])
        assert response.status_code == 422, bad
    assert client.get(owner_url, headers=league.owner["headers"]).get_json()["driver_ids"] == drivers


def test_pick_clock_expiry_autopicks_queue_then_best_available(app, client, make_user):
    league = League(client, make_user, pick_seconds=30)
    round9 = race_id(app, 2023, 9)
    state = league.open(round9).get_json()
    order = [entry["team_id"] for entry in state["order"]]
    first, second = order[0], order[1]
    hamilton = driver_id(app, "hamilton")
    client.put(league.url(round9, "/queue"), json={"driver_ids": [hamilton]}, headers=league.players[first]["headers"])
    draft = draft_row(app, league.id, round9)
    with app.app_context():
        scheduled = {
            job.id: at for job, at in Scheduler(queue_name=HIGH, connection=get_redis()).get_jobs(with_times=True)
        }
    assert expiry_job_id(draft.id, 1) in scheduled

    with app.app_context():
        assert picking.expire_turn(draft.id, 1) is False  # not due yet
    with time_machine.travel(draft.pick_deadline + timedelta(seconds=1)):
        with app.app_context():
            assert picking.expire_turn(draft.id, 1) is True
            assert picking.expire_turn(draft.id, 1) is False  # a duplicate run does nothing
        next_deadline = draft_row(app, league.id, round9).pick_deadline
    with time_machine.travel(next_deadline + timedelta(seconds=1)):
        with app.app_context():
            assert picking.expire_turn(draft.id, 2) is True
    picks = picks_in(app, league.id)
    assert picks[0] == (1, first, hamilton, True)
    # Most official 2023 points before Austria (Bahrain race + Baku sprint in the snapshot): Verstappen.
    assert picks[1] == (2, second, driver_id(app, "max_verstappen"), True)
    with app.app_context():
        scheduled = {job.id for job in Scheduler(queue_name=HIGH, connection=get_redis()).get_jobs()}
    assert expiry_job_id(draft.id, 1) not in scheduled and expiry_job_id(draft.id, 3) in scheduled


def test_expiry_after_a_manual_pick_does_nothing(app, client, make_user):
    league = League(client, make_user, pick_seconds=30)
    round1 = race_id(app, 2023, 1)
    league.open(round1)
    draft = draft_row(app, league.id, round1)
    league.pick(round1, league.state(round1)["available_driver_ids"][0])
    with time_machine.travel(draft.pick_deadline + timedelta(seconds=1)):
        with app.app_context():
            assert picking.expire_turn(draft.id, 1) is False
    assert len(picks_in(app, league.id)) == 1


def test_live_leagues_cannot_open_or_lock_by_hand(app, client, make_user, time_machine):
    time_machine.move_to(datetime(2023, 1, 2, tzinfo=timezone.utc))  # a live league needs races ahead
    league = League(client, make_user, mode="live")
    round1 = race_id(app, 2023, 1)
    assert league.open(round1).status_code == 409


def test_the_pick_clock_job_never_fires_before_the_deadline(app, client, make_user):
    league = League(client, make_user, pick_seconds=30)
    round1 = race_id(app, 2023, 1)
    league.open(round1)
    draft = draft_row(app, league.id, round1)
    with app.app_context():
        [(job, at)] = Scheduler(queue_name=HIGH, connection=get_redis()).get_jobs(with_times=True)
    assert job.id == expiry_job_id(draft.id, 1)
    # rq-scheduler keeps whole seconds: the job's time must be the deadline rounded up, never down.
    assert (
        draft.pick_deadline.replace(tzinfo=None) <= at < draft.pick_deadline.replace(tzinfo=None) + timedelta(seconds=1)
    )
