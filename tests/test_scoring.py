"""Scoring a race for leagues, idempotently; corrections; standings, tie-breaks, cache and team scores."""
import json
import threading
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import delete, event, select, update

from drafts_helpers import API, League, constructor_id, driver_id, race_id
from fantasy.common.redis import get_redis
from fantasy.drafts.models import Pick
from fantasy.extensions import db
from fantasy.f1data import service as f1data
from fantasy.f1data.ingest import ROW_FIELDS
from fantasy.f1data.models import Race, RaceStatus, SessionKind, SessionResult
from fantasy.jobs import scoring as scoring_jobs
from fantasy.leagues.models import FantasyTeam
from fantasy.scoring.models import DriverScore
from fantasy.scoring.standings import Line, _rank
from scoring_helpers import correct, standings

pytestmark = pytest.mark.usefixtures("f1")


def play_round(app, league: League, season_round: int, picks: list[str] | None = None) -> int:
    """Open a replay round, pick the given drivers in turn (autopick the rest at lock), lock, score."""
    race = race_id(app, 2023, season_round)
    assert league.open(race).status_code == 200
    for ref in picks or []:
        assert league.pick(race, driver_id(app, ref)).status_code == 201
    assert league.lock(race).status_code == 200
    with app.app_context():
        scoring_jobs.score_race(race)
    return race


def official_points(app, race: int) -> dict[int, Decimal]:
    with app.app_context():
        return dict(db.session.execute(
            select(SessionResult.driver_id, SessionResult.points)
            .where(SessionResult.race_id == race, SessionResult.session.in_([SessionKind.race, SessionKind.sprint]))
        ).all())


def team_picks(app, league_id: int) -> dict[int, list[int]]:
    with app.app_context():
        rows = db.session.execute(select(Pick.team_id, Pick.driver_id).where(Pick.league_id == league_id)).all()
    picks: dict[int, list[int]] = {}
    for team_id, driver in rows:
        picks.setdefault(team_id, []).append(driver)
    return picks


def score_rows(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(DriverScore.id, DriverScore.ruleset, DriverScore.race_id, DriverScore.driver_id,
                   DriverScore.points, DriverScore.breakdown, DriverScore.computed_at).order_by(DriverScore.id)
        ).all()


def test_standard_team_totals_equal_official_points_of_their_picks(app, client, make_user):
    league = League(client, make_user)
    race = play_round(app, league, 1, ["max_verstappen", "perez"])
    official = official_points(app, race)
    expected = {team: sum(official[driver] for driver in drivers)
                for team, drivers in team_picks(app, league.id).items()}
    rows = standings(client, league)
    assert {row["team_id"]: Decimal(row["points"]) for row in rows} == expected
    assert [row["rank"] for row in rows] == sorted(row["rank"] for row in rows)
    assert rows[0]["points"] == float(max(expected.values()))


def test_scoring_twice_changes_no_row(app, client, make_user):
    league = League(client, make_user)
    race = play_round(app, league, 1)
    before = score_rows(app)
    assert len(before) == 20  # one per driver of the weekend, for the one ruleset in use
    with app.app_context():
        summary = scoring_jobs.score_race(race)
    assert summary["rulesets_changed"] == 0
    assert score_rows(app) == before


def test_rulesets_are_scored_once_each_and_shared(app, client, make_user):
    leagues = [League(client, make_user, name="Standard A"), League(client, make_user, name="Standard B"),
               League(client, make_user, name="Fantasy C", ruleset="fantasy")]
    race = race_id(app, 2023, 1)
    for league in leagues[:-1]:
        league.open(race)
        league.lock(race)
    with app.app_context():
        assert scoring_jobs.score_race(race)["rulesets"] == 1
    leagues[-1].open(race)
    leagues[-1].lock(race)
    with app.app_context():
        summary = scoring_jobs.score_race(race)
    assert (summary["rulesets"], summary["rulesets_changed"], summary["leagues_newly_scored"]) == (2, 1, 1)
    rows = score_rows(app)
    assert sorted({row.ruleset for row in rows}) == ["fantasy", "standard"] and len(rows) == 40


