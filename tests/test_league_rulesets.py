"""League settings meet drafts and scoring: frozen while a draft runs, rulesets (custom ones too) and
re-scoring the season under a new ruleset."""
from datetime import datetime, timedelta, timezone

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from drafts_helpers import API, League, draft_row, race_id
from fantasy.common.redis import get_redis
from fantasy.extensions import db
from fantasy.jobs import scoring as scoring_jobs
from fantasy.jobs.queues import DEFAULT, get_queue
from fantasy.leagues.models import League as LeagueRow
from fantasy.scoring.models import DriverScore
from fantasy.scoring.rules import ruleset_key

pytestmark = pytest.mark.usefixtures("f1")

CUSTOM = {"race_points": [10, 6, 4, 3, 2, 1], "race_fastest_lap": 2, "race_not_classified": -3}


def patch(client, league: League, body: dict, user=None):
    return client.patch(f"{API}/leagues/{league.id}", json=body, headers=(user or league.owner)["headers"])


def test_draft_settings_are_frozen_while_a_draft_runs(app, client, make_user):
    league = League(client, make_user)
    round1 = race_id(app, 2023, 1)
    league.open(round1)
    for body in ({"picks_per_team": 1}, {"draft_method": "sequential"}, {"order_strategy": "random"},
                 {"ruleset": "fantasy"}, {"draft_opens_hours": 48}):
        response = patch(client, league, body)
        assert response.status_code == 409 and "draft is running" in response.get_json()["message"], body
    assert patch(client, league, {"name": "Still Renameable", "pick_seconds": 30}).status_code == 200
    league.lock(round1)
    assert patch(client, league, {"picks_per_team": 1}).status_code == 200


def test_ruleset_change_after_a_scored_race_needs_the_owner_and_a_season_rescore(app, client, make_user):
    league = League(client, make_user)
    round1 = race_id(app, 2023, 1)
    league.open(round1)
    league.lock(round1)
    with app.app_context():
        scoring_jobs.score_race(round1)
    before = {row["team_id"]: row["points"] for row in
              client.get(f"{API}/leagues/{league.id}/standings", headers=league.owner["headers"]).get_json()}

    refused = patch(client, league, {"ruleset": "fantasy"})
    assert refused.status_code == 409 and "rescore_season" in refused.get_json()["message"]
    manager = next(user for user in league.players.values() if user is not league.owner)
    client.patch(f"{API}/leagues/{league.id}/members/{manager['id']}", json={"role": "manager"},
                 headers=league.owner["headers"])
    assert patch(client, league, {"ruleset": "fantasy", "rescore_season": True}, manager).status_code == 403

    accepted = patch(client, league, {"ruleset": "fantasy", "rescore_season": True})
    assert accepted.status_code == 200 and accepted.get_json()["ruleset"] == "fantasy"
    with app.app_context():
        assert f"score-race-{round1}" in get_queue(DEFAULT).job_ids
        SimpleWorker([get_queue(DEFAULT)], connection=get_redis()).work(burst=True)
    after = {row["team_id"]: row["points"] for row in
             client.get(f"{API}/leagues/{league.id}/standings", headers=league.owner["headers"]).get_json()}
    assert after != before
    with app.app_context():
        keys = set(db.session.scalars(select(DriverScore.ruleset).where(DriverScore.race_id == round1)))
    assert keys == {"standard", "fantasy"}


def test_custom_rulesets_are_validated_stored_and_shared_by_content(app, client, make_user):
    first = League(client, make_user, name="Custom One", ruleset=CUSTOM)
    second = League(client, make_user, name="Custom Two", ruleset={**CUSTOM, "sprint_points": []})
    shown = client.get(f"{API}/leagues/{first.id}", headers=first.owner["headers"]).get_json()["ruleset"]
    assert shown == {"race_points": [10, 6, 4, 3, 2, 1], "race_fastest_lap": 2, "race_not_classified": -3}
    halves = League(client, make_user, name="Custom Halves", ruleset={"race_points": [2.5, 1], "disqualified": None})
    assert halves.created["ruleset"] == {"race_points": [2.5, 1], "disqualified": None}
    with app.app_context():
        stored = db.session.get(LeagueRow, first.id).ruleset
    round9 = race_id(app, 2023, 9)
    for league in (first, second):
        league.open(round9)
        league.lock(round9)
    with app.app_context():
        summary = scoring_jobs.score_race(round9)
        keys = set(db.session.scalars(select(DriverScore.ruleset).where(DriverScore.race_id == round9)))
    assert summary["rulesets"] == 1 and keys == {ruleset_key(stored)}
    with app.app_context():
        verstappen = db.session.scalar(select(DriverScore.points).where(DriverScore.ruleset == ruleset_key(stored)))
    assert verstappen is not None


@pytest.mark.parametrize("ruleset", [
    {"race_points": [1] * 31}, {"race_points": [1000]}, {"mystery_bonus": 5}, {"race_points": "lots"},
    {"race_fastest_lap": "NaN"}, {"race_positions_gained": 50}, "made-up", 7, ["standard"],
])
def test_bad_rulesets_are_422(app, client, make_user, ruleset):
    owner = make_user("owner")
    response = client.post(f"{API}/leagues", json={"name": "Bad Rules", "season": 2023, "ruleset": ruleset},
                           headers=owner["headers"])
    assert response.status_code == 422 and "ruleset" in response.get_json()["errors"]["json"]


def test_scheduled_live_drafts_follow_timing_changes(app, client, make_user, time_machine):
    time_machine.move_to(datetime(2025, 1, 6, tzinfo=timezone.utc))  # a live league needs races ahead
    league = League(client, make_user, mode="live", season=2025)
    australia = race_id(app, 2025, 1)
    queued = client.put(league.url(australia, "/queue"), json={"driver_ids": []}, headers=league.owner["headers"])
    assert queued.status_code == 200  # a write: it creates the scheduled draft (a read would not)
    before = draft_row(app, league.id, australia)
    assert patch(client, league, {"draft_opens_hours": 24}).status_code == 200
    after = draft_row(app, league.id, australia)
    assert after.locks_at == before.locks_at and after.opens_at == after.locks_at - timedelta(hours=24)
