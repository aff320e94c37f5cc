"""'Your turn' (§9): exactly one notice per turn, to the team whose turn it became when the turn changed,
however late the low-queue worker gets to it."""
from collections import Counter
from datetime import timedelta

import pytest
import time_machine

from drafts_helpers import API, League, draft_row, race_id
from fantasy.common.clock import utcnow
from fantasy.drafts import pick_clock, picking
from fantasy.drafts.models import Draft
from fantasy.extensions import db
from fantasy.jobs.queues import get_queue
from fantasy.leagues.models import FantasyTeam
from fantasy.notifications.hooks import PENDING_TURNS
from notifications_helpers import drain, inbox, pick_all, your_turns

pytestmark = pytest.mark.usefixtures("f1")


@pytest.mark.parametrize("drain_between_picks", [False, True], ids=["picks back to back", "worker keeps up"])
def test_one_your_turn_per_turn_whenever_the_worker_runs(app, client, make_user, drain_between_picks):
    """3 teams × 2 picks, snake: turns 1–6 go to A B C C B A. The team picking twice in a row (C) is told
    twice: each turn has its own clock, and after an autopick its player is not in the room."""
    league = League(client, make_user, size=3, picks_per_team=2, draft_method="snake", name="Snake")
    round1 = race_id(app, 2023, 1)
    drain(app)
    a, b, c = [entry["team_id"] for entry in league.open(round1).get_json()["order"]]
    for _ in range(6):
        if drain_between_picks:
            drain(app)
        pick_all(league, round1, 1)
    assert league.state(round1)["state"] == "complete"
    drain(app)
    assert your_turns(client, league) == {a: [1, 6], b: [2, 5], c: [3, 4]}
    names = {team["id"]: team["name"] for team in client.get(f"{API}/leagues/{league.id}/teams",
                                                              headers=league.owner["headers"]).get_json()}
    draft = draft_row(app, league.id, round1)
    notice = next(item for item in inbox(client, league.players[c]) if item["kind"] == "your_turn")
    assert (notice["race_id"], notice["data"]) == (round1, {
        "draft_id": draft.id, "pick_number": 4, "team_id": c, "team_name": names[c], "league_name": "Snake",
        "pick_deadline": None})  # a replay draft without a pick clock

def test_gaps_between_worker_runs_change_nothing(app, client, make_user):
    """The worker runs at odd moments (after 2 picks, then after 3): still one notice per turn."""
    league = League(client, make_user, size=3, picks_per_team=2, draft_method="snake")
    round1 = race_id(app, 2023, 1)
    a, b, c = [entry["team_id"] for entry in league.open(round1).get_json()["order"]]
    pick_all(league, round1, 2)
    drain(app)
    pick_all(league, round1, 3)
    drain(app)
    pick_all(league, round1, 1)
    drain(app)
    assert your_turns(client, league) == {a: [1, 6], b: [2, 5], c: [3, 4]}


def test_the_clock_autopicks_and_the_next_team_is_told(app, client, make_user):
    """An expired clock autopicks for the absent team (told once, as autopicked) and puts the next team on
    the clock (told once); a lock's autopicks start no turn, so they tell nobody it is their turn."""
    league = League(client, make_user, size=3, picks_per_team=1, pick_seconds=30)
    round1 = race_id(app, 2023, 1)
    a, b, c = [entry["team_id"] for entry in league.open(round1).get_json()["order"]]
    draft = draft_row(app, league.id, round1)
    with time_machine.travel(draft.pick_deadline + timedelta(seconds=1)):
        with app.app_context():
            assert picking.expire_turn(draft.id, 1) is True
    assert league.lock(round1).status_code == 200
    drain(app)
    assert your_turns(client, league) == {a: [1], b: [2], c: []}
    autopicked = {team: Counter(item["kind"] for item in inbox(client, user))["autopicked"]
                  for team, user in league.players.items()}
    assert autopicked == {a: 1, b: 1, c: 1}
    [deadline] = [
        item["data"]["pick_deadline"] for item in inbox(client, league.players[b]) if item["kind"] == "your_turn"
    ]
    assert deadline is not None


def test_a_turn_that_never_committed_is_never_announced(app, client, make_user):
    league = League(client, make_user, size=2)
    round1 = race_id(app, 2023, 1)
    league.open(round1)
    drain(app)
    with app.app_context():
        draft = db.session.get(Draft, draft_row(app, league.id, round1).id)
        draft.current_pick = 2
        pick_clock.start_turn(draft, 0)
        assert list(db.session.info[PENDING_TURNS]) == [draft.id]
        db.session.rollback()
        assert PENDING_TURNS not in db.session.info
        assert get_queue("low").count == 0


def opened_in_known_order(app, client, make_user):
    """3 teams × 1 pick, round 1 open in the order: two members (by team id), then the owner (who cannot leave)."""
    league = League(client, make_user, size=3, picks_per_team=1, order_strategy="manual")
    round1 = race_id(app, 2023, 1)
    owner_team = next(team for team, user in league.players.items() if user is league.owner)
    order = [*sorted(team for team in league.players if team != owner_team), owner_team]
    assert client.put(league.url(round1, "/order"), json={"team_ids": order},
                      headers=league.owner["headers"]).status_code == 200
    assert league.open(round1).status_code == 200
    return league, round1, order


def test_a_skipped_turn_tells_the_team_it_passed_to(app, client, make_user):
    """The team on the clock leaves: its turn passes to the next team, which is told once; the team that
    left keeps the notice of the turn it had. The worker runs only after every pick."""
    league, round1, (a, b, owner_team) = opened_in_known_order(app, client, make_user)
    assert client.post(f"{API}/leagues/{league.id}/leave", headers=league.players[a]["headers"]).status_code == 204
    pick_all(league, round1, 2)
    assert league.state(round1)["state"] == "complete"
    drain(app)
    assert your_turns(client, league) == {a: [1], b: [2], owner_team: [3]}


def test_a_turn_filled_in_the_transaction_that_started_it_is_not_announced(app, client, make_user):
    """A departure whose skip was lost (the draft tick or the lock heal it) is skipped by the lock itself:
    that puts the next team on the clock and the lock's autopick fills the turn at once, so nobody is told."""
    league, round1, (a, b, owner_team) = opened_in_known_order(app, client, make_user)
    with app.app_context():  # a left, but the skip that follows a departure never ran
        db.session.get(FantasyTeam, a).left_at = utcnow()
        db.session.commit()
    assert league.lock(round1).status_code == 200
    drain(app)
    assert your_turns(client, league) == {a: [1], b: [], owner_team: []}
