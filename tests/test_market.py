"""Prices of a season (§13) from the bundled 2023 data: the replay command, the hand-checked moves, the
derived opening prices, and a correction re-pricing the rounds no lineup locked at, by a real worker."""
import threading
import time

import pytest
from sqlalchemy import delete, select

from drafts_helpers import API, driver_id, race_id
from fantasy.common.redis import get_redis
from fantasy.extensions import db
from fantasy.f1data.events import results_changed
from fantasy.f1data.models import Race, RaceStatus, ResultState, SessionKind, SessionResult
from fantasy.jobs import market as market_jobs
from fantasy.jobs.queues import LOW, get_queue
from fantasy.market.models import AssetPrice
from fantasy.market.service import _write, price_season
from fantasy.scoring.models import AssetScore
from scoring_helpers import result_rows, work_low

pytestmark = pytest.mark.usefixtures("f1")


def history(client, ref_or_id, kind="drivers", year=2023) -> dict:
    response = client.get(f"{API}/seasons/{year}/{kind}/{ref_or_id}/market")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def prices_of(client, app, ref: str, year=2023) -> list[str]:
    """The asset's stored prices, round by round (rounds scored but not priced yet are left out)."""
    rounds = history(client, driver_id(app, ref), year=year)["rounds"]
    return [row["price"] for row in rounds if row["price"] is not None]


def price_rows(app) -> list[tuple]:
    with app.app_context():
        db.session.remove()
        return [tuple(row) for row in db.session.execute(select(
            AssetPrice.id, AssetPrice.season_year, AssetPrice.round, AssetPrice.driver_id, AssetPrice.constructor_id,
            AssetPrice.price, AssetPrice.stored_at).order_by(AssetPrice.id))]


