"""Asset scores (§13): drivers and constructors stored once per (ruleset, race, asset) in one table, shared
by every league; scoring them again changes nothing, and a draft league's scoring keeps the constructors."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from drafts_helpers import League, race_id
from fantasy.extensions import db
from fantasy.f1data.models import Constructor, Driver
from fantasy.jobs import scoring as scoring_jobs
from fantasy.scoring.models import AssetScore
from fantasy.scoring.service import score_assets

pytestmark = pytest.mark.usefixtures("f1")
PRESET = "f1_fantasy_2025"


def rows(app, race: int) -> dict[tuple[str, str], tuple]:
    """The race's stored rows keyed (kind, ref): (id, ruleset, points, breakdown, computed_at)."""
    with app.app_context():
        db.session.remove()
        found = db.session.execute(
            select(AssetScore, Driver.ref, Constructor.ref).where(AssetScore.race_id == race)
            .outerjoin(Driver, Driver.id == AssetScore.driver_id)
            .outerjoin(Constructor, Constructor.id == AssetScore.constructor_id)
        ).all()
        return {(row.asset[0], driver or constructor): (row.id, row.ruleset, row.points, row.breakdown, row.computed_at)
                for row, driver, constructor in found}


def test_a_race_stores_every_driver_and_constructor_once_with_the_constructor_lines(app):
    bahrain = race_id(app, 2023, 1)
    with app.app_context():
        assert score_assets(bahrain, PRESET) == "scored"
        db.session.commit()
    stored = rows(app, bahrain)
    assert sum(kind == "driver" for kind, _ in stored) == 20
    assert sum(kind == "constructor" for kind, _ in stored) == 10
    assert {ruleset for _id, ruleset, *_ in stored.values()} == {PRESET}
    # Hand-checked in test_scoring_f1_fantasy.py: the qualifying bonus reads the drivers' Q2 and Q3 times
    # (both Red Bulls in Q3 +10; McLaren one in Q2 +1; Alpine one in Q3 +5), not only Q1.
    assert stored[("constructor", "red_bull")][2:4] == (Decimal(72), {
        "qualifying_position": "19.00", "race_position": "43.00", "qualifying_bonus": "10.00"})
    assert stored[("constructor", "mclaren")][2:4] == (Decimal(-25), {
        "race_positions_gained": "-6.00", "race_not_classified": "-20.00", "qualifying_bonus": "1.00"})
    assert stored[("constructor", "alpine")][2] == Decimal(0)
    assert stored[("driver", "max_verstappen")][2:4] == (Decimal(35), {
        "qualifying_position": "10.00", "race_position": "25.00"})

    with app.app_context():
        assert score_assets(bahrain, PRESET) is None  # idempotent: nothing rewritten
        db.session.commit()
    assert rows(app, bahrain) == stored


def test_a_draft_league_on_the_preset_shares_the_rows_and_keeps_the_constructors(app, client, make_user):
    league = League(client, make_user, size=2, ruleset=PRESET)
    bahrain = race_id(app, 2023, 1)
    with app.app_context():
        score_assets(bahrain, PRESET)
        db.session.commit()
    before = rows(app, bahrain)
    assert league.open(bahrain).status_code == 200
    assert league.lock(bahrain).status_code == 200
    with app.app_context():
        summary = scoring_jobs.score_race(bahrain)
    # The league's drivers were stored already under its ruleset: no row changes, the draft is scored.
    assert (summary["rulesets"], summary["rulesets_changed"], summary["leagues_newly_scored"]) == (1, 0, 1)
    assert rows(app, bahrain) == before


def test_a_cancelled_or_unclassified_race_scores_no_asset(app):
    scheduled = race_id(app, 2025, 24)
    with app.app_context():
        assert score_assets(scheduled, PRESET) is None
        db.session.commit()
    assert rows(app, scheduled) == {}
