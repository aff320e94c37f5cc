"""race_figures ranks draft leagues in the database (one statement per delivery chunk): its figures are each
league's standings read (the Python ranking: points, race wins, best pick, join time; equal teams share a rank)
and the team's points in the race, for a chunk of three rulesets, ties broken by wins, by best pick and by join
time, a tie on all four, a team without picks, a league with one scored race (no previous rank) and a
correction of an earlier race. Standard points of 2023 (official): Bahrain VER 25, PER 18, ALO 15, SAI 12,
HAM 10, RUS 6; Saudi Arabia PER 25, VER 19 (fastest lap), ALO 15, RUS 12, HAM 10; the others picked here 0."""
import pytest
from sqlalchemy import update

from drafts_helpers import API, League, driver_id, race_id
from fantasy.extensions import db
from fantasy.jobs import scoring as scoring_jobs
from fantasy.leagues.models import FantasyTeam
from fantasy.scoring.standings import race_figures

pytestmark = pytest.mark.usefixtures("f1")


def play(app, league: League, round_: int, picks: dict[int, str]) -> int:
    """Round `round_` of 2023 drafted with each team's one pick (team id -> driver ref), locked and scored."""
    race = race_id(app, 2023, round_)
    assert league.open(race).status_code == 200
    for _ in picks:
        team_id = league.state(race)["on_the_clock"]
        assert league.pick(race, driver_id(app, picks[team_id]), team_id).status_code == 201
    assert league.lock(race).status_code == 200
    with app.app_context():
        scoring_jobs.score_race(race)
    return race


def read(client, league: League, race: int) -> dict[int, dict]:
    """Each team's figures as the API shows them: its standings row and its points in the race."""
    headers = league.owner["headers"]
    rows = client.get(f"{API}/leagues/{league.id}/standings", headers=headers).get_json()
    figures = {}
    for row in rows:
        scores = client.get(f"{API}/teams/{row['team_id']}/scores", headers=headers).get_json()
        figures[row["team_id"]] = {
            "round_points": next((score["points"] for score in scores if score["race_id"] == race), 0.0),
            "season_points": row["points"], "rank": row["rank"],
            "previous_rank": None if row["movement"] is None else row["rank"] + row["movement"]}
    return figures


def test_figures_ranked_in_sql_equal_the_standings_reads(app, client, make_user):
    ties = League(client, make_user, size=4, name="Ties", picks_per_team=1)
    t1, t2, t3, t4 = sorted(ties.players)
    with app.app_context():  # t3 and t4 joined at the same instant: equal on everything, they share a rank
        db.session.execute(update(FantasyTeam).where(FantasyTeam.id == t4).values(
            joined_at=db.session.get(FantasyTeam, t3).joined_at))
        db.session.commit()
    breaks = League(client, make_user, size=4, name="Breaks", picks_per_team=1)
    b1, b2, b3, b4 = sorted(breaks.players)
    inverted = League(client, make_user, size=3, name="Inverted", picks_per_team=1, ruleset="inverted")
    fantasy = League(client, make_user, size=3, name="Fantasy", picks_per_team=1, ruleset="fantasy")

    bahrain = play(app, ties, 1, {t1: "max_verstappen", t2: "perez", t3: "tsunoda", t4: "sargeant"})
    play(app, breaks, 1, {b1: "max_verstappen", b2: "hamilton", b3: "perez", b4: "russell"})
    play(app, inverted, 1, dict(zip(sorted(inverted.players), ("max_verstappen", "perez", "alonso"))))
    play(app, fantasy, 1, dict(zip(sorted(fantasy.players), ("max_verstappen", "perez", "alonso"))))
    jeddah = play(app, ties, 2, {t1: "tsunoda", t2: "max_verstappen", t3: "zhou", t4: "hulkenberg"})
    play(app, breaks, 2, {b1: "tsunoda", b2: "alonso", b3: "perez", b4: "max_verstappen"})
    play(app, fantasy, 2, dict(zip(sorted(fantasy.players), ("hamilton", "alonso", "perez"))))
    late = make_user("late")  # joins after both rounds: no picks, no best pick
    joined = client.post(f"{API}/leagues/join", json={"invite_code": ties.created["invite_code"], "team_name": "Late"},
                         headers=late["headers"]).get_json()
    ties.players[joined["id"]] = late

    leagues = [ties, breaks, inverted, fantasy]
    with app.app_context():
        after_jeddah = race_figures(jeddah, [league.id for league in leagues])
        bahrain_corrected = race_figures(bahrain, [league.id for league in leagues])
    # By hand. Ties: t2 37 (a win), t1 25 (a win), t3 and t4 0 (best pick 0, one join time), Late 0 without a
    # best pick; after Bahrain t1 25, t2 18, t3 and t4 0. Breaks, 25 each but b3: b1 has a win, b4 the better
    # best pick (19) than b2 (15); after Bahrain b1 25, b3 18, b2 10, b4 6.
    assert [(after_jeddah[team]["season_points"], after_jeddah[team]["rank"], after_jeddah[team]["previous_rank"])
            for team in (t1, t2, t3, t4, joined["id"])] == [(25.0, 2, 1), (37.0, 1, 2), (0.0, 3, 3), (0.0, 3, 3),
                                                            (0.0, 5, 5)]
    assert [(after_jeddah[team]["round_points"], after_jeddah[team]["season_points"], after_jeddah[team]["rank"],
             after_jeddah[team]["previous_rank"]) for team in (b1, b2, b3, b4)] == [
        (0.0, 25.0, 2, 1), (15.0, 25.0, 4, 3), (25.0, 43.0, 1, 2), (19.0, 25.0, 3, 4)]
    assert {after_jeddah[team]["previous_rank"] for team in inverted.players} == {None}  # one scored race
    expected = {team: figures for league in leagues for team, figures in read(client, league, jeddah).items()}
    assert after_jeddah == expected
    # A correction of Bahrain: its points, and the ranks as the standings read them now (previous: after Bahrain).
    assert bahrain_corrected == {
        team: figures for league in leagues for team, figures in read(client, league, bahrain).items()}
    assert [bahrain_corrected[team]["round_points"] for team in (t1, t2, t3, t4)] == [25.0, 18.0, 0.0, 0.0]
