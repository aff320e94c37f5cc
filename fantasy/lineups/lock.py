"""Locking a salary-cap round (§13): one locked lineup per team that has ever set one, then scoring and
the `lineup_locked` notifications, after the commit.

Live rounds lock on the draft tick at the weekend's first scored session; replay rounds when a manager locks
them. A team's locked lineup is its lineup of the round if it set one, else the one it carries over (after a
limitless round: the lineup and bank from before it), with the boost on the most expensive driver when none
is marked, and the transfers, free transfers and penalty counted here, once.
"""
import logging
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from fantasy.auth.models import User
from fantasy.common.clock import utcnow
from fantasy.common.models import commit_or_conflict
from fantasy.common.outbox import defer
from fantasy.common.schemas import json_number
from fantasy.drafts.rounds import check_playable
from fantasy.errors import Conflict
from fantasy.extensions import db
from fantasy.f1data.models import Race, RaceStatus
from fantasy.leagues.access import Need, league_access
from fantasy.leagues.enums import SALARY_CAP_RULESET
from fantasy.leagues.models import FantasyTeam, League, LeagueEvent, LeagueFormat, LeagueMode
from fantasy.lineups import events, history, rounds, rules
from fantasy.lineups.models import LineupRound
from fantasy.lineups.service import assess, present, store
from fantasy.market.models import AssetPrice
from fantasy.market.service import hold_prices, lock_at

log = logging.getLogger(__name__)
NOTICE_FIELDS = ("team_id", "team_name", "round", "race_name", "chip", "boost_driver_id", "extra_boost_driver_id",
                 "carried_over", "bank", "team_value", "transfers", "free_transfers", "penalty")


def _json(value):
    return json_number(value) if isinstance(value, Decimal) else value


def _notice(view: dict, league: League) -> dict:
    """The lineup as its notification carries it: plain JSON (numbers, not Decimals; no datetimes)."""
    return {**{key: _json(view[key]) for key in NOTICE_FIELDS}, "league_name": league.name,
            "drivers": [{key: _json(driver[key]) for key in ("id", "code", "name", "price", "multiplier")}
                        for driver in view["drivers"]],
            "constructors": [{key: _json(team[key]) for key in ("id", "name", "price")}
                             for team in view["constructors"]]}


def _lock_team(league: League, team: FantasyTeam, race: Race, prices: dict, now: datetime) -> dict | None:
    """Materialise the team's locked lineup of `race`; its notification, or None for a team without one."""
    past = history.lineups_of(team.id)
    held = history.at(past, race.round)
    carried = held is None
    if carried:
        base = history.base(past, race.round)
        if base is None:
            return None  # never set a lineup: it scores 0
        held = history.carried(base, race.round)
    figures = assess(league, past, held, prices)
    if held.boost_driver_id is None:
        held.boost_driver_id = rules.default_boost(held.drivers, figures["prices"])
    row = store(team, race, held, figures, None if carried else held)
    row.locked_at = now
    held.row = row
    view = present(league, team, race, held, figures, "locked", carried)
    return {"user_id": team.user_id, "data": _notice(view, league)}


def _lock_prices(year: int, round_: int) -> dict:
    """The round's prices, or (live, its previous round not scored in time) the latest stored before it; from
    now on they are stored for good (a correction no longer re-prices them)."""
    hold_prices(year)
    latest = db.session.scalar(select(func.max(AssetPrice.round)).where(AssetPrice.season_year == year,
                                                                        AssetPrice.round <= round_))
    if latest is None:
        raise Conflict(f"No prices are stored for {year} yet: lineups are priced from the season's opening prices")
    return lock_at(year, latest)


def lock_round(league: League, race: Race, actor: User | None) -> dict:
    """Lock `race` for the league, whose row the caller holds locked: every active team's row is locked too
    (in id order), so a lineup being set waits and then finds the round locked (409)."""
    prices = _lock_prices(league.season, race.round)
    now = utcnow()
    db.session.add(LineupRound(league_id=league.id, race_id=race.id, locked_at=now))
    teams = db.session.scalars(
        select(FantasyTeam).where(FantasyTeam.league_id == league.id, FantasyTeam.left_at.is_(None))
        .order_by(FantasyTeam.id).with_for_update()
    ).all()
    notices = [notice for team in teams if (notice := _lock_team(league, team, race, prices, now)) is not None]
    db.session.add(LeagueEvent(league_id=league.id, actor_id=actor.id if actor else None, kind="lineups_locked",
                               data={"race_id": race.id, "round": race.round, "lineups": len(notices)}))
    league_id, race_id = league.id, race.id
    defer(db.session(), lambda: events.round_locked.send(race_id, league_id=league_id, lineups=notices))
    log.info("lineups locked", extra={"league_id": league_id, "race_id": race_id, "lineups": len(notices)})
    return {"league_id": league_id, "race_id": race_id, "round": race.round, "locked_at": now,
            "lineups": len(notices)}


def lock_replay_round(league_id: int, race_id: int, user: User) -> dict:
    """A replay manager locks the open round: its lineups become final and the stored results score it."""
    league = league_access(league_id, user, Need.manager, lock=True).league
    rounds.check_salary_cap(league)
    if league.mode != LeagueMode.replay:
        raise Conflict("Live rounds lock on the clock, at the weekend's first scored session")
    race = rounds.race_of_season(league, race_id)
    rounds.check_open(league, race)
    check_playable(league, race)
    summary = lock_round(league, race, user)
    commit_or_conflict("The round was locked meanwhile")
    return summary


def _candidates(now: datetime) -> list[int]:
    """Live salary-cap leagues that may have a round to lock: per season (one statement each), those without a
    lock of the season's latest due round that existed before it. Most minutes there are none, and no league
    row is locked to find that out."""
    leagues = (League.mode == LeagueMode.live, League.format == LeagueFormat.salary_cap)
    ids = []
    for season in db.session.scalars(select(League.season).distinct().where(*leagues)).all():
        races = db.session.scalars(Race.of_season(season).where(Race.status != RaceStatus.cancelled)).all()
        due = [race for race in races if rounds.lock_time(race, SALARY_CAP_RULESET) <= now]
        if not due:
            continue
        latest, locks_at = due[-1], rounds.lock_time(due[-1], SALARY_CAP_RULESET)
        locked = select(LineupRound.id).where(LineupRound.league_id == League.id, LineupRound.race_id == latest.id)
        ids += db.session.scalars(select(League.id).where(*leagues, League.season == season,
                                                          League.created_at < locks_at, ~locked.exists())).all()
    return sorted(set(ids))


def lock_due_rounds(now: datetime | None = None) -> int:
    """Live salary-cap rounds whose lock time came (and came after the league was created): lock them, in
    calendar order, each league in its own transaction. Idempotent; returns how many rounds locked."""
    now = now or utcnow()
    locked = 0
    for league_id in _candidates(now):
        league = db.session.scalars(select(League).where(League.id == league_id).with_for_update()).one()
        due = [race for race in db.session.scalars(
            Race.of_season(league.season).where(Race.round > rounds.last_locked_round(league.id),
                                                Race.status != RaceStatus.cancelled))
            if league.created_at < rounds.locks_at(league, race) <= now]
        try:
            for race in due:
                lock_round(league, race, None)
                locked += 1
            db.session.commit()
        except Conflict as error:  # no prices at all yet: the next tick tries again
            db.session.rollback()
            log.warning("lineups not locked", extra={"league_id": league_id, "reason": str(error)})
    db.session.rollback()  # end the reads: on SQLite every transaction holds the one write lock until it ends
    return locked