def test_a_correction_changes_exactly_the_affected_totals_and_the_cache_follows(app, client, make_user):
    league = League(client, make_user)
    race = play_round(app, league, 1, ["max_verstappen", "perez", "alonso"])
    first = {row["team_id"]: row["points"] for row in standings(client, league)}
    standings(client, league)  # cached now
    before = {row.driver_id: row for row in score_rows(app)}
    alonso = driver_id(app, "alonso")
    alonso_team = next(team for team, drivers in team_picks(app, league.id).items() if alonso in drivers)

    def penalise_alonso(rows):  # stewards strip Alonso's podium points
        for row in rows:
            if row["driver_id"] == alonso:
                row["points"] = Decimal(0)

    correct(app, race, SessionKind.race, penalise_alonso)
    with app.app_context():
        summary = scoring_jobs.score_race(race)
    assert summary["leagues_corrected"] == 1
    after = {row.driver_id: row for row in score_rows(app)}
    assert {driver for driver in after if after[driver].points != before[driver].points} == {alonso}
    assert after[alonso].id == before[alonso].id  # updated in place
    fresh = {row["team_id"]: row["points"] for row in standings(client, league)}
    assert Decimal(fresh[alonso_team]) == Decimal(first[alonso_team]) - before[alonso].points
    assert {team for team in fresh if fresh[team] != first[team]} == {alonso_team}


def test_race_standings_and_movement(app, client, make_user):
    league = League(client, make_user)
    race1 = play_round(app, league, 1)
    race9 = play_round(app, league, 9)
    season = standings(client, league)
    assert all(row["movement"] is not None for row in season)
    per_race = {race: {row["team_id"]: Decimal(row["points"]) for row in standings(client, league, race_id=race)}
                for race in (race1, race9)}
    for row in season:
        assert Decimal(row["points"]) == per_race[race1][row["team_id"]] + per_race[race9][row["team_id"]]
    first_ranks = {row["team_id"]: row["rank"] for row in standings(client, league, race_id=race1)}
    for row in season:
        assert row["movement"] == first_ranks[row["team_id"]] - row["rank"]
    assert client.get(f"{API}/leagues/{league.id}/standings", query_string={"race_id": race_id(app, 2023, 5)},
                      headers=league.owner["headers"]).status_code == 404


def test_team_scores_have_per_pick_breakdowns(app, client, make_user):
    league = League(client, make_user)
    race = play_round(app, league, 9, ["max_verstappen"])
    verstappen_team = next(team for team, drivers in team_picks(app, league.id).items()
                           if driver_id(app, "max_verstappen") in drivers)
    response = client.get(f"{API}/teams/{verstappen_team}/scores", headers=league.owner["headers"])
    assert response.status_code == 200
    [austria] = response.get_json()
    assert austria["race_id"] == race
    pick = next(pick for pick in austria["picks"] if pick["driver_ref"] == "max_verstappen")
    # Austria 2023 was a sprint weekend: Verstappen won the sprint (8) and the race with the fastest lap (26).
    assert pick["points"] == 34.0 and pick["breakdown"] == {"race_official": 26.0, "sprint_official": 8.0}
    assert pick["driver"] == {"id": driver_id(app, "max_verstappen"), "code": "VER", "name": "Max Verstappen",
                              "constructor": {"id": constructor_id(app, "red_bull"), "name": "Red Bull"}}
    assert Decimal(austria["points"]) == sum(Decimal(pick["points"]) for pick in austria["picks"])


