"""Concurrent picks: one slot, one winner; parallel drafts of different leagues stay independent."""
import pytest
from sqlalchemy import func, select

from concurrency import race
from drafts_helpers import League, driver_id, f1, race_id  # noqa: F401  (f1 is a fixture)
from fantasy.drafts.models import Pick
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
