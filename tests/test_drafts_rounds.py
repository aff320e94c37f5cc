"""Which rounds can be played (§7): the league's races say so, opening one that cannot be scored is a 409
that says why, and a locked round that cannot be scored shows it in its draft state."""
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from drafts_helpers import API, League, no_results, race_id, why
from fantasy.drafts.models import Draft
from fantasy.extensions import db

pytestmark = pytest.mark.usefixtures("f1")


def races(client, league: League) -> dict[int, dict]:
    response = client.get(f"{API}/leagues/{league.id}/races", headers=league.owner["headers"])
    assert response.status_code == 200
    return {row["round"]: row for row in response.get_json()}


def test_a_round_without_results_is_listed_unplayable_and_cannot_be_opened(app, client, make_user):
    league = League(client, make_user)
    round1, round2 = race_id(app, 2023, 1), race_id(app, 2023, 2)
    no_results(app, round2)
    listed = races(client, league)
    assert len(listed) == 22
    assert {
        key: listed[1][key] for key in ("race_id", "name", "status", "draft_state", "playable", "unplayable_reason")
    } == {
        "race_id": round1,
        "name": "Bahrain Grand Prix",
        "status": "completed",
        "draft_state": "scheduled",
        "playable": True,
        "unplayable_reason": None,
    }
    assert (listed[2]["playable"], listed[2]["unplayable_reason"]) == (False, why(2))
    refused = league.open(round2)
    assert refused.status_code == 409 and refused.get_json()["message"] == why(2)
    state = league.state(round2)
    assert (state["state"], state["playable"], state["unplayable_reason"]) == ("scheduled", False, why(2))
    with app.app_context():
        assert db.session.scalar(select(func.count(Draft.id))) == 0
    assert league.open(round1).status_code == 200


def test_a_locked_round_that_cannot_be_scored_says_so(app, client, make_user):
    league = League(client, make_user, ruleset={"race_points": [10, 5], "qualifying_points": [3]})
    round3 = race_id(app, 2023, 3)
    opened = league.open(round3).get_json()
    assert (opened["playable"], opened["unplayable_reason"]) == (True, None)
    no_results(app, round3)
    locked = league.lock(round3).get_json()
    assert (locked["state"], locked["playable"], locked["unplayable_reason"]) == (
        "locked", False, why(3, "race or qualifying"))
    assert {key: races(client, league)[3][key] for key in ("draft_state", "playable", "unplayable_reason")} == {
        "draft_state": "locked", "playable": False, "unplayable_reason": why(3, "race or qualifying")}


def test_a_live_leagues_rounds_are_playable_before_their_results(app, client, make_user):
    with time_machine.travel(datetime(2025, 1, 6, tzinfo=timezone.utc), tick=False):
        league = League(client, make_user, mode="live", season=2025)
        listed = races(client, league)
    assert len(listed) == 24
    assert {(row["playable"], row["draft_state"]) for row in listed.values()} == {(True, "scheduled")}