def test_a_substituted_driver_scores_zero_with_the_reason(app, client, make_user):
    league = League(client, make_user)
    race2 = race_id(app, 2023, 2)
    league.open(race2)
    league.pick(race2, driver_id(app, "de_vries"))
    with app.app_context():  # the classification is withdrawn, then published without him
        db.session.execute(delete(SessionResult).where(SessionResult.race_id == race2))
        db.session.commit()
    league.lock(race2)
    round1, de_vries = race_id(app, 2023, 1), driver_id(app, "de_vries")
    with app.app_context():
        rows = [{name: getattr(row, name) for name in ROW_FIELDS if name != "classified"}
                for row in db.session.scalars(select(SessionResult).where(
                    SessionResult.race_id == round1, SessionResult.session == SessionKind.race))]
        rows = [row for row in rows if row["driver_id"] != de_vries]
        f1data.correct_results(race2, SessionKind.race, rows, actor_id=None)
        scoring_jobs.score_race(race2)
    team = next(team for team, drivers in team_picks(app, league.id).items() if de_vries in drivers)
    scores = client.get(f"{API}/teams/{team}/scores", headers=league.owner["headers"]).get_json()
    pick = next(pick for pick in scores[0]["picks"] if pick["driver_ref"] == "de_vries")
    assert pick["points"] == 0.0 and pick["breakdown"] == {"did_not_take_part": 0.0}
    # Named with the team of the driver's latest classification (round 1's): none in this round.
    assert pick["driver"] == {"id": de_vries, "code": "DEV", "name": "Nyck de Vries",
                              "constructor": {"id": constructor_id(app, "alphatauri"), "name": "AlphaTauri"}}


def test_a_cancelled_race_scores_nothing(app, client, make_user):
    league = League(client, make_user)
    race = race_id(app, 2023, 5)
    league.open(race)
    league.lock(race)
    with app.app_context():
        db.session.execute(update(Race).where(Race.id == race).values(status=RaceStatus.cancelled))
        db.session.commit()
        summary = scoring_jobs.score_race(race)
    assert summary["scored"] and summary["leagues_newly_scored"] == 1
    assert score_rows(app) == []
    assert {row["points"] for row in standings(client, league)} == {0.0}


def test_scoring_waits_for_a_race_classification(app, client, make_user):
    league = League(client, make_user)
    race = race_id(app, 2023, 5)
    league.open(race)
    league.lock(race)
    with app.app_context():  # qualifying is in, the Grand Prix is not classified yet
        db.session.execute(delete(SessionResult).where(SessionResult.race_id == race,
                                                       SessionResult.session == SessionKind.race))
        db.session.commit()
        assert scoring_jobs.score_race(race)["scored"] is False
    assert league.state(race)["state"] == "locked"


def test_standings_are_members_only(app, client, make_user):
    league = League(client, make_user)
    stranger = make_user("stranger")
    assert client.get(f"{API}/leagues/{league.id}/standings", headers=stranger["headers"]).status_code == 404


# --- tie-breaks --------------------------------------------------------------------------------

EARLY, LATE = "2025-01-01T00:00:00+00:00", "2025-02-01T00:00:00+00:00"


def ranks(lines):
    return [(row["team_id"], row["rank"]) for row in _rank(lines)]


def test_points_decide_first():
    assert ranks([Line(1, Decimal(10), 5, Decimal(10), EARLY), Line(2, Decimal(20), 0, Decimal(1), LATE)]) == [
        (2, 1), (1, 2)]


def test_then_more_race_wins():
    assert ranks([Line(1, Decimal(20), 1, Decimal(10), EARLY), Line(2, Decimal(20), 2, Decimal(5), LATE)]) == [
        (2, 1), (1, 2)]


def test_then_the_higher_best_pick():
    assert ranks([Line(1, Decimal(20), 1, Decimal(10), EARLY), Line(2, Decimal(20), 1, Decimal(12), LATE)]) == [
        (2, 1), (1, 2)]


def test_then_the_earlier_join():
    assert ranks([Line(2, Decimal(20), 1, Decimal(10), LATE), Line(1, Decimal(20), 1, Decimal(10), EARLY)]) == [
        (1, 1), (2, 2)]


def test_a_full_tie_shares_the_rank():
    lines = [Line(1, Decimal(30), 2, Decimal(15), EARLY), Line(2, Decimal(20), 1, Decimal(10), EARLY),
             Line(3, Decimal(20), 1, Decimal(10), EARLY), Line(4, Decimal(5), 0, Decimal(5), EARLY)]
    assert [rank for _, rank in ranks(lines)] == [1, 2, 2, 4]