def test_one_command_scores_and_prices_the_whole_2023_season(app, client, runner):
    result = runner.invoke(args=["prices", "replay", "2023", "--show-round", "5", "--top", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:1] == [
        "season=2023 opening=bundled rounds_rescored=[" + ", ".join(map(str, range(1, 23))) + "] "
        "rounds_priced=[" + ", ".join(map(str, range(2, 23))) + "] rounds_repriced=[]"]
    assert result.output.splitlines()[-3:] == [
        "| 1 | Max Verstappen | driver | 29.2 | +0.3 |",
        "| 2 | Red Bull | constructor | 29.2 | +0.3 |",
        "| 3 | Ferrari | constructor | 24.8 | +0.3 |",
    ]
    assert len(price_rows(app)) == 22 * 32  # 22 rounds x (22 drivers + 10 constructors)

    # Gasly: the window slides. f1_fantasy_2025 points 13, 3, -2, 7, 7 in rounds 1-5; opening 8.8.
    #   after R1: 13 / 8.8 = 1.48 -> +0.6 = 9.4; after R2: (13 + 3) / 2 = 8 / 9.4 = 0.85 -> -0.2 = 9.2;
    #   after R3: (13 + 3 - 2) / 3 = 4.67 / 9.2 = 0.51 -> -0.6 = 8.6; after R4: R1 leaves the window,
    #   (3 - 2 + 7) / 3 = 2.67 / 8.6 = 0.31 -> -0.6 = 8.0; after R5: (-2 + 7 + 7) / 3 = 4 / 8.0 = 0.5 -> 7.4.
    gasly = history(client, driver_id(app, "gasly"))
    assert [(row["round"], row["points"], row["price"], row["change"]) for row in gasly["rounds"][:6]] == [
        (1, 13.0, 8.8, None), (2, 3.0, 9.4, 0.6), (3, -2.0, 9.2, -0.2),
        (4, 7.0, 8.6, -0.6), (5, 7.0, 8.0, -0.6), (6, 10.0, 7.4, -0.6)]
    assert gasly["asset"] == {"kind": "driver", "id": driver_id(app, "gasly"), "ref": "gasly",
                              "name": "Pierre Gasly", "code": "GAS"}
    # Hamilton crosses into the upper band: 16, 15, 27, 14, 15 from 18.1. After R1 16 / 18.1 = 0.88 -> -0.2;
    # R2 15.5 / 17.9 = 0.87 -> -0.2; R3 19.33 / 17.7 = 1.09 -> +0.2; R4 18.67 / 17.9 = 1.04 -> +0.2;
    # R5 18.67 / 18.1 = 1.03 -> +0.2 = 18.3; from 18.5 the steps are +-0.1 and +-0.3.
    assert prices_of(client, app, "hamilton")[:6] == [18.1, 17.9, 17.7, 17.9, 18.1, 18.3]
    # Verstappen stays over 1.2 per million in the upper band: +0.3 a round.
    assert prices_of(client, app, "max_verstappen")[:6] == [28.0, 28.3, 28.6, 28.9, 29.2, 29.5]
    # Piastri at the floor: -20 at 4.7 -> 4.1, held at 4.5; (-20 - 5) / 2 and (-20 - 5 + 12) / 3 stay under
    # 0.6; (-5 + 12 + 1) / 3 = 2.67 / 4.5 = 0.59 -> -0.6, held; (12 + 1 + 0) / 3 = 4.33 / 4.5 = 0.96 -> +0.2.
    assert prices_of(client, app, "piastri")[:6] == [4.7, 4.5, 4.5, 4.5, 4.5, 4.7]

    stored = price_rows(app)
    again = runner.invoke(args=["prices", "replay", "2023"])
    assert again.output.splitlines()[0] == (
        "season=2023 opening=None rounds_rescored=[] rounds_priced=[] rounds_repriced=[]")
    assert price_rows(app) == stored  # idempotent: nothing rewritten


def test_opening_prices_are_derived_from_the_previous_stored_season(app, client):
    with app.app_context():
        price_season(2023)
        summary = price_season(2025)  # no bundled 2025 list: from 2023's final standings
    assert summary["opening"] == "derived from 2023" and summary["rounds_priced"] == [2]
    prices = {row["asset"]["ref"]: row["price"] for row in
              client.get(f"{API}/seasons/2025/rounds/1/prices", query_string={"page_size": 100}).get_json()}
    # 2023 drivers: Verstappen 1st of 22 -> 28.0; Hamilton 3rd -> 4.5 + 23.5 x (19/21)^2 = 23.74 -> 23.7;
    # Gasly 11th -> 4.5 + 23.5 x (11/21)^2 = 10.948 -> 10.9; a 2025 rookie opens at the bottom, 4.5.
    assert (prices["max_verstappen"], prices["hamilton"], prices["gasly"], prices["antonelli"]) == (
        28.0, 23.7, 10.9, 4.5)
    # Constructors: Red Bull 1st of 10 -> 28.0; Mercedes 2nd -> 6 + 22 x (8/9)^1.5 = 24.44 -> 24.4;
    # Haas 10th -> 6.0; Sauber (Alfa Romeo's entry under its 2025 name) is new to the data -> 6.0.
    assert (prices["red_bull"], prices["mercedes"], prices["haas"], prices["sauber"]) == (28.0, 24.4, 6.0, 6.0)
    assert "de_vries" not in prices  # in the 2023 standings, not in the 2025 season


def test_a_correction_re_prices_the_rounds_no_lineup_locked_at(app, client, runner, make_user):
    admin = make_user("root", admin=True)
    round1, round3 = race_id(app, 2023, 1), race_id(app, 2023, 3)
    round3_rows = result_rows(app, round3)
    with app.app_context():  # round 3's race is not classified yet: prices stop at round 3
        db.session.execute(delete(SessionResult).where(SessionResult.race_id == round3,
                                                       SessionResult.session == SessionKind.race))
        db.session.execute(delete(ResultState).where(ResultState.race_id == round3,
                                                     ResultState.session == SessionKind.race))
        db.session.commit()
        get_queue(LOW).empty()
    replayed = runner.invoke(args=["prices", "replay", "2023"]).output.splitlines()[0]
    assert replayed.endswith("rounds_priced=[2, 3] rounds_repriced=[]")
    assert prices_of(client, app, "gasly") == [8.8, 9.4, 9.2]

    # Stewards' correction of Bahrain: the fastest lap was Gasly's, not Zhou's (+10 for Gasly: 13 -> 23).
    rows = result_rows(app, round1)
    gasly, zhou = driver_id(app, "gasly"), driver_id(app, "zhou")
    by_driver = {row["driver_id"]: row for row in rows}
    by_driver[gasly]["fastest_lap_rank"], by_driver[zhou]["fastest_lap_rank"] = 1, by_driver[gasly]["fastest_lap_rank"]
    response = client.put(f"{API}/admin/races/{round1}/results/race", json={"rows": rows}, headers=admin["headers"])
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        assert get_queue(LOW).job_ids == ["price-season-2023"]  # one job for the season
    work_low(app)
    after = history(client, gasly)["rounds"]
    # Round 1 re-scored; round 3 not classified, so not scored; round 4 on, scored and not priced. No lineup
    # locked at rounds 2 and 3's prices, so they are recomputed: round 3's is (23 + 3) / 2 = 13 / 9.4 = 1.38
    # -> +0.6 = 10.0 (it was 9.2).
    assert [(row["round"], row["points"], row["price"]) for row in after[:4]] == [
        (1, 23.0, 8.8), (2, 3.0, 9.4), (3, None, 10.0), (4, 7.0, None)]

    # Round 3 classified: round 4 is priced from the corrected window, (23 + 3 - 2) / 3 = 8 / 10.0 = 0.8 -> -0.2.
    response = client.put(f"{API}/admin/races/{round3}/results/race", json={"rows": round3_rows},
                          headers=admin["headers"])
    assert response.status_code == 200, response.get_json()
    work_low(app)
    priced = prices_of(client, app, "gasly")
    assert priced[:4] == [8.8, 9.4, 10.0, 9.8] and len(priced) == 22  # and every round after it


def test_the_price_job_scores_a_race_only_while_its_draft_scoring_does_not(app):
    """Both jobs write the f1_fantasy_2025 drivers of a race a league on that preset plays: the price job
    takes the score-race job's lock for each race it scores, so two workers never insert the same rows."""
    bahrain = race_id(app, 2023, 1)
    with app.app_context():
        held = get_redis().lock(f"lock:score-race:{bahrain}", timeout=60)
        assert held.acquire(blocking=False)
    summaries = []

    def price():
        with app.app_context():
            summaries.append(market_jobs.price_season(2023))

    worker = threading.Thread(target=price)
    worker.start()
    time.sleep(1.5)
    with app.app_context():
        stored = db.session.scalar(select(AssetScore.id).where(AssetScore.race_id == bahrain).limit(1))
    assert worker.is_alive() and stored is None  # waiting on the lock, nothing of Bahrain written
    held.release()
    worker.join(60)
    assert summaries[0]["rounds_priced"] == list(range(2, 23))


def test_a_cancelled_round_carries_prices_over_and_leaves_the_window(app, client):
    round2 = race_id(app, 2023, 2)
    with app.app_context():
        db.session.execute(delete(SessionResult).where(SessionResult.race_id == round2))
        db.session.get(Race, round2).status = RaceStatus.cancelled
        db.session.commit()
        summary = price_season(2023)
    assert summary["rounds_priced"] == list(range(2, 23))
    gasly = history(client, driver_id(app, "gasly"))["rounds"]
    # Round 2 cancelled: no points, round 3 opens at round 2's prices (change +0.0). After round 3 the window
    # is rounds 1 and 3 only: (13 - 2) / 2 = 5.5 / 9.4 = 0.59 -> -0.6 = 8.8.
    assert [(row["round"], row["points"], row["price"], row["change"]) for row in gasly[:4]] == [
        (1, 13.0, 8.8, None), (2, None, 9.4, 0.6), (3, -2.0, 9.4, 0), (4, 7.0, 8.8, -0.6)]


def test_a_changed_classification_queues_its_season_once_and_leaves_the_sender_s_session_alone(app):
    round1, round2 = race_id(app, 2023, 1), race_id(app, 2023, 2)
    with app.app_context():
        get_queue(LOW).empty()
        db.session.commit()
        results_changed.send(round1, session=SessionKind.race)
        results_changed.send(round2, session=SessionKind.qualifying)
        assert not db.session().in_transaction()
        assert get_queue(LOW).job_ids == ["price-season-2023"]


def test_writing_no_prices_stores_no_row(app):
    """A round written with no prices stores nothing: a bulk insert of no rows would have inserted one row of
    column defaults (and failed on the missing price)."""
    with app.app_context():
        _write(2023, 2, {})
        db.session.commit()
        assert db.session.scalar(select(AssetPrice.id).limit(1)) is None
