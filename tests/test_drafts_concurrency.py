"""Concurrent picks: one slot, one winner; parallel drafts of different leagues stay independent."""
import threading
import time

import pytest
from sqlalchemy import func, insert, select, update

from concurrency import race
from drafts_helpers import League, driver_id, race_id
from engines import postgresql_only
from fantasy.common.clock import utcnow
from fantasy.drafts.models import Draft, Pick
from fantasy.drafts.picking import JUST_TAKEN
from fantasy.extensions import db

pytestmark = pytest.mark.usefixtures("f1")


def pick_count(app, **where) -> int:
    with app.app_context():
        statement = select(func.count()).select_from(Pick)
        for column, value in where.items():
            statement = statement.where(getattr(Pick, column) == value)
        return db.session.scalar(statement)


def test_hundred_concurrent_picks_on_one_slot_make_one_pick(app, client, make_user):
    league = League(client, make_user)
    round1 = race_id(app, 2023, 1)
    state = league.open(round1).get_json()
    on_clock = state["on_the_clock"]
    drivers = state["available_driver_ids"]
    headers = league.players[on_clock]["headers"]

    def send(number):
        return lambda c: c.post(league.url(round1, "/picks"), json={"driver_id": drivers[number % len(drivers)]},
                                headers=headers)

    statuses = race(app, [send(number) for number in range(100)])
    assert sorted(statuses) == [201] + [409] * 99
    assert pick_count(app, league_id=league.id) == 1
    assert league.state(round1)["current_pick"] == 2


def test_picks_that_waited_for_the_lock_find_the_driver_gone(app, client, make_user):
    """Snake turn of two teams: picks 2 and 3 are the same team's. While a pick in flight holds the draft's
    row lock, that team asks for one driver again and again; the pick in flight takes that driver. The
    waiting requests find the team on the clock again and the driver gone: 409, never a 5xx.

    On PostgreSQL the waiting statements read "driver taken" from their snapshot before the wait, so it
    is the unique key at the insert that refuses them (the JUST_TAKEN answer); SQLite's BEGIN IMMEDIATE
    makes them wait before reading anything, so they see the driver taken up front."""
    league = League(client, make_user, size=2)
    round1 = race_id(app, 2023, 1)
    drivers = league.open(round1).get_json()["available_driver_ids"]
    assert league.pick(round1, drivers[0]).status_code == 201
    twice = league.state(round1)["on_the_clock"]
    headers = league.players[twice]["headers"]
    statuses, messages = [], []

    def send(c):
        response = c.post(league.url(round1, "/picks"), json={"driver_id": drivers[1]}, headers=headers)
        messages.append(response.get_json()["message"])
        return response

    with app.app_context(), db.engine.connect() as in_flight:
        draft = in_flight.execute(
            select(Draft.id).where(Draft.league_id == league.id, Draft.race_id == round1).with_for_update()
        ).scalar_one()
        waiting = threading.Thread(target=lambda: statuses.extend(race(app, [send] * 10)))
        waiting.start()
        time.sleep(1)  # the requests queue up on the lock
        in_flight.execute(insert(Pick).values(
            draft_id=draft, league_id=league.id, race_id=round1, pick_number=2, team_id=twice,
            driver_id=drivers[1], autopicked=False, picked_at=utcnow(),
        ))
        in_flight.execute(update(Draft).where(Draft.id == draft).values(current_pick=3))
        in_flight.commit()
        waiting.join()
        dialect = db.engine.dialect.name
    assert statuses == [409] * 10
    if dialect == "postgresql":
        assert JUST_TAKEN in messages, messages
    assert pick_count(app, league_id=league.id) == 2 and league.state(round1)["current_pick"] == 3


