"""Locking salary-cap rounds: racing PUTs of one lineup leave exactly one of them whole; the lock notifies
each team with its lineup and scores the round through the usual job; live rounds lock on the draft tick at
the weekend's first scored session (the sprint qualifying on a sprint weekend)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from time_machine import travel

from concurrency import race
from drafts_helpers import API, League, driver_id, race_id
from fantasy.auth.models import User
from fantasy.errors import Conflict
from fantasy.extensions import db
from fantasy.jobs.drafts import draft_tick
from fantasy.leagues.models import FantasyTeam
from fantasy.lineups import service
from fantasy.lineups.models import Lineup, LineupAsset, LineupRound
from fantasy.market.service import price_season
from lineups_helpers import CapLeague
from notifications_helpers import drain, inbox

AUSTRALIA_QUALIFYING = datetime(2025, 3, 15, 5, 0, tzinfo=timezone.utc)
CHINA_SPRINT_QUALIFYING = datetime(2025, 3, 21, 7, 30, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)
FIRST = (["max_verstappen", "alonso", "stroll", "albon", "hulkenberg"], ["aston_martin", "williams"])
OTHER = (["perez", "norris", "gasly", "zhou", "sargeant"], ["mclaren", "haas"])


def stored_assets(app, team: int) -> list[set]:
    with app.app_context():
        rows = db.session.scalars(select(Lineup).where(Lineup.team_id == team)).all()
        return [{(asset.driver_id, asset.constructor_id) for asset in db.session.scalars(LineupAsset.of_lineup(row.id))}
                for row in rows]


@pytest.mark.usefixtures("priced")
def test_racing_puts_of_one_lineup_leave_exactly_one_of_them(app, client, make_user):
    league = CapLeague(client, make_user, app, size=2)
    a = league.teams[0]
    bodies = [{"driver_ids": [driver_id(app, ref) for ref in drivers],
               "constructor_ids": [league_constructor for league_constructor in constructors]}
              for drivers, constructors in ((FIRST[0], [5, 4]), (OTHER[0], [1, 10]))]
    url, headers = league.lineup_url(a, 1), league.players[a]["headers"]
    statuses = race(app, [lambda c, body=bodies[number % 2]: c.put(url, json=body, headers=headers)
                          for number in range(12)])
    assert set(statuses) <= {200, 409} and 200 in statuses, statuses
    expected = [{(driver, None) for driver in body["driver_ids"]} | {(None, team) for team in body["constructor_ids"]}
                for body in bodies]
    stored = stored_assets(app, a)
    assert len(stored) == 1 and stored[0] in expected, stored
    shown = client.get(url, headers=headers).get_json()
    assert {(driver["id"], None) for driver in shown["drivers"]} | {
        (None, team["id"]) for team in shown["constructors"]} == stored[0]


@pytest.mark.usefixtures("priced")
def test_the_lock_notifies_each_team_with_its_lineup_and_scores_the_round(app, client, make_user):
    league = CapLeague(client, make_user, app)
    a, b, c = league.teams
    league.put(a, 1, *FIRST, boost="alonso")
    league.put(b, 1, *OTHER)
    drain(app)
    assert league.lock_round(1).status_code == 200
    drain(app)  # the real worker: the notification delivery and the race's scoring job
    notices = [item for item in inbox(client, league.players[a]) if item["kind"] == "lineup_locked"]
    assert len(notices) == 1
    notice = notices[0]
    assert (notice["league_id"], notice["race_id"]) == (league.id, race_id(app, 2023, 1))
    data = notice["data"]
    assert (data["team_id"], data["round"], data["race_name"], data["league_name"]) == (
        a, 1, "Bahrain Grand Prix", "Cap League")
    assert [(d["code"], d["price"], d["multiplier"]) for d in data["drivers"]] == [
        ("VER", 28.0, 1), ("ALO", 13.5, 2), ("STR", 7.9, 1), ("ALB", 5.8, 1), ("HUL", 5.0, 1)]
    assert [(team["name"], team["price"]) for team in data["constructors"]] == [("Aston Martin", 10.2),
                                                                                ("Williams", 6.0)]
    assert (data["bank"], data["team_value"], data["transfers"], data["penalty"], data["chip"]) == (
        23.6, 100.0, 0, 0, None)
    other = [item for item in inbox(client, league.players[b]) if item["kind"] == "lineup_locked"]
    assert [item["data"]["team_id"] for item in other] == [b]
    assert [item for item in inbox(client, league.players[c]) if item["kind"] == "lineup_locked"] == []
    with app.app_context():  # scored by the usual score-race job the lock queued
        locked = db.session.scalars(select(LineupRound).where(LineupRound.league_id == league.id)).one()
        assert locked.scored_at is not None


@pytest.fixture
def live_2025(app, f1, time_machine):
    """A live league needs races ahead: the HTTP calls run in January 2025, the ticks travel from there."""
    time_machine.move_to(datetime(2025, 1, 6, tzinfo=timezone.utc))
    with app.app_context():
        price_season(2025)


def tick(app, at: datetime) -> dict:
    with travel(at, tick=False), app.app_context():
        return draft_tick()


@pytest.mark.usefixtures("live_2025")
def test_live_rounds_lock_on_the_tick_at_the_first_scored_session(app, client, make_user, time_machine):
    league = League(client, make_user, size=2, mode="live", season=2025, format="salary_cap")
    team = min(league.players)
    body = {"driver_ids": [driver_id(app, ref) for ref in ("max_verstappen", "hulkenberg", "stroll", "albon",
                                                            "gasly")], "constructor_ids": [5, 4]}
    australia, china = race_id(app, 2025, 1), race_id(app, 2025, 2)
    url = f"{API}/leagues/{league.id}/teams/{team}/lineups/{australia}"
    response = client.put(url, json=body, headers=league.players[team]["headers"])
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["locks_at"] == AUSTRALIA_QUALIFYING.isoformat()
    assert tick(app, AUSTRALIA_QUALIFYING - SECOND)["lineup_rounds_locked"] == 0
    with travel(AUSTRALIA_QUALIFYING, tick=False), app.app_context():
        user = db.session.get(User, league.players[team]["id"])
        with pytest.raises(Conflict, match="Round 1 is locked: its lineups can no longer change"):
            service.set_lineup(league.id, team, australia, user, {**body, "boost_driver_id": None, "chip": None,
                                                                   "extra_boost_driver_id": None})
    assert tick(app, AUSTRALIA_QUALIFYING)["lineup_rounds_locked"] == 1
    assert tick(app, AUSTRALIA_QUALIFYING + SECOND)["lineup_rounds_locked"] == 0  # idempotent
    # A league created after Australia's lock plays from China on: Australia never locks for it.
    time_machine.move_to(AUSTRALIA_QUALIFYING + timedelta(hours=1))
    late = League(client, make_user, size=2, mode="live", season=2025, format="salary_cap")
    late_team = min(late.players)
    opened = client.get(f"{API}/leagues/{late.id}/teams/{late_team}/lineups/{china}",
                        headers=late.players[late_team]["headers"]).get_json()
    assert (opened["state"], opened["locks_at"]) == ("open", CHINA_SPRINT_QUALIFYING.isoformat())
    before = client.get(f"{API}/leagues/{late.id}/teams/{late_team}/lineups/{australia}",
                        headers=late.players[late_team]["headers"])
    assert before.status_code == 404 and before.get_json()["message"] == (
        "Round 1 is not played in this league: cancelled, or it locked before the league's first round")
    assert client.put(f"{API}/leagues/{late.id}/teams/{late_team}/lineups/{china}", json=body,
                      headers=late.players[late_team]["headers"]).status_code == 200
    assert tick(app, AUSTRALIA_QUALIFYING + 2 * SECOND)["lineup_rounds_locked"] == 0
    # China is a sprint weekend and f1_fantasy_2025 scores sprints: it locks at the sprint qualifying.
    assert tick(app, CHINA_SPRINT_QUALIFYING - SECOND)["lineup_rounds_locked"] == 0
    assert tick(app, CHINA_SPRINT_QUALIFYING)["lineup_rounds_locked"] == 2
    with app.app_context():
        rounds = db.session.execute(select(LineupRound.league_id, LineupRound.race_id, Lineup.team_id, Lineup.transfers)
                                    .join(Lineup, Lineup.race_id == LineupRound.race_id)
                                    .join(FantasyTeam, (FantasyTeam.id == Lineup.team_id)
                                          & (FantasyTeam.league_id == LineupRound.league_id))
                                    .order_by(LineupRound.id)).all()
    assert sorted(tuple(row) for row in rounds) == sorted([(league.id, australia, team, 0), (league.id, china, team, 0),
                                                           (late.id, china, late_team, 0)])


@pytest.mark.usefixtures("live_2025")
def test_a_live_round_reads_locked_from_its_lock_time_before_the_tick_writes_it(app, client, make_user, time_machine):
    time_machine.move_to(AUSTRALIA_QUALIFYING - 5 * 60 * SECOND)  # the tokens are good for 15 minutes
    league = League(client, make_user, size=3, mode="live", season=2025, format="salary_cap")
    owner_team, other_team, idle_team = sorted(league.players)
    australia, china = race_id(app, 2025, 1), race_id(app, 2025, 2)
    body = {"driver_ids": [driver_id(app, ref) for ref in ("max_verstappen", "hulkenberg", "stroll", "albon",
                                                            "gasly")], "constructor_ids": [5, 4]}

    def lineup(team: int, race: int, as_team: int | None = None):
        return client.get(f"{API}/leagues/{league.id}/teams/{team}/lineups/{race}",
                          headers=league.players[as_team or team]["headers"])

    def lineup_states() -> list:
        rows = client.get(f"{API}/leagues/{league.id}/races", headers=league.owner["headers"]).get_json()
        return [row["lineup_state"] for row in rows[:3]]

    for team in (owner_team, other_team):
        assert client.put(f"{API}/leagues/{league.id}/teams/{team}/lineups/{australia}", json=body,
                          headers=league.players[team]["headers"]).status_code == 200
    assert lineup_states() == ["open", "upcoming", "upcoming"]
    assert lineup(other_team, australia, as_team=owner_team).status_code == 404  # private while open
    # Half a minute after qualifying began, before the tick: round 1 is locked for every reader.
    time_machine.move_to(AUSTRALIA_QUALIFYING + 30 * SECOND)
    assert lineup_states() == ["locked", "open", "upcoming"]
    own = lineup(owner_team, australia).get_json()
    assert (own["state"], own["locked_at"], own["carried_over"]) == ("locked", None, False)
    assert [driver["id"] for driver in own["drivers"]] == body["driver_ids"]
    other = lineup(other_team, australia, as_team=owner_team)
    assert other.status_code == 200 and other.get_json()["state"] == "locked"
    idle = lineup(idle_team, australia)
    assert idle.status_code == 404 and idle.get_json()["message"] == (
        "No lineup in round 1: this team had none when the round locked (it scores 0)")
    assert lineup(owner_team, china).get_json()["state"] == "open"
    # The tick writes it; the reads say the same, now with the lock's time.
    assert tick(app, AUSTRALIA_QUALIFYING + 30 * SECOND)["lineup_rounds_locked"] == 1
    assert lineup_states() == ["locked", "open", "upcoming"]
    written = lineup(owner_team, australia).get_json()
    assert (written["state"], written["locked_at"]) == ("locked", (AUSTRALIA_QUALIFYING + 30 * SECOND).isoformat())
    assert [driver["id"] for driver in written["drivers"]] == body["driver_ids"]