def test_full_tie_in_a_real_league_shares_the_rank(app, client, make_user):
    league = League(client, make_user, size=4, autopick_on_lock=False)
    with app.app_context():
        same = datetime(2025, 1, 1, tzinfo=timezone.utc)
        db.session.execute(update(FantasyTeam).where(FantasyTeam.league_id == league.id).values(joined_at=same))
        db.session.commit()
    play_round(app, league, 1)  # nobody picks: every team 0 on every rule
    assert [row["rank"] for row in standings(client, league)] == [1, 1, 1, 1]


def test_reverse_standings_order_after_a_scored_race(app, client, make_user):
    league = League(client, make_user, size=3, order_strategy="reverse_standings")
    play_round(app, league, 1, ["max_verstappen", "perez", "alonso"])
    totals = {row["team_id"]: (Decimal(row["points"]), row["rank"]) for row in standings(client, league)}
    state = league.open(race_id(app, 2023, 9)).get_json()
    order = [entry["team_id"] for entry in state["order"]]
    assert [totals[team][0] for team in order] == sorted(total for total, _ in totals.values())
    assert order[0] == max(totals, key=lambda team: totals[team][1])  # the last-placed team picks first


def test_cached_standings_follow_renames_and_joins(app, client, make_user):
    league = League(client, make_user)
    play_round(app, league, 1, ["max_verstappen"])
    first = standings(client, league)  # computed and cached
    assert standings(client, league) == first  # served from the cache
    renamed = next(team for team, user in league.players.items() if user is not league.owner)
    response = client.patch(f"{API}/teams/{renamed}", json={"name": "Renamed Racing"},
                            headers=league.players[renamed]["headers"])
    assert response.status_code == 200, response.get_json()
    after_rename = {row["team_id"]: row for row in standings(client, league)}
    assert after_rename[renamed]["team_name"] == "Renamed Racing"
    assert {team: {**row, "team_name": None} for team, row in after_rename.items()} == {
        row["team_id"]: {**row, "team_name": None} for row in first}

    invite = client.get(f"{API}/leagues/{league.id}", headers=league.owner["headers"]).get_json()["invite_code"]
    late = make_user("latecomer")
    joined = client.post(f"{API}/leagues/join", json={"invite_code": invite, "team_name": "Late Entry"},
                         headers=late["headers"]).get_json()
    after_join = {row["team_id"]: row for row in standings(client, league)}
    assert after_join[joined["id"]]["team_name"] == "Late Entry"
    assert after_join[joined["id"]]["points"] == 0.0
    assert set(after_join) == set(after_rename) | {joined["id"]}



def test_a_cached_standings_read_makes_no_sql_and_a_cold_one_four_statements(app, client, make_user, monkeypatch):
    """The read path's budget (bench/README.md): with the token's principal, the caller's league access and
    the standings in Redis a read touches no database at all (no session, no connection checkout, no pre-ping)
    and makes one Redis round trip: the token's, which also reads the access snapshot and the standings the route
    asked for ahead (two before). Cold, it selects the
    user, the league with the caller's membership, the teams and one aggregate, and stores the snapshots on both
    engines (SQLite's too: the access snapshot's generation was read with the token's, before the read transaction
    began; read after it, as before, SQLite's fill was left to the next read, one more statement)."""
    league = League(client, make_user)
    play_round(app, league, 1)
    statements, commands = [], []
    with app.app_context():
        engine = db.engine
        redis = get_redis()
        redis.delete(*redis.keys("snap:*"), *redis.keys("standings:*"))

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def queries():  # not the pool's pre-ping, not SQLite's explicit BEGIN
        taken = [statement for statement in statements if statement.strip().upper() not in ("SELECT 1", "BEGIN")]
        statements[:], commands[:] = [], []
        return taken

    execute_command = type(redis).execute_command
    reader = threading.get_ident()  # not a stream hub's ticks, left running by an earlier test of the process

    def counted(self, *args, **kwargs):
        if threading.get_ident() == reader:
            commands.append(args[0])
        return execute_command(self, *args, **kwargs)

    monkeypatch.setattr(type(redis), "execute_command", counted)
    sessions, new_session = [], db.session.registry.createfunc
    monkeypatch.setattr(db.session.registry, "createfunc",
                        lambda: (threading.get_ident() == reader and sessions.append(1)) or new_session())
    event.listen(engine, "before_cursor_execute", record)
    try:
        standings(client, league)
        cold = queries()
        standings(client, league)
        second = queries()
        sessions.clear()
        standings(client, league)
        hit, hit_commands = list(statements), list(commands)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(cold) == 4, cold
    assert "FROM users" in cold[0]
    assert "FROM leagues LEFT OUTER JOIN memberships" in cold[1]
    assert second == []
    assert hit == []
    assert sessions == []  # not even a SQLAlchemy session is set up and torn down
    assert hit_commands == ["EVAL"], hit_commands
    # A race's standings are not read ahead (the route guesses the season's): two round trips, the same rows.
    first = race_id(app, 2023, 1)
    rows = client.get(f"{API}/leagues/{league.id}/standings", query_string={"race_id": first},
                      headers=league.owner["headers"]).get_json()
    commands.clear()
    again = client.get(f"{API}/leagues/{league.id}/standings", query_string={"race_id": first},
                       headers=league.owner["headers"]).get_json()
    assert commands == ["EVAL", "EVAL"], commands
    assert again == rows and [row["points"] for row in rows] == [row["points"] for row in standings(client, league)]


