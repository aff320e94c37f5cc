"""Commissioner tools racing picks and the pick clock (§14): under the draft's row lock one wins, the other
finds the draft as the first left it (409 where it no longer applies), and no autopick fires for a turn that
was undone, paused or reset."""
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from concurrency import race
from drafts_helpers import League, draft_row, race_id
from fantasy.drafts import picking
from fantasy.drafts.models import Pick
from fantasy.extensions import db
from fantasy.jobs.queues import HIGH, get_queue
from notifications_helpers import drain

pytestmark = pytest.mark.usefixtures("f1")
ROUNDS = 3  # each race is run this many times, in fresh leagues: either side may win any of them


def picks(app, league_id) -> list[tuple[int, int]]:
    with app.app_context():
        return db.session.execute(
            select(Pick.pick_number, Pick.team_id).where(Pick.league_id == league_id).order_by(Pick.pick_number)
        ).all()


def opened(app, client, make_user, **settings):
    league = League(client, make_user, size=3, picks_per_team=1, **settings)
    race_ = race_id(app, 2023, 1)
    order = [entry["team_id"] for entry in league.open(race_).get_json()["order"]]
    return league, race_, order


def post(league, race_, tail, json=None, user=None):
    return lambda c: c.post(league.url(race_, tail), json=json, headers=(user or league.owner)["headers"])


def test_undo_racing_the_next_pick(app, client, make_user):
    """Pick 1 made, B on the clock. Undo of pick 1 (it names it) against B's pick 2: if the undo goes first,
    A is on the clock and B's pick is a 409; if B's pick goes first, the undo finds pick 2 the latest: 409."""
    for _ in range(ROUNDS):
        league, race_, (a, b, c) = opened(app, client, make_user)
        drivers = league.state(race_)["available_driver_ids"]
        assert league.pick(race_, drivers[0]).status_code == 201
        undo, pick = race(app, [post(league, race_, "/undo", {"count": 1, "last_pick_number": 1}),
                                post(league, race_, "/picks", {"driver_id": drivers[1]}, league.players[b])])
        assert sorted([undo, pick]) in ([200, 409], [201, 409]), (undo, pick)
        state = league.state(race_)
        if undo == 200:
            assert picks(app, league.id) == [] and (state["current_pick"], state["on_the_clock"]) == (1, a)
        else:
            assert picks(app, league.id) == [(1, a), (2, b)]
            assert (state["current_pick"], state["on_the_clock"]) == (3, c)


def test_pick_on_behalf_racing_the_teams_own_pick(app, client, make_user):
    """Both for pick 1: one fills it, the other is a 409 (the team's: not its turn any more; the manager's:
    pick 1 is no longer on the clock)."""
    for _ in range(ROUNDS):
        league, race_, (a, b, c) = opened(app, client, make_user)
        drivers = league.state(race_)["available_driver_ids"]
        statuses = race(app, [post(league, race_, "/pick-on-behalf", {"driver_id": drivers[0], "pick_number": 1}),
                              post(league, race_, "/picks", {"driver_id": drivers[1]}, league.players[a])])
        assert sorted(statuses) in ([200, 409], [201, 409]), statuses
        assert picks(app, league.id) == [(1, a)]
        assert league.state(race_)["on_the_clock"] == b


def test_reset_racing_a_pick(app, client, make_user):
    """Whichever goes first, the draft ends open at pick 1 with no picks: a pick before the reset is wiped,
    a pick after it is not the picker's turn."""
    for _ in range(ROUNDS):
        league, race_, (a, b, c) = opened(app, client, make_user)
        drivers = league.state(race_)["available_driver_ids"]
        assert league.pick(race_, drivers[0]).status_code == 201
        reset, pick = race(app, [post(league, race_, "/reset"),
                                 post(league, race_, "/picks", {"driver_id": drivers[1]}, league.players[b])])
        assert reset == 200 and pick in (201, 409), (reset, pick)
        state = league.state(race_)
        after = (picks(app, league.id), state["state"], state["current_pick"], state["on_the_clock"])
        assert after == ([], "open", 1, a)


def test_two_pauses_at_once_one_wins(app, client, make_user):
    league, race_, _ = opened(app, client, make_user, pick_seconds=60)
    assert sorted(race(app, [post(league, race_, "/pause")] * 5)) == [200, 409, 409, 409, 409]
    assert league.state(race_)["paused"] is True


