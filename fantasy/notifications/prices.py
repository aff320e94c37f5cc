"""Who hears that a round's prices changed (§13): each salary-cap team holding an asset whose price moved.

Round r+1's prices concern a league once its round r is scored: the team holds its locked lineup of round r
(after a `limitless` round, the lineup from before it, which is what it returns to). Whichever comes second
tells the league: the market storing round r+1's prices (live: after the round is scored) or the league's
round r being scored (replay: the prices of a past season are stored long before a league plays it).
"""
from collections import defaultdict

from sqlalchemy import func, select

from fantasy.common.schemas import json_number
from fantasy.extensions import db
from fantasy.f1data.models import Race
from fantasy.leagues.models import FantasyTeam, League, LeagueFormat, Membership
from fantasy.lineups.models import Chip, Lineup, LineupAsset, LineupRound
from fantasy.market.models import AssetPrice
from fantasy.market.reads import named_assets
from fantasy.scoring.models import asset_key


def _race(season: int, round_: int) -> Race | None:
    return db.session.scalar(select(Race).where(Race.season_year == season, Race.round == round_))


def season_played(season: int) -> bool:
    """Whether a salary-cap league plays the season (else its stored prices concern nobody)."""
    salary_cap = select(League.id).where(League.season == season, League.format == LeagueFormat.salary_cap.value)
    return db.session.scalar(salary_cap.limit(1)) is not None


def leagues_scored(race_id: int) -> list[int]:
    """The salary-cap leagues whose round of this race is scored (a race only draft leagues play costs one
    indexed look-up)."""
    return db.session.scalars(select(LineupRound.league_id).where(
        LineupRound.race_id == race_id, LineupRound.scored_at.is_not(None)).order_by(LineupRound.league_id)).all()


def scored_leagues(season: int, round_: int) -> list[int]:
    """The salary-cap leagues whose round before `round_` is scored: those round `round_`'s prices concern."""
    previous = _race(season, round_ - 1)
    return leagues_scored(previous.id) if previous is not None else []


def _holdings(team_ids: list[int], upto: Race) -> dict[int, list[tuple[str, int]]]:
    """Each team's assets in its latest locked lineup up to round `upto`, skipping limitless rounds (§13: after
    one, the lineup from before it returns)."""
    counted = ((Lineup.team_id.in_(team_ids)) & Lineup.locked_at.is_not(None) & (Race.season_year == upto.season_year)
               & (Race.round <= upto.round) & (Lineup.chip.is_(None) | (Lineup.chip != Chip.limitless.value)))
    latest = (select(Lineup.team_id, func.max(Race.round).label("round")).join(Race, Race.id == Lineup.race_id)
              .where(counted).group_by(Lineup.team_id).subquery())
    rows = db.session.execute(
        select(Lineup.team_id, LineupAsset.driver_id, LineupAsset.constructor_id)
        .join(Race, Race.id == Lineup.race_id).join(LineupAsset, LineupAsset.lineup_id == Lineup.id)
        .join(latest, (latest.c.team_id == Lineup.team_id) & (latest.c.round == Race.round))
        .where(counted).order_by(LineupAsset.id)
    ).all()
    held: dict[int, list] = defaultdict(list)
    for team_id, driver_id, constructor_id in rows:
        held[team_id].append(asset_key(driver_id, constructor_id))
    return held


def held_changes(season: int, round_: int, league_ids: list[int]) -> list[dict]:
    """One notification (user_id, league_id, race_id, data) per active team of these leagues (those with round
    `round_` - 1 scored; draft leagues have none) holding assets whose price changed from round `round_` - 1 to
    `round_`: each such asset's old and new price."""
    race, previous = _race(season, round_), _race(season, round_ - 1)
    if race is None or previous is None or not league_ids:
        return []
    before = {row.asset: row.price for row in db.session.scalars(AssetPrice.of_round(season, round_ - 1))}
    now = db.session.scalars(AssetPrice.of_round(season, round_))
    changed = {row.asset: (before[row.asset], row.price) for row in now
               if row.asset in before and before[row.asset] != row.price}
    if not changed:
        return []
    teams = db.session.execute(
        select(FantasyTeam.id, FantasyTeam.user_id, FantasyTeam.name, League.id, League.name)
        .join(League, League.id == FantasyTeam.league_id)
        .join(Membership, (Membership.league_id == FantasyTeam.league_id) & (Membership.user_id == FantasyTeam.user_id))
        .join(LineupRound, (LineupRound.league_id == League.id) & (LineupRound.race_id == previous.id)
              & LineupRound.scored_at.is_not(None))
        .where(FantasyTeam.league_id.in_(league_ids), FantasyTeam.left_at.is_(None), Membership.left_at.is_(None))
        .order_by(FantasyTeam.id)
    ).all()
    held = _holdings([team[0] for team in teams], previous) if teams else {}
    moved = {team_id: [asset for asset in assets if asset in changed] for team_id, assets in held.items()}
    named = named_assets({asset for assets in moved.values() for asset in assets})
    rows = []
    for team_id, user_id, team_name, league_id, league_name in teams:
        if not moved.get(team_id):
            continue
        lines = [{"asset": named[asset], "previous_price": json_number(changed[asset][0]),
                  "price": json_number(changed[asset][1]), "change": json_number(changed[asset][1] - changed[asset][0])}
                 for asset in moved[team_id]]
        rows.append({"user_id": user_id, "league_id": league_id, "race_id": race.id, "data": {
            "league_name": league_name, "team_id": team_id, "team_name": team_name, "season": season,
            "round": round_, "race_name": race.name, "assets": lines,
            "value_change": json_number(sum(changed[asset][1] - changed[asset][0] for asset in moved[team_id]))}})
    return rows