def test_standings_pages_are_slices_of_the_cached_rows_with_the_pagination_header(app, client, make_user):
    league = League(client, make_user, size=5)
    play_round(app, league, 1)
    everything = standings(client, league)
    assert [row["rank"] for row in everything] == sorted(row["rank"] for row in everything)
    for page in (1, 2, 3, 4):  # page 4 is past the end: empty, as for every paginated list
        response = client.get(f"{API}/leagues/{league.id}/standings", query_string={"page": page, "page_size": 2},
                              headers=league.owner["headers"])
        assert response.status_code == 200
        assert response.get_json() == everything[(page - 1) * 2:page * 2]
        assert json.loads(response.headers["X-Pagination"])["total"] == 5
    bad = client.get(f"{API}/leagues/{league.id}/standings", query_string={"page_size": 1000},
                     headers=league.owner["headers"])
    assert bad.status_code == 422 and bad.get_json()["code"] == 422


def test_a_cache_entry_of_an_earlier_form_is_a_miss_not_an_error(app, client, make_user):
    """Entries written before rows were cached as JSON texts (stamp without the format) are recomputed."""
    league = League(client, make_user, size=2)
    play_round(app, league, 1)
    expected = standings(client, league)
    with app.app_context():
        redis = get_redis()
        key = f"standings:{league.id}:season"
        stamp = json.loads(redis.get(key))["stamp"]  # [format, ruleset, roster..., its version, league version]
        redis.set(key, json.dumps({"stamp": stamp[-5:], "rows": expected}))  # as session 2 wrote them
    assert standings(client, league) == expected


def test_a_new_league_never_gets_the_cached_standings_of_a_deleted_one(app, client, make_user):
    """SQLite hands a deleted league's id to the next league; its cache entries must not apply to it, even
    when both leagues have seen as many roster changes (one join each here)."""
    gone = League(client, make_user, size=2, name="Gone")
    play_round(app, gone, 1, ["max_verstappen"])
    assert any(row["points"] != 0.0 for row in standings(client, gone))  # cached now
    assert client.delete(f"{API}/leagues/{gone.id}", headers=gone.owner["headers"]).status_code == 204
    owner, joiner = make_user("newcomer"), make_user("second")
    created = client.post(f"{API}/leagues", json={"name": "Fresh", "season": 2023, "mode": "replay"},
                          headers=owner["headers"]).get_json()
    assert client.post(f"{API}/leagues/join", json={"invite_code": created["invite_code"], "team_name": "Second"},
                       headers=joiner["headers"]).status_code == 201
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert created["id"] == gone.id  # the case this test is about
    response = client.get(f"{API}/leagues/{created['id']}/standings", headers=owner["headers"])
    assert response.status_code == 200, response.get_json()
    assert sorted((row["team_name"], row["points"]) for row in response.get_json()) == [
        ("Second", 0.0), ("newcomer", 0.0)]
