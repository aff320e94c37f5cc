"""race_scored and scores_corrected: each team's figures (§9), computed by hand from the bundled 2023 results
(standard ruleset: official points; rounds 1 and 2 had no sprint), stored exactly once, and never lost to a
failure to queue their jobs after the scoring's commit (issue 17 item 4)."""
from datetime import timedelta
from decimal import Decimal

import pytest
import redis
from sqlalchemy import func, select

from drafts_helpers import League, driver_id, race_id
from fantasy.common.clock import utcnow
from fantasy.extensions import db
from fantasy.f1data import service as f1data
from fantasy.f1data.ingest import ROW_FIELDS
from fantasy.f1data.models import SessionKind, SessionResult
from fantasy.jobs import notifications as notification_jobs
from fantasy.jobs import scoring as scoring_jobs
from fantasy.jobs.queues import get_queue
from fantasy.notifications import hooks
from fantasy.notifications.models import Notification, PendingDelivery
from notifications_helpers import drain, inbox, names, play

pytestmark = pytest.mark.usefixtures("f1")


def figures(client, league: League, kind: str, race: int) -> dict[str, dict]:
    """Each team's one notification of this kind and race, by team name, without the names every one shares."""
    found = {}
    for team_id, user in league.players.items():
        [note] = [item for item in inbox(client, user) if item["kind"] == kind and item["race_id"] == race]
        assert note["league_id"] == league.id and note["data"]["team_id"] == team_id
        found[note["data"]["team_name"]] = {key: value for key, value in note["data"].items()
                                            if key not in ("team_id", "team_name")}
    return found


def expect(race: tuple[str, int], round_points: float, season_points: float, rank: int,
           previous_rank: int | None) -> dict:
    return {"league_name": "Figures", "race_name": race[0], "season": 2023, "round": race[1],
            "round_points": round_points, "season_points": season_points, "rank": rank, "previous_rank": previous_rank}


BAHRAIN, SAUDI = ("Bahrain Grand Prix", 1), ("Saudi Arabian Grand Prix", 2)


def test_scored_and_corrected_races_carry_round_points_season_total_and_rank_change(app, client, make_user):
    league = League(client, make_user, size=3, name="Figures", picks_per_team=1)
    owner = names(league)[next(team for team, user in league.players.items() if user is league.owner)]
    # The owner's team has the owner's name; the others are Figures 1 and Figures 2.
    bahrain = play(app, league, 1, {owner: "max_verstappen", "Figures 1": "perez", "Figures 2": "alonso"})
    assert figures(client, league, "race_scored", bahrain) == {
        owner: expect(BAHRAIN, 25.0, 25.0, 1, None),
        "Figures 1": expect(BAHRAIN, 18.0, 18.0, 2, None),
        "Figures 2": expect(BAHRAIN, 15.0, 15.0, 3, None),
    }
    # Saudi Arabia: Pérez won (25), Verstappen second with the fastest lap (19), Tsunoda eleventh (0).
    jeddah = play(app, league, 2, {owner: "tsunoda", "Figures 1": "perez", "Figures 2": "max_verstappen"})
    assert figures(client, league, "race_scored", jeddah) == {
        owner: expect(SAUDI, 0.0, 25.0, 3, 1),
        "Figures 1": expect(SAUDI, 25.0, 43.0, 1, 2),
        "Figures 2": expect(SAUDI, 19.0, 34.0, 2, 3),
    }

    perez = driver_id(app, "perez")
    with app.app_context():  # the stewards disqualify Pérez, through the admin's correction path
        rows = [{name: getattr(row, name) for name in ROW_FIELDS if name != "classified"}
                for row in db.session.scalars(select(SessionResult).where(
                    SessionResult.race_id == jeddah, SessionResult.session == SessionKind.race))]
        for row in rows:
            if row["driver_id"] == perez:
                row["points"] = Decimal(0)
        f1data.correct_results(jeddah, SessionKind.race, rows, actor_id=None)
    drain(app)  # the correction queues the re-score, which queues the delivery
    # The season standings as they read now: the rank change is the one a standings read shows (movement),
    # against the rank after the league's previous scored race.
    assert figures(client, league, "scores_corrected", jeddah) == {
        owner: expect(SAUDI, 0.0, 25.0, 2, 1),
        "Figures 1": expect(SAUDI, 0.0, 18.0, 3, 2),
        "Figures 2": expect(SAUDI, 19.0, 34.0, 1, 3),
    }
    for user in league.players.values():
        assert sorted(item["kind"] for item in inbox(client, user) if item["race_id"] in (bahrain, jeddah)
                      and item["kind"] in ("race_scored", "scores_corrected")) == [
            "race_scored", "race_scored", "scores_corrected"]


