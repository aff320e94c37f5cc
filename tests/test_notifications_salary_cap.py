"""Salary-cap notifications (§9, §13): a scored round tells each team its round points and rank; the next round's
prices tell each team holding a moved asset its old and new price, once its round is scored (replay: the prices
were stored long before) or once the prices are stored (live: after the round), and after a limitless round for
the lineup it returns to."""
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from drafts_helpers import race_id
from fantasy.extensions import db
from fantasy.f1data.models import Constructor, Driver
from fantasy.market import service as market
from fantasy.market.models import AssetPrice
from fantasy.scoring.service import score_race
from lineups_helpers import TEAM_A, TEAM_B, TEAM_C, lock, salary_league
from notifications_helpers import drain, inbox
from scoring_helpers import standings

pytestmark = pytest.mark.usefixtures("f1")


def prices(app, round_: int) -> dict[str, Decimal]:
    """A 2023 round's stored prices by ref."""
    with app.app_context():
        drivers = dict(db.session.execute(select(Driver.id, Driver.ref)).all())
        constructors = dict(db.session.execute(select(Constructor.id, Constructor.ref)).all())
        return {drivers[row.driver_id] if row.driver_id else constructors[row.constructor_id]: row.price
                for row in db.session.scalars(AssetPrice.of_round(2023, round_))}


def expected_changes(app, spec: dict, round_: int) -> list[dict]:
    now, before = prices(app, round_), prices(app, round_ - 1)
    return [{"ref": ref, "previous_price": float(before[ref]), "price": float(now[ref]),
             "change": float(now[ref] - before[ref])}
            for ref in spec["drivers"] + spec["constructors"] if now[ref] != before[ref]]


def notices(client, user, kind: str) -> list[dict]:
    return [item for item in inbox(client, user) if item["kind"] == kind]


def changes(note: dict) -> list[dict]:
    return [{"ref": line["asset"]["ref"], **{key: line[key] for key in ("previous_price", "price", "change")}}
            for line in note["data"]["assets"]]


def test_replay_rounds_tell_each_team_its_points_rank_and_held_price_changes(app, client, make_user):
    with app.app_context():
        market.price_season(2023)  # a past season: every round's prices are stored before the league plays
    drain(app)
    league, (a, b, c) = salary_league(client, make_user)
    users = {team: league.players[team] for team in (a, b, c)}
    round1 = race_id(app, 2023, 1)
    lock(app, league.id, round1, {a: TEAM_A, b: TEAM_B, c: TEAM_C})
    with app.app_context():
        score_race(round1)
    drain(app)
    rows = {row["team_id"]: row for row in standings(client, league)}
    for team, spec in ((a, TEAM_A), (b, TEAM_B), (c, TEAM_C)):
        [scored] = notices(client, users[team], "race_scored")
        assert (scored["data"]["team_id"], scored["data"]["round_points"], scored["data"]["rank"]) == (
            team, rows[team]["points"], rows[team]["rank"])
        expected = expected_changes(app, spec, 2)
        assert expected  # every lineup here holds an asset whose price moved after Bahrain
        [note] = notices(client, users[team], "prices_changed")
        assert (note["league_id"], note["race_id"], note["data"]["round"], note["data"]["race_name"]) == (
            league.id, race_id(app, 2023, 2), 2, "Saudi Arabian Grand Prix")
        assert changes(note) == expected
        assert note["data"]["value_change"] == pytest.approx(sum(line["change"] for line in expected))

    # Round 2: team b plays limitless with other assets; round 3's prices concern the lineup it returns to.
    round2 = race_id(app, 2023, 2)
    limitless = {**TEAM_C, "chip": "limitless", "penalty": 0}
    lock(app, league.id, round2, {a: TEAM_A, b: limitless})
    with app.app_context():
        score_race(round2)
    drain(app)
    notes = {team: [note for note in notices(client, users[team], "prices_changed") if note["data"]["round"] == 3]
             for team in (a, b, c)}
    assert [changes(note) for note in notes[b]] == [expected_changes(app, TEAM_B, 3)]
    assert [changes(note) for note in notes[a]] == [expected_changes(app, TEAM_A, 3)]
    # Team c set no lineup for round 2 (here: no carried-over row either): it still holds its round 1 lineup.
    assert [changes(note) for note in notes[c]] == [expected_changes(app, TEAM_C, 3)]


def test_live_prices_stored_after_the_round_tell_the_teams_holding_moved_assets(app, client, make_user):
    drain(app)  # the snapshot load's pricing job
    with app.app_context():
        # As live: round 1 is scored before round 2's prices exist.
        db.session.execute(delete(AssetPrice).where(AssetPrice.season_year == 2023, AssetPrice.round > 1))
        db.session.commit()
    league, (a, b, _c) = salary_league(client, make_user)
    round1 = race_id(app, 2023, 1)
    lock(app, league.id, round1, {a: TEAM_A, b: TEAM_B})
    with app.app_context():
        score_race(round1)
    drain(app)
    assert notices(client, league.players[a], "prices_changed") == []
    with app.app_context():
        market.price_season(2023)
    drain(app)
    for team, spec in ((a, TEAM_A), (b, TEAM_B)):
        assert [changes(note) for note in notices(client, league.players[team], "prices_changed")] == [
            expected_changes(app, spec, 2)]
