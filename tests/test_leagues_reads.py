"""A league read says what a client needs next (§11): the caller's team and role and the running or next
draft, without listing races and reading every draft (and without writing one)."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from drafts_helpers import API, League, race_id
from fantasy.drafts.models import Draft
from fantasy.extensions import db

pytestmark = pytest.mark.usefixtures("f1")
AUSTRALIA_QUALIFYING = datetime(2025, 3, 15, 5, 0, tzinfo=timezone.utc)


def read(client, league: League, user=None) -> dict:
    response = client.get(f"{API}/leagues/{league.id}", headers=(user or league.owner)["headers"])
    assert response.status_code == 200
    return response.get_json()


def draft(race: int, round_: int, name: str, state: str, **timing) -> dict:
    return {"race_id": race, "round": round_, "race_name": name, "state": state, "opens_at": None,
            "locks_at": None, "pick_deadline": None, "on_the_clock": None, **timing}


def test_a_replay_league_read_names_my_team_and_the_round_to_play(app, client, make_user):
    league = League(client, make_user, visibility="public")
    owner_team = next(team for team, user in league.players.items() if user is league.owner)
    round1, round2 = race_id(app, 2023, 1), race_id(app, 2023, 2)
    body = read(client, league)
    assert (body["my_team_id"], body["my_role"]) == (owner_team, "owner")
    assert body["current_draft"] == draft(round1, 1, "Bahrain Grand Prix", "scheduled")
    with app.app_context():
        assert db.session.scalar(select(func.count(Draft.id))) == 0
    on_clock = league.open(round1).get_json()["on_the_clock"]
    assert read(client, league)["current_draft"] == draft(
        round1, 1, "Bahrain Grand Prix", "open", on_the_clock=on_clock
    )
    league.lock(round1)
    assert read(client, league)["current_draft"] == draft(round2, 2, "Saudi Arabian Grand Prix", "scheduled")
    mine = client.get(f"{API}/leagues", headers=league.owner["headers"]).get_json()
    assert [(row["id"], row["my_team_id"], row["my_role"]) for row in mine] == [(league.id, owner_team, "owner")]
    stranger = read(client, league, make_user("stranger"))
    assert (stranger["my_team_id"], stranger["my_role"]) == (None, None)


def test_a_live_league_read_gives_the_next_draft_window(app, client, make_user):
    with time_machine.travel(datetime(2025, 1, 6, tzinfo=timezone.utc), tick=False):
        league = League(client, make_user, mode="live", season=2025)
        assert read(client, league)["current_draft"] == draft(
            race_id(app, 2025, 1),
            1,
            "Australian Grand Prix",
            "scheduled",
            opens_at=(AUSTRALIA_QUALIFYING - timedelta(hours=96)).isoformat(),
            locks_at=AUSTRALIA_QUALIFYING.isoformat(),
        )