def test_fifty_leagues_picking_the_same_driver_at_once_are_independent(app, client, make_user):
    round1 = race_id(app, 2023, 1)
    verstappen = driver_id(app, "max_verstappen")
    sends = []
    leagues = []
    for number in range(50):
        league = League(client, make_user, size=2, name=f"Parallel {number:02d}")
        on_clock = league.open(round1).get_json()["on_the_clock"]
        headers = league.players[on_clock]["headers"]
        url = league.url(round1, "/picks")
        sends.append(lambda c, url=url, headers=headers: c.post(url, json={"driver_id": verstappen}, headers=headers))
        leagues.append(league)
    statuses = race(app, sends)
    assert statuses == [201] * 50
    assert pick_count(app, driver_id=verstappen) == 50
    for league in leagues:
        assert pick_count(app, league_id=league.id) == 1


@postgresql_only("every writing transaction there begins with BEGIN IMMEDIATE (fantasy/common/sqlite.py), so no "
                 "other writer can commit between this transaction's read and its insert")
def test_a_draft_created_meanwhile_by_another_request_is_the_one_used(app, client, make_user):
    """`ensure_draft` found no draft, and another request creates it before this one's insert: the unique key
    refuses the insert inside a savepoint, so only that insert is undone and the other request's draft is
    used; the transaction goes on (it gave a 500 when the insert was flushed outside the savepoint)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from fantasy.drafts.lifecycle import ensure_draft
    from fantasy.drafts.models import DraftState
    from fantasy.f1data.models import Race
    from fantasy.leagues.models import League as LeagueRow

    league = League(client, make_user, size=2)
    round1 = race_id(app, 2023, 1)
    with app.app_context():
        row, race_row = db.session.get(LeagueRow, league.id), db.session.get(Race, round1)

        def created_meanwhile(*_args):
            with Session(db.engine) as other:
                other.add(Draft(league_id=league.id, race_id=round1, state=DraftState.scheduled,
                                method=row.draft_method, picks_per_team=row.picks_per_team))
                other.commit()

        event.listen(db.session(), "before_flush", created_meanwhile, once=True)
        draft = ensure_draft(row, race_row)
        db.session.commit()
        assert db.session.scalars(select(Draft.id).where(Draft.league_id == league.id)).all() == [draft.id]


def test_leaving_while_picks_fly_never_deadlocks_and_never_leaves_the_leaver_a_later_turn(app, client, make_user):
    """The team on the clock leaves while it and the next team pick, several times at once: each answer is
    a clear 2xx/4xx (a leaver no longer sees the private league: 404), never a deadlock's 500 (the leave's
    league lock and a pick's draft lock are never taken in opposite orders); afterwards the leaver holds no
    turn and at most the one pick it made before leaving."""
    league = League(client, make_user, size=4, order_strategy="manual")
    owner_team = next(team for team, user in league.players.items() if user is league.owner)
    order = sorted(team for team in league.players if team != owner_team) + [owner_team]
    round1 = race_id(app, 2023, 1)
    client.put(league.url(round1, "/order"), json={"team_ids": order}, headers=league.owner["headers"])
    drivers = league.open(round1).get_json()["available_driver_ids"]
    leaver, next_team = league.players[order[0]], league.players[order[1]]

    def pick(user, driver):
        return lambda c: c.post(league.url(round1, "/picks"), json={"driver_id": driver}, headers=user["headers"])

    requests = [lambda c: c.post(f"/api/v1/leagues/{league.id}/leave", headers=leaver["headers"])]
    requests += [pick(leaver, drivers[number]) for number in range(4)]
    requests += [pick(next_team, drivers[number]) for number in range(4, 8)]
    statuses = race(app, requests)
    assert statuses[0] == 204 and all(status in (201, 403, 404, 409) for status in statuses[1:]), statuses
    state = league.state(round1)
    by_team = [pick["team_id"] for pick in state["picks"]]
    assert by_team.count(order[0]) <= 1 and by_team.count(order[1]) <= 1
    assert statuses.count(201) == len(by_team)
    assert state["on_the_clock"] != order[0] and state["order"][0]["skipped"] is True
    assert league.lock(round1).status_code == 200
    assert [pick["team_id"] for pick in league.state(round1)["picks"]].count(order[0]) == by_team.count(order[0])