def scored_with_deliveries_waiting(app, client, make_user, monkeypatch) -> tuple[list[League], int]:
    """Two leagues (3 and 2 teams) lock Bahrain and it is scored; its race_scored deliveries, one per league,
    are waiting (queued, or not if queueing failed)."""
    monkeypatch.setattr(hooks, "LEAGUES_PER_DELIVERY", 1)
    leagues = [League(client, make_user, size=size, name=f"Outbox {size}", picks_per_team=1) for size in (3, 2)]
    race = race_id(app, 2023, 1)
    for league in leagues:
        assert league.open(race).status_code == 200 and league.lock(race).status_code == 200  # autopicks
    with app.app_context():
        scoring_jobs.score_race(race)
    return leagues, race


def stored(app, kind: str = "race_scored") -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == kind))


def pending(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PendingDelivery))


def test_a_delivery_chunk_that_runs_again_stores_nothing_twice(app, client, make_user, monkeypatch):
    leagues, race = scored_with_deliveries_waiting(app, client, make_user, monkeypatch)
    with app.app_context():
        jobs = [job for job in get_queue("low").jobs
                if job.func_name.endswith(".deliver") and job.args[0] == "race_scored"]
        assert [len(job.args[1]["league_ids"]) for job in jobs] == [1, 1] and pending(app) == 2
        first = [notification_jobs.deliver(*job.args) for job in jobs]
        again = [notification_jobs.deliver(*job.args) for job in jobs]  # as a retry after a lost ack would
        # Even past the finished chunk's outbox row (two deliveries at once): the delivery keys hold.
        raced = [notification_jobs.deliver(job.args[0], {**job.args[1], "pending_id": None}) for job in jobs]
    assert (first, again, raced) == ([3, 2], [0, 0], [0, 0])
    drain(app)  # the queued jobs themselves: a third run
    assert stored(app) == 3 + 2 and pending(app) == 0
    for league in leagues:
        for user in league.players.values():
            assert [item["kind"] for item in inbox(client, user)].count("race_scored") == 1


def test_deliveries_that_could_not_be_queued_after_the_commit_arrive_through_the_outbox_sweep(
        app, client, make_user, monkeypatch, tmp_path):
    gone = redis.Redis.from_url(f"unix://{tmp_path}/gone.sock", socket_connect_timeout=1)
    with monkeypatch.context() as outage:  # Redis fails right after the scoring's commit, for the hooks only
        outage.setattr(hooks, "get_redis", lambda: gone)
        leagues, race = scored_with_deliveries_waiting(app, client, make_user, monkeypatch)
    drain(app)  # everything that was queued (the lock's own score job scores nothing new)
    assert stored(app) == 0 and pending(app) == 2
    with app.app_context():
        assert notification_jobs.redeliver_pending() == 0  # within the grace: a job may still be on its way
        late = utcnow() + notification_jobs.PENDING_GRACE + timedelta(seconds=1)
        get_queue("low").enqueue(notification_jobs.redeliver_pending, late)  # the sweep, on a real worker
    drain(app)
    assert stored(app) == 3 + 2 and pending(app) == 0
    for league in leagues:
        for team_id, user in league.players.items():
            [note] = [item for item in inbox(client, user) if item["kind"] == "race_scored"]
            assert (note["race_id"], note["league_id"], note["data"]["team_id"]) == (race, league.id, team_id)
