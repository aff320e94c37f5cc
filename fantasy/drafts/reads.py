"""The draft as a client reads it (§11): named drivers, and no writes — a draft without a row yet is shown
as it would be created, and a live draft whose lock passed unopened as skipped before the tick records it."""
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload, selectinload

from fantasy.auth.models import User
from fantasy.auth.principal import Principal
from fantasy.common.clock import utcnow
from fantasy.drafts import order, rounds
from fantasy.drafts.eligibility import eligible_driver_ids
from fantasy.drafts.models import RUNNING, Draft, DraftState, Pick, PickQueue
from fantasy.drafts.timing import draft_window
from fantasy.errors import NotFound
from fantasy.extensions import db
from fantasy.f1data.cards import driver_cards
from fantasy.f1data.models import Race, RaceStatus
from fantasy.leagues.access import LeagueFacts, Need, facts_ahead, league_access, league_facts
from fantasy.leagues.models import FantasyTeam, League, LeagueFormat, LeagueMode
from fantasy.lineups import rounds as lineup_rounds


def race_of_season(league: League | LeagueFacts, race_id: int) -> Race:
    # Its sessions and result states load only if used (timing): the pick path needs three columns.
    race = db.session.get(Race, race_id, options=[lazyload("*")])
    if race is None or race.season_year != league.season:
        raise NotFound("No such race in this league's season")
    return race


def my_team_id(league_id, user_id):
    """The statement for the id of the user's active team in the league."""
    return FantasyTeam.active_for(league_id, user_id).with_only_columns(FantasyTeam.id).limit(1)


def lock_passed(locks_at) -> bool:
    return locks_at is not None and locks_at <= utcnow()


def new_draft(league: League, race: Race) -> Draft:
    """The draft a league gets for `race` on first use, not added to the session: scheduled with its live
    timing, or skipped when that lock has passed already (§6)."""
    opens_at, locks_at = draft_window(race, league) if league.mode == LeagueMode.live else (None, None)
    return Draft(
        league_id=league.id, race_id=race.id, method=league.draft_method, picks_per_team=league.picks_per_team,
        state=DraftState.skipped if lock_passed(locks_at) else DraftState.scheduled,
        opens_at=opens_at, locks_at=locks_at, skipped_team_ids=[], current_pick=1,
    )


# States of a draft that never ran: rounds in these were not drafted.
NEVER_OPENED = (DraftState.scheduled, DraftState.skipped)


def find_draft(league_id: int, race_id: int) -> Draft | None:
    return db.session.scalars(select(Draft).where(Draft.league_id == league_id, Draft.race_id == race_id)).first()


def shown_state(draft: Draft) -> DraftState:
    """The state a reader sees: a scheduled draft whose lock passed is skipped (the tick writes it so)."""
    if draft.state == DraftState.scheduled and lock_passed(draft.locks_at):
        return DraftState.skipped
    return draft.state


def access_ahead(league_id: int, race_id: int) -> None:
    """Have the token check read the caller's access snapshot too (a draft's read and a pick start with it)."""
    facts_ahead(league_id)


def draft_state(league_id: int, race_id: int, user: User | Principal) -> dict:
    """The draft as a client polls it, checked on the caller's access snapshot like a pick (and warming it).
    Every driver it mentions is named, by one statement for all of them."""
    league = league_facts(league_id, user, Need.member)[0]
    race = race_of_season(league, race_id)
    draft = find_draft(league_id, race_id) or new_draft(db.session.get(League, league_id), race)
    state = shown_state(draft)
    teams = dict(db.session.execute(
        select(FantasyTeam.id, FantasyTeam.name).where(FantasyTeam.league_id == league_id)).all())
    picks = db.session.scalars(
        select(Pick).where(Pick.draft_id == draft.id).order_by(Pick.pick_number)).all() if draft.id else []
    taken = {pick.driver_id for pick in picks}
    my_team = db.session.scalar(my_team_id(league_id, user.id))
    queue = db.session.scalar(
        PickQueue.of_team(draft.id, my_team).with_only_columns(PickQueue.driver_ids)) if draft.id else None
    available = [driver for driver in eligible_driver_ids(race) if driver not in taken]
    problem = None
    if state not in RUNNING:  # the polled states cost nothing more
        problem = rounds.round_problem(db.session.get(League, league_id), race, state,
                                       rounds.stored_sessions([race.id])[race.id])
    cards = driver_cards([*available, *taken, *(queue or ())], race)
    running = state == DraftState.open
    return {
        "id": draft.id, "league_id": league_id, "race_id": race.id, "state": state,
        "method": draft.method, "picks_per_team": draft.picks_per_team,
        "opens_at": draft.opens_at, "locks_at": draft.locks_at,
        "order": [{"team_id": team_id, "name": teams.get(team_id), "skipped": team_id in draft.skipped_team_ids}
                  for team_id in draft.order or []],
        "current_pick": draft.current_pick if running else None,
        "on_the_clock": order.team_on_turn(draft.order, draft.method, draft.current_pick) if running else None,
        "pick_deadline": draft.pick_deadline,
        "paused": draft.paused_at is not None, "paused_at": draft.paused_at,
        "paused_by": db.session.get(User, draft.paused_by_id) if draft.paused_by_id else None,
        "picks": [{"id": pick.id, "pick_number": pick.pick_number, "team_id": pick.team_id, "driver_id": pick.driver_id,
                   "driver": cards.get(pick.driver_id), "autopicked": pick.autopicked, "picked_at": pick.picked_at}
                  for pick in picks],
        "available_driver_ids": available,
        "available_drivers": [cards[driver] for driver in available],
        "playable": problem is None, "unplayable_reason": problem,
        "my_team_id": my_team, "my_queue": queue or [],
        "my_queue_drivers": [cards[driver] for driver in queue or ()],
    }


