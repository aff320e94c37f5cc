"""Which round of a salary-cap league is open for lineups, when it locks, and the round's prices (§13).

Rounds lock in calendar order, one `lineup_rounds` row each: live at the start of the first session the
league's ruleset scores (the draft leagues' timing helper), replay when a manager locks the round. The open
round is the first one after the last locked that is not cancelled (live: whose lock time is still ahead);
only its lineups can be changed.
"""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from fantasy.common.clock import utcnow
from fantasy.drafts.timing import lock_time as draft_lock_time
from fantasy.errors import Conflict, NotFound
from fantasy.extensions import db
from fantasy.f1data.models import Race, RaceStatus, SessionKind
from fantasy.leagues.models import League, LeagueFormat, LeagueMode
from fantasy.lineups.models import LineupRound
from fantasy.market.service import stored_prices
from fantasy.scoring.rules import scored_sessions

NOT_SALARY_CAP = "Lineups are for salary-cap leagues: this league drafts its drivers"


def check_salary_cap(league: League) -> None:
    if league.format != LeagueFormat.salary_cap:
        raise Conflict(NOT_SALARY_CAP)


def race_of_season(league: League, race_id: int) -> Race:
    race = db.session.get(Race, race_id)
    if race is None or race.season_year != league.season:
        raise NotFound("No such race in this league's season")
    return race


def lock_time(race: Race, ruleset) -> datetime:
    """The round's lock under `ruleset`: the weekend's first scored session (the draft leagues' helper)."""
    return draft_lock_time(race, SessionKind.sprint in scored_sessions(ruleset))


def locks_at(league: League, race: Race) -> datetime | None:
    """A live round's lock (qualifying, or the sprint qualifying when it comes first); replay: none."""
    return lock_time(race, league.ruleset) if league.mode == LeagueMode.live else None


def is_due(league: League, race: Race, now: datetime) -> bool:
    """A live round whose lock time has come (and came after the league was created): locked by the rules,
    even before the draft tick writes its rows (within a minute). Lineups of a round already locked are the
    caller's to rule out."""
    return (league.mode == LeagueMode.live and race.status != RaceStatus.cancelled
            and league.created_at < locks_at(league, race) <= now)


def last_locked_round(league_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.max(Race.round), 0)).join(LineupRound, LineupRound.race_id == Race.id)
        .where(LineupRound.league_id == league_id)
    )


def is_locked(league_id: int, race_id: int) -> bool:
    return db.session.scalar(
        select(LineupRound.id).where(LineupRound.league_id == league_id, LineupRound.race_id == race_id)
    ) is not None


def first_open(league: League, races, now: datetime) -> Race | None:
    """The open round among `races` (the rounds after the last locked, in calendar order): the first not
    cancelled whose lock is still ahead (replay: the first not cancelled)."""
    return next((race for race in races if race.status != RaceStatus.cancelled
                 and (league.mode != LeagueMode.live or locks_at(league, race) > now)), None)


def open_race(league: League, now: datetime | None = None) -> Race | None:
    """The round whose lineups can change now (none once the season has nothing left to lock)."""
    races = db.session.scalars(Race.of_season(league.season).where(Race.round > last_locked_round(league.id))).all()
    return first_open(league, races, now or utcnow())


def round_states(league: League, races: list[Race]) -> dict[int, str | None]:
    """Each of the season's `races` (calendar order) by id, as the lineup read says its round, in one statement:
    locked (scored once scoring counted it; a live round due to lock that the tick has not written yet too),
    the open round open, those after it upcoming; None for a round not played in the league (unlocked before
    the open round: cancelled, or its lock passed before the league's first round; and all unlocked ones once
    nothing is left to lock)."""
    now = utcnow()
    locked = dict(db.session.execute(
        select(LineupRound.race_id, LineupRound.scored_at).where(LineupRound.league_id == league.id)).all())
    last = max((race.round for race in races if race.id in locked), default=0)
    current = first_open(league, [race for race in races if race.round > last], now)
    states: dict[int, str | None] = {}
    for race in races:
        if race.id in locked:
            states[race.id] = "locked" if locked[race.id] is None else "scored"
        elif race.round > last and is_due(league, race, now):
            states[race.id] = "locked"
        elif current is None or race.round < current.round:
            states[race.id] = None
        else:
            states[race.id] = "open" if race.id == current.id else "upcoming"
    return states


def check_open(league: League, race: Race) -> None:
    """409 unless `race` is the league's open round, saying why."""
    if is_locked(league.id, race.id) or (league.mode == LeagueMode.live and locks_at(league, race) <= utcnow()):
        raise Conflict(f"Round {race.round} is locked: its lineups can no longer change")
    current = open_race(league)
    if current is None or current.id != race.id:
        where = f"round {current.round} is the open one" if current else "no round is left to play"
        raise Conflict(f"Round {race.round} is not open for lineups: {where} (later rounds carry its lineup over)")


def require_prices(year: int, round_: int) -> dict[tuple[str, int], Decimal]:
    stored = stored_prices(year, round_)
    if not stored:
        raise Conflict(f"No prices are stored for {year} round {round_} yet: a round's prices are stored once "
                       "the round before it is scored (round 1's with the season's opening prices)")
    return stored
