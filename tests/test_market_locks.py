"""A round's prices are provisional until a salary-cap lineup locks at them (§13): a correction of an earlier
round re-prices them (read fresh through the cached prices route), and once a lineup locked at them a
correction changes points only. The bundled 2023 season, priced; Bahrain's fastest lap moved between Zhou and
Gasly straight in the classification, then the price job's service run."""
import pytest
from sqlalchemy import select, update

from drafts_helpers import API, driver_id, race_id
from fantasy.extensions import db
from fantasy.f1data.models import SessionKind, SessionResult
from fantasy.market.models import PriceLock
from fantasy.market.service import price_season
from lineups_helpers import CapLeague

pytestmark = pytest.mark.usefixtures("f1", "priced")
WATCHED = ("zhou", "gasly", "alfa", "alpine")


def round_prices(client, round_: int) -> dict[str, float]:
    response = client.get(f"{API}/seasons/2023/rounds/{round_}/prices", query_string={"page_size": 100})
    assert response.status_code == 200, response.get_json()
    return {row["asset"]["ref"]: row["price"] for row in response.get_json() if row["asset"]["ref"] in WATCHED}


def fastest_lap(app, ref: str) -> dict:
    """Give Bahrain's race fastest lap to `ref` and price the season; its summary."""
    bahrain, driver = race_id(app, 2023, 1), driver_id(app, ref)
    with app.app_context():
        race = (SessionResult.race_id == bahrain) & (SessionResult.session == SessionKind.race)
        db.session.execute(update(SessionResult).where(race).values(fastest_lap_rank=None))
        db.session.execute(update(SessionResult).where(race, SessionResult.driver_id == driver)
                           .values(fastest_lap_rank=1))
        db.session.commit()
        return price_season(2023)


def test_a_correction_re_prices_provisional_rounds_and_never_locked_ones(app, client, make_user):
    before = {round_: round_prices(client, round_) for round_ in (2, 3)}
    assert before == {2: {"alpine": 17.4, "alfa": 13.1, "gasly": 9.4, "zhou": 6.6},
                      3: {"alpine": 16.8, "alfa": 12.5, "gasly": 9.2, "zhou": 6.0}}

    corrected = fastest_lap(app, "gasly")
    assert corrected["rounds_rescored"] == [1] and corrected["rounds_priced"] == []
    assert corrected["rounds_repriced"] == list(range(2, 23))  # every later round moves in the chain
    # Zhou 13 points less at 6.4: +0.2 -> -0.6 in round 2; Alfa Romeo at 12.9 likewise; Gasly's and Alpine's
    # round 2 stay in their bands, Gasly's round 3 is (23 + 3) / 2 = 13 over 9.4 = 1.38 -> +0.6 = 10.0.
    after = {round_: round_prices(client, round_) for round_ in (2, 3)}
    assert after == {2: {"alfa": 12.3, "alpine": 17.4, "gasly": 9.4, "zhou": 5.8},
                     3: {"alfa": 11.7, "alpine": 17.2, "gasly": 10.0, "zhou": 5.2}}

    league = CapLeague(client, make_user, app, size=2)
    assert league.lock_round(1).status_code == 200
    assert league.lock_round(2).status_code == 200
    with app.app_context():  # the rounds whose prices a lineup locked at
        assert db.session.execute(select(PriceLock.season_year, PriceLock.round).order_by(PriceLock.round)).all() == [
            (2023, 1), (2023, 2)]
    back = fastest_lap(app, "zhou")
    assert back["rounds_rescored"] == [1]
    assert back["rounds_repriced"] == list(range(3, 23))  # round 2 locked: recomputed from it onwards
    # Round 2 stands as locked (the recomputed would be `before`'s again); round 3 moves on from it: Gasly's
    # (13 + 3) / 2 = 8 over 9.4 = 0.85 -> -0.2 = 9.2, Alfa Romeo 12.3 - 0.2 and Zhou 5.8 - 0.6, not 12.5 and 6.0.
    assert {round_: round_prices(client, round_) for round_ in (2, 3)} == {
        2: {"alfa": 12.3, "alpine": 17.4, "gasly": 9.4, "zhou": 5.8},
        3: {"alfa": 12.1, "alpine": 16.8, "gasly": 9.2, "zhou": 5.2}}