def queue_of(league_id: int, race_id: int, team_id: int) -> list[int]:
    """A team's queue for the draft (none before the draft has a row)."""
    draft_id = select(Draft.id).where(Draft.league_id == league_id, Draft.race_id == race_id).scalar_subquery()
    return db.session.scalar(PickQueue.of_team(draft_id, team_id).with_only_columns(PickQueue.driver_ids)) or []


def current_draft(league: League) -> dict | None:
    """The league's running draft, else the next one a client waits for (§11): in replay the round after
    the last drafted one, live the next race to start. None once the season has nothing left to draft."""
    draft = db.session.scalars(
        Draft.running().join(Race, Race.id == Draft.race_id).where(Draft.league_id == league.id)
        .order_by(Race.round).limit(1)
    ).first()
    race = db.session.get(Race, draft.race_id, options=[lazyload("*")]) if draft else _next_race(league)
    if race is None:
        return None
    draft = draft or find_draft(league.id, race.id) or new_draft(league, race)
    running = draft.state == DraftState.open
    return {
        "race_id": race.id, "round": race.round, "race_name": race.name, "state": shown_state(draft),
        "opens_at": draft.opens_at, "locks_at": draft.locks_at, "pick_deadline": draft.pick_deadline,
        "on_the_clock": order.team_on_turn(draft.order, draft.method, draft.current_pick) if running else None,
    }


def _next_race(league: League) -> Race | None:
    statement = select(Race).where(Race.season_year == league.season, Race.status != RaceStatus.cancelled)
    if league.mode == LeagueMode.live:
        statement = statement.where(Race.starts_at > utcnow())
    else:
        drafted = (select(func.max(Race.round)).join(Draft, Draft.race_id == Race.id)
                   .where(Draft.league_id == league.id, Draft.state.not_in(NEVER_OPENED)).scalar_subquery())
        statement = statement.where(Race.round > func.coalesce(drafted, 0))
    return db.session.scalars(statement.order_by(Race.round).limit(1)).first()


def league_races(league_id: int, user: User) -> list[dict]:
    """The league's season race by race: its draft's state (a salary-cap league's: its lineup state, it never
    drafts) and whether the round can be played (§7), in four statements however long the season (five for
    a live league: the sessions time its drafts and lineup locks)."""
    league = league_access(league_id, user, Need.member).league
    loading = [lazyload("*")] + ([selectinload(Race.sessions)] if league.mode == LeagueMode.live else [])
    races = db.session.scalars(
        select(Race).where(Race.season_year == league.season).order_by(Race.round).options(*loading)
    ).all()
    salary_cap = league.format == LeagueFormat.salary_cap
    if salary_cap:
        states = lineup_rounds.round_states(league, races)
    else:
        drafts = {draft.race_id: draft
                  for draft in db.session.scalars(select(Draft).where(Draft.league_id == league.id))}
        states = {race.id: shown_state(drafts.get(race.id) or new_draft(league, race)) for race in races}
    stored = rounds.stored_sessions([race.id for race in races])
    rows = []
    for race in races:
        state = states[race.id]
        problem = rounds.round_problem(league, race, state, stored[race.id])
        rows.append({"race_id": race.id, "round": race.round, "name": race.name, "starts_at": race.starts_at,
                     "status": race.status, "draft_state": None if salary_cap else state,
                     "lineup_state": state if salary_cap else None, "playable": problem is None,
                     "unplayable_reason": problem})
    return rows
