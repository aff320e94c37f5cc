"""Salary-cap points (§13), derived where they are read: locked lineups ⋈ their assets ⋈ the shared
f1_fantasy_2025 asset scores of the same race, scored by lineup_points.score_lineup.

Nothing per team is written when a round is scored or corrected: `score_race` stores the race's asset rows
once (drivers and constructors) and flips the leagues' rounds from locked to scored, as it does with drafts;
standings (standings.py, the same cache) and a team's round breakdowns are computed from those rows.
"""
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from fantasy.auth.models import User
from fantasy.common.clock import utcnow
from fantasy.errors import NotFound
from fantasy.extensions import db
from fantasy.f1data.models import Race
from fantasy.leagues.access import team_access
from fantasy.leagues.models import FantasyTeam, LeagueFormat
from fantasy.lineups.models import Lineup, LineupAsset, LineupRound
from fantasy.market.reads import named_assets
from fantasy.scoring.lineup_points import Asset, RoundScore, score_lineup
from fantasy.scoring.lineup_points import Lineup as Scorable
from fantasy.scoring.models import CONSTRUCTOR, DRIVER, AssetScore

PRESET = "f1_fantasy_2025"  # the ruleset of every salary-cap league (§13)
# A league's round: locked (scored_at NULL) until score_race finds its race's scores, then scored.
SCORED = LineupRound.scored_at.is_not(None)


# --- what score_race needs -----------------------------------------------------------------------


def rounds_of(race_id: int) -> tuple[list[int], list[int]]:
    """The salary-cap leagues that locked this race: those waiting for its scores and those scored already
    (either makes the race scored under PRESET with constructor rows)."""
    leagues = select(LineupRound.league_id).where(LineupRound.race_id == race_id)
    return (db.session.scalars(leagues.where(LineupRound.scored_at.is_(None))).all(),
            db.session.scalars(leagues.where(SCORED)).all())


def scored_leagues(race_id: int) -> list[int]:
    return db.session.scalars(select(LineupRound.league_id).where(LineupRound.race_id == race_id, SCORED)).all()


def mark_scored(race_id: int) -> None:
    db.session.execute(update(LineupRound).where(LineupRound.race_id == race_id, LineupRound.scored_at.is_(None))
                       .values(scored_at=utcnow()))


# --- reading locked lineups with their asset scores ------------------------------------------------


def _lineups(*conditions):
    """Scored rounds' locked lineups with every asset's stored score, in round then lineup order:
    (race id, round, race name, team id, lineup, asset kind, asset id, points, breakdown) per asset."""
    driver_score, constructor_score = aliased(AssetScore), aliased(AssetScore)
    rows = db.session.execute(
        select(LineupRound.race_id, Race.round, Race.name, Lineup, LineupAsset.driver_id, LineupAsset.constructor_id,
               driver_score.points, driver_score.breakdown, constructor_score.points, constructor_score.breakdown)
        .join(Race, Race.id == LineupRound.race_id)
        .join(FantasyTeam, FantasyTeam.league_id == LineupRound.league_id)
        .join(Lineup, (Lineup.team_id == FantasyTeam.id) & (Lineup.race_id == LineupRound.race_id)
              & Lineup.locked_at.is_not(None))
        .outerjoin(LineupAsset, LineupAsset.lineup_id == Lineup.id)
        .outerjoin(driver_score, (driver_score.ruleset == PRESET) & (driver_score.race_id == LineupRound.race_id)
                   & (driver_score.driver_id == LineupAsset.driver_id))
        .outerjoin(constructor_score, (constructor_score.ruleset == PRESET)
                   & (constructor_score.race_id == LineupRound.race_id)
                   & (constructor_score.constructor_id == LineupAsset.constructor_id))
        .where(SCORED, *conditions)
        .order_by(Race.round, Lineup.id, LineupAsset.id)
    ).all()
    lineups: dict[int, tuple] = {}
    for race_id, round_, name, lineup, driver_id, constructor_id, d_points, d_items, c_points, c_items in rows:
        _, _, _, _, assets = lineups.setdefault(lineup.id, (race_id, round_, name, lineup, []))
        if driver_id is not None:
            assets.append(Asset(DRIVER, driver_id, d_points, d_items))
        elif constructor_id is not None:
            assets.append(Asset(CONSTRUCTOR, constructor_id, c_points, c_items))
    return [(race_id, round_, name, lineup, score_lineup(Scorable(
        assets, lineup.boost_driver_id, lineup.extra_boost_driver_id, lineup.chip, lineup.penalty)))
        for race_id, round_, name, lineup, assets in lineups.values()]


def race_scores(league_id: int) -> tuple[list[tuple[int, int]], dict[int, dict[int, tuple[Decimal, Decimal]]]]:
    """The league's scored rounds (race id, round) and, per race, each team's (points, best asset): the shape
    of standings._race_scores, so the draft standings' ranking serves both formats."""
    races = db.session.execute(
        select(LineupRound.race_id, Race.round).join(Race, Race.id == LineupRound.race_id)
        .where(LineupRound.league_id == league_id, SCORED).order_by(Race.round)
    ).all()
    per_race: dict[int, dict[int, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for race_id, _round, _name, lineup, score in _lineups(LineupRound.league_id == league_id):
        per_race[race_id][lineup.team_id] = (score.points, score.best if score.best is not None else Decimal(0))
    return [tuple(row) for row in races], per_race


# --- a team's round breakdowns ---------------------------------------------------------------------


def _breakdown(race_id: int, round_: int, name: str, lineup: Lineup, score: RoundScore, named: dict) -> dict:
    return {
        "race_id": race_id, "round": round_, "race_name": name, "chip": lineup.chip,
        "transfers": lineup.transfers, "free_transfers": lineup.free_transfers, "penalty": lineup.penalty,
        "points": score.points,
        "assets": [{"asset": named[(line.kind, line.id)], "multiplier": line.multiplier,
                    "boost": "extra_boost" if line.multiplier == 3 else "boost" if line.multiplier == 2 else None,
                    "base_points": line.base, "points": line.points, "breakdown": line.items}
                   for line in score.lines],
    }


def team_rounds(team_id: int, user: User, race_id: int | None = None) -> list[dict]:
    """A salary-cap team's scored rounds (or one), each asset with its name, multiplier and counted line items,
    the chip and the transfer penalty."""
    team, access = team_access(team_id, user)
    if access.league.format != LeagueFormat.salary_cap:
        raise NotFound("This team plays a draft league: its points per race are at /teams/{team_id}/scores")
    conditions = [Lineup.team_id == team.id] + ([LineupRound.race_id == race_id] if race_id is not None else [])
    rounds = _lineups(LineupRound.league_id == team.league_id, *conditions)
    if race_id is not None and not rounds:
        raise NotFound("This team has no scored lineup for that race")
    named = named_assets({(line.kind, line.id) for *_rest, score in rounds for line in score.lines})
    return [_breakdown(race, round_, name, lineup, score, named) for race, round_, name, lineup, score in rounds]