def _expire_during(app, deadline, draft_id, pick_number, send):
    """Past the turn's deadline, run the clock's expiry for `pick_number` on a thread and `send` through the
    API at the same instant; returns (autopicked, status)."""
    barrier, result = threading.Barrier(2), {}

    def expire():
        with app.app_context():
            barrier.wait()
            result["autopicked"] = picking.expire_turn(draft_id, pick_number)

    with time_machine.travel(deadline + timedelta(seconds=1)):
        thread = threading.Thread(target=expire)
        thread.start()
        client = app.test_client()
        barrier.wait()
        result["status"] = send(client).status_code
        thread.join(timeout=60)
    return result["autopicked"], result["status"]


def test_undo_racing_the_clock(app, client, make_user):
    """Pick 1 made; pick 2's clock runs out as the manager undoes pick 1. Either the clock autopicks pick 2
    and the undo (naming pick 1) is a 409, or the undo wins and the expiry finds its turn gone: no autopick."""
    for _ in range(ROUNDS):
        league, race_, (a, b, c) = opened(app, client, make_user, pick_seconds=30)
        assert league.pick(race_, league.state(race_)["available_driver_ids"][0]).status_code == 201
        draft = draft_row(app, league.id, race_)
        autopicked, status = _expire_during(app, draft.pick_deadline, draft.id, 2,
                                            post(league, race_, "/undo", {"count": 1, "last_pick_number": 1}))
        assert (autopicked, status) in ((True, 409), (False, 200)), (autopicked, status)
        if autopicked:
            assert picks(app, league.id) == [(1, a), (2, b)]
        else:
            assert picks(app, league.id) == [] and league.state(race_)["on_the_clock"] == a


def test_pause_racing_the_clock(app, client, make_user):
    """The pause always lands; the expiry either autopicks first (the pause then holds pick 2) or finds the
    turn paused and does nothing."""
    for _ in range(ROUNDS):
        league, race_, (a, b, c) = opened(app, client, make_user, pick_seconds=30)
        draft = draft_row(app, league.id, race_)
        autopicked, status = _expire_during(app, draft.pick_deadline, draft.id, 1, post(league, race_, "/pause"))
        assert status == 200
        state = league.state(race_)
        assert (state["paused"], state["pick_deadline"]) == (True, None)
        assert picks(app, league.id) == ([(1, a)] if autopicked else [])
        assert state["current_pick"] == (2 if autopicked else 1)


def _run_expiry_job(app, draft_id, pick_number) -> None:
    """The clock's job as rq-scheduler hands it over when due, run by a real worker."""
    with app.app_context():
        get_queue(HIGH).enqueue("fantasy.jobs.drafts.expire_turn", draft_id, pick_number)
    drain(app)


def test_the_clock_job_of_a_paused_undone_or_reset_turn_autopicks_nothing(app, client, make_user):
    league, race_, (a, b, c) = opened(app, client, make_user, pick_seconds=30)
    draft = draft_row(app, league.id, race_)
    first_deadline = draft.pick_deadline
    client.post(league.url(race_, "/pause"), headers=league.owner["headers"])
    with time_machine.travel(first_deadline + timedelta(minutes=5)):
        _run_expiry_job(app, draft.id, 1)  # paused: its deadline is gone
        assert picks(app, league.id) == []
        client.post(league.url(race_, "/resume"), headers=league.owner["headers"])
        resumed_deadline = draft_row(app, league.id, race_).pick_deadline
    assert resumed_deadline > first_deadline + timedelta(minutes=5)
    with time_machine.travel(resumed_deadline - timedelta(seconds=1)):
        _run_expiry_job(app, draft.id, 1)  # the old job, late: the resumed turn is not due yet
    assert picks(app, league.id) == []

    league.pick(race_, league.state(race_)["available_driver_ids"][0])
    second_deadline = draft_row(app, league.id, race_).pick_deadline
    client.post(league.url(race_, "/undo"), json={"count": 1}, headers=league.owner["headers"])
    with time_machine.travel(second_deadline + timedelta(seconds=1)):
        _run_expiry_job(app, draft.id, 2)  # pick 2's turn was undone: A is back on pick 1
    assert picks(app, league.id) == []

    league.pick(race_, league.state(race_)["available_driver_ids"][0])
    third_deadline = draft_row(app, league.id, race_).pick_deadline
    client.post(league.url(race_, "/reset"), headers=league.owner["headers"])
    reset_deadline = draft_row(app, league.id, race_).pick_deadline
    with time_machine.travel(third_deadline + timedelta(seconds=1)):
        _run_expiry_job(app, draft.id, 2)  # pick 2's turn went with the reset
    assert picks(app, league.id) == []
    with time_machine.travel(reset_deadline + timedelta(seconds=1)):
        _run_expiry_job(app, draft.id, 1)  # the reset turn's own clock still works
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pick).where(Pick.autopicked.is_(True))) == 1
    assert picks(app, league.id) == [(1, a)]
