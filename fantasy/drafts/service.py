"""Draft use cases: open, pick, autopick, clock expiry, lock, order and queue (the state view: reads.py)."""
import logging

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from fantasy.auth.models import User
from fantasy.auth.tokens import Principal
from fantasy.common.clock import utcnow
from fantasy.common.models import commit_or_conflict
from fantasy.drafts import clock, order, reads, rounds, turns
from fantasy.drafts.eligibility import best_available, eligible_driver_ids, eligible_drivers
from fantasy.drafts.models import Draft, DraftState, Pick, PickQueue
from fantasy.drafts.reads import draft_state
from fantasy.drafts.timing import draft_window
from fantasy.errors import Conflict, Forbidden, NotFound, Unprocessable
from fantasy.extensions import db
from fantasy.f1data.models import Driver, Race, RaceStatus
from fantasy.jobs.scoring import enqueue_score_race
from fantasy.leagues.access import LeagueFacts, Need, league_access, league_facts
from fantasy.leagues.models import League, LeagueEvent, LeagueFormat, LeagueMode, OrderStrategy
from fantasy.scoring.standings import season_totals

log = logging.getLogger(__name__)

PICKING = (DraftState.open,)
JUST_TAKEN = "That slot or driver was just taken, try again"
PAUSED = "The draft is paused: picks wait until a manager resumes it"
BEFORE_FIRST_PICK = (DraftState.scheduled, DraftState.open)


# --- loading -----------------------------------------------------------------------------------


def _my_team(league_id: int, user: User | Principal) -> int:
    """The id of the user's active team in the league (403 without one)."""
    team_id = db.session.scalar(reads.my_team_id(league_id, user.id))
    if team_id is None:
        raise Forbidden("You have no team in this league")
    return team_id


def ensure_draft(league: League | LeagueFacts, race: Race) -> Draft:
    """The league's draft for `race`, created as scheduled (with its live timing) on first use (the league
    row is loaded for its settings only then, when `league` is a snapshot's facts)."""
    draft = reads.find_draft(league.id, race.id)
    if draft is not None:
        if draft.state == DraftState.scheduled and reads.lock_passed(draft.locks_at):
            _skip_unopened(Draft.id == draft.id)
        return draft
    if not isinstance(league, League):
        league = db.session.get(League, league.id)
    draft = reads.new_draft(league, race)
    try:
        with db.session.begin_nested():  # flushes what is pending first: the draft must be added inside
            db.session.add(draft)
            db.session.flush()
    except IntegrityError:  # created meanwhile by a concurrent request
        return db.session.scalars(select(Draft).where(Draft.league_id == league.id, Draft.race_id == race.id)).one()
    return draft


def _skip_unopened(*where) -> None:
    """Live drafts (matching `where`) whose lock passed before they ever opened are skipped (§6): none waits
    in scheduled with a deadline in the past. One conditional UPDATE, so a draft opened meanwhile stays open."""
    db.session.execute(
        update(Draft).where(Draft.state == DraftState.scheduled, Draft.locks_at <= utcnow(), *where)
        .values(state=DraftState.skipped)
    )


def _locked_draft(league_id: int, race_id: int) -> Draft:
    """The draft row under a row lock: every change to a draft is serialised through it."""
    draft = db.session.scalars(
        select(Draft).where(Draft.league_id == league_id, Draft.race_id == race_id).with_for_update()
    ).first()
    if draft is None:
        raise NotFound("This draft has not been opened")
    return draft


def _taken(draft: Draft) -> set[int]:
    return set(db.session.scalars(select(Pick.driver_id).where(Pick.draft_id == draft.id)).all())


def _audit(league_id: int, actor: User | None, kind: str, **data) -> None:
    db.session.add(LeagueEvent(league_id=league_id, actor_id=actor.id if actor else None, kind=kind, data=data))


# --- opening -----------------------------------------------------------------------------------


def _previous_order(draft: Draft) -> list[int] | None:
    race = db.session.get(Race, draft.race_id)
    return db.session.scalar(
        select(Draft.order)
        .join(Race, Race.id == Draft.race_id)
        .where(Draft.league_id == draft.league_id, Draft.state.not_in(reads.NEVER_OPENED), Race.round < race.round)
        .order_by(Race.round.desc())
        .limit(1)
    )


def _first_order(league: League, draft: Draft) -> list[int]:
    """First-round order by the league's strategy; the season's first draft is random (CSPRNG)."""
    active = turns.drafting_team_ids(league.id)
    if league.order_strategy == OrderStrategy.manual and draft.order:
        return order.carry_over(draft.order, active)  # set by a manager before the draft opened
    previous = _previous_order(draft)
    if previous is None or league.order_strategy == OrderStrategy.random:
        return order.random_order(active)
    if league.order_strategy == OrderStrategy.reverse_standings:
        return order.reverse_standings(season_totals(league.id), active)
    # rotation, and manual until a manager sets the order
    return order.rotation(previous, active)


def _open(league: League, draft: Draft) -> clock.Turn:
    if draft.state != DraftState.scheduled:
        raise Conflict(f"The draft is already {draft.state.value}")
    team_order = _first_order(league, draft)
    if len(team_order) < 2:
        raise Conflict("A draft needs at least two teams")
    draft.order, draft.skipped_team_ids = team_order, []
    draft.method, draft.picks_per_team = league.draft_method, league.picks_per_team
    draft.state, draft.current_pick = DraftState.open, 1
    _audit(league.id, None, "draft_opened", race_id=draft.race_id, draft_id=draft.id, order=team_order)
    return clock.start_turn(draft, league.pick_seconds)


def open_replay_round(league_id: int, race_id: int, user: User) -> dict:
    """A replay manager opens a round on demand: one draft at a time, rounds in calendar order."""
    access = league_access(league_id, user, Need.manager, lock=True)
    league = access.league
    if league.format != LeagueFormat.draft:
        raise Conflict("A salary-cap league has no drafts: each team sets its lineup for the round")
    if league.mode != LeagueMode.replay:
        raise Conflict("Live drafts open on the clock, before each race weekend")
    race = reads.race_of_season(league, race_id)
    running = db.session.scalar(
        select(Draft.id).where(Draft.league_id == league.id, Draft.state.in_((DraftState.open, DraftState.complete)))
    )
    if running is not None:
        raise Conflict("Another round's draft is still running: lock it first")
    later = db.session.scalar(
        select(Race.round)
        .join(Draft, Draft.race_id == Race.id)
        .where(Draft.league_id == league.id, Draft.state.not_in(reads.NEVER_OPENED), Race.round >= race.round)
        .limit(1)
    )
    if later is not None:
        raise Conflict("This round, or a later one, has already been drafted")
    rounds.check_playable(league, race)
    draft = ensure_draft(league, race)
    turn = _open(league, draft)
    commit_or_conflict("The draft changed meanwhile, try again")
    clock.schedule_expiry(turn)
    return draft_state(league_id, race_id, user)


# --- picking -----------------------------------------------------------------------------------


def _record_pick(draft: Draft, team_id: int, driver_id: int, autopicked: bool) -> Pick:
    """Fill the slot on the clock; the caller checked the driver under the draft's row lock."""
    pick = Pick(
        draft_id=draft.id, league_id=draft.league_id, race_id=draft.race_id, pick_number=draft.current_pick,
        team_id=team_id, driver_id=driver_id, autopicked=autopicked, picked_at=utcnow(),
    )
    db.session.add(pick)
    turns.advance(draft, draft.current_pick + 1)
    return pick


def _pick_checks():
    """The draft under its row lock with all a pick checks: the user's team, the race's season, whether
    the driver is eligible and whether this draft has them already (built once, run with parameters).

    After waiting for the lock PostgreSQL hands over the draft row as committed meanwhile, but the
    subqueries keep the statement's snapshot: a pick of the same driver committed during the wait is
    caught by the unique keys on insert instead, which is a 409 as well."""
    league_id, race_id, driver_id = bindparam("league_id"), bindparam("race_id"), bindparam("driver_id")
    race_round = select(Race.round).where(Race.id == race_id).scalar_subquery()
    return (
        select(
            Draft,
            reads.my_team_id(league_id, bindparam("user_id")).scalar_subquery(),
            select(Race.season_year).where(Race.id == race_id).scalar_subquery(),
            eligible_drivers(race_id, bindparam("season"), race_round, driver_id).exists(),
            select(Pick.id).where(Pick.draft_id == Draft.id, Pick.driver_id == driver_id).exists(),
        )
        .where(Draft.league_id == league_id, Draft.race_id == race_id)
        .with_for_update(of=Draft)
    )


_PICK_CHECKS = _pick_checks()


def _locked_for_pick(league: LeagueFacts, race_id: int, user: Principal, driver_id: int):
    """`_PICK_CHECKS` in one round trip. Without a draft the same checks run one by one, so the answer is
    the one they gave before (403, then 404s)."""
    row = db.session.execute(_PICK_CHECKS, {
        "league_id": league.id, "race_id": race_id, "user_id": user.id, "season": league.season,
        "driver_id": driver_id,
    }).first()
    if row is None:
        _my_team(league.id, user)
        reads.race_of_season(league, race_id)
        raise NotFound("This draft has not been opened")
    draft, team_id, season, eligible, taken = row
    if team_id is None:
        raise Forbidden("You have no team in this league")
    if season != league.season:
        raise NotFound("No such race in this league's season")
    return draft, team_id, eligible, taken


def make_pick(league_id: int, race_id: int, user: Principal, driver_id: int) -> Pick:
    """A pick by the team on the clock. The access check reads the caller's access snapshot: the locked
    statement checks the team again, so a member who left meanwhile still gets 403."""
    league = league_facts(league_id, user, Need.member)[0]
    draft, team_id, eligible, taken = _locked_for_pick(league, race_id, user, driver_id)
    if draft.state not in PICKING:
        raise Conflict(f"Picks are closed: the draft is {draft.state.value}")
    if draft.paused_at is not None:
        raise Conflict(PAUSED)
    if order.team_on_turn(draft.order, draft.method, draft.current_pick) != team_id:
        raise Conflict("It is not your turn")
    if not eligible:
        if db.session.scalar(select(Driver.id).where(Driver.id == driver_id)) is None:
            raise Unprocessable("Unknown driver", errors={"json": {"driver_id": ["No such driver"]}})
        raise Unprocessable("This driver is not in this race", errors={"json": {"driver_id": ["Not eligible"]}})
    if taken:
        raise Conflict("This driver has already been picked in this draft")
    pick = _record_pick(draft, team_id, driver_id, autopicked=False)
    turn = clock.start_turn(draft, league.pick_seconds, replaced=pick.pick_number)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(JUST_TAKEN) from None
    db.session.expunge(pick)  # the answer reads it after the commit: detached, it is not reloaded
    commit_or_conflict(JUST_TAKEN)
    clock.schedule_expiry(turn)
    return pick


def _autopick(draft: Draft, race: Race) -> Pick:
    """Pick for the team on the clock: its queue first, then the best available driver."""
    team_id = order.team_on_turn(draft.order, draft.method, draft.current_pick)
    available = set(eligible_driver_ids(race)) - _taken(draft)
    queue = db.session.scalar(select(PickQueue.driver_ids).where(PickQueue.draft_id == draft.id, PickQueue.team_id == team_id))
    driver_id = next((driver for driver in queue or () if driver in available), None)
    if driver_id is None:
        driver_id = best_available(race, available)
    if driver_id is None:
        raise Conflict("No driver is left to pick")
    return _record_pick(draft, team_id, driver_id, autopicked=True)


def expire_turn(draft_id: int, pick_number: int) -> bool:
    """The pick clock ran out: autopick if that turn is still unfilled. Safe to run late or twice."""
    draft = db.session.scalars(select(Draft).where(Draft.id == draft_id).with_for_update()).first()
    if (
        draft is None
        or draft.state not in PICKING
        or draft.current_pick != pick_number
        or draft.pick_deadline is None
        or draft.pick_deadline > utcnow()
    ):
        db.session.rollback()
        return False
    league = db.session.get(League, draft.league_id)
    turn = turns.skip_departed_in(draft, league.pick_seconds)
    autopicked = turn is None  # else the turn's team stopped drafting: the turn passed on, nobody picks for it
    if autopicked:
        _autopick(draft, db.session.get(Race, draft.race_id))
        turn = clock.start_turn(draft, league.pick_seconds, replaced=pick_number)
    commit_or_conflict("The draft changed meanwhile")
    clock.schedule_expiry(turn)
    return autopicked


# --- locking -----------------------------------------------------------------------------------


def _lock(league: League, draft: Draft) -> int:
    """Freeze the draft; fill every empty slot first when the league autopicks on lock."""
    filled = 0
    race = db.session.get(Race, draft.race_id)
    if draft.state == DraftState.open:
        turns.skip_departed_in(draft, league.pick_seconds)  # the autopicker fills no slot of a team that left
    if draft.state == DraftState.open and league.autopick_on_lock:
        while draft.state == DraftState.open:
            _autopick(draft, race)
            filled += 1
    draft.state, draft.pick_deadline = DraftState.locked, None
    draft.paused_at = draft.paused_by_id = None  # a lock ends a pause: nothing is left to wait for
    _audit(league.id, None, "draft_locked", race_id=draft.race_id, autopicked=filled)
    return filled


def lock_replay_round(league_id: int, race_id: int, user: User) -> dict:
    access = league_access(league_id, user, Need.manager)
    if access.league.mode != LeagueMode.replay:
        raise Conflict("Live drafts lock on the clock, at the weekend's first scored session")
    reads.race_of_season(access.league, race_id)
    draft = _locked_draft(league_id, race_id)
    if draft.state not in (DraftState.open, DraftState.complete):
        raise Conflict(f"Only a running draft can be locked; this one is {draft.state.value}")
    _lock(access.league, draft)
    commit_or_conflict("The draft changed meanwhile, try again")
    enqueue_score_race(race_id)  # the stored historical results score the round
    return draft_state(league_id, race_id, user)


def draft_tick(now=None) -> dict:
    """Open live drafts whose window started and lock those whose lock time came. Idempotent."""
    now = now or utcnow()
    opened = locked = 0
    locked_races = set()
    turns.skip_departed()
    due = db.session.scalars(
        select(Draft.id).where(Draft.state.in_((DraftState.open, DraftState.complete)), Draft.locks_at <= now)
    ).all()
    for draft_id in due:
        draft = db.session.scalars(select(Draft).where(Draft.id == draft_id).with_for_update()).one()
        if draft.state in (DraftState.open, DraftState.complete):
            _lock(db.session.get(League, draft.league_id), draft)
            locked += 1
            locked_races.add(draft.race_id)
        db.session.commit()
    for race_id in locked_races:  # results may already be in (a late tick): score them now
        enqueue_score_race(race_id)
    _skip_unopened()
    db.session.commit()
    live = select(League).where(League.mode == LeagueMode.live, League.format == LeagueFormat.draft)
    for league in db.session.scalars(live).all():
        race = db.session.scalars(
            select(Race)
            .where(Race.season_year == league.season, Race.status != RaceStatus.cancelled, Race.starts_at > now)
            .order_by(Race.round)
            .limit(1)
        ).first()
        if race is None:
            continue
        opens_at, locks_at = draft_window(race, league)
        if not opens_at <= now < locks_at:
            continue
        draft = ensure_draft(league, race)
        if draft.state == DraftState.scheduled and len(turns.drafting_team_ids(league.id)) >= 2:
            turn = _open(league, draft)
            opened += 1
            db.session.commit()
            clock.schedule_expiry(turn)
        else:
            db.session.commit()
    return {"opened": opened, "locked": locked}


# --- settings changes --------------------------------------------------------------------------


def has_running_draft(league_id: int) -> bool:
    return db.session.scalar(
        select(Draft.id).where(Draft.league_id == league_id, Draft.state.in_((DraftState.open, DraftState.complete)))
        .limit(1)
    ) is not None


def scored_race_ids(league_id: int) -> list[int]:
    return db.session.scalars(
        select(Draft.race_id).where(Draft.league_id == league_id, Draft.state == DraftState.scored)
    ).all()


def refresh_scheduled(league: League) -> None:
    """Scheduled drafts take the league's current settings (timing depends on the ruleset and hours)."""
    drafts = db.session.scalars(
        select(Draft).where(Draft.league_id == league.id, Draft.state == DraftState.scheduled)
    ).all()
    for draft in drafts:
        draft.method, draft.picks_per_team = league.draft_method, league.picks_per_team
        if league.mode == LeagueMode.live:
            draft.opens_at, draft.locks_at = draft_window(db.session.get(Race, draft.race_id), league)
    _skip_unopened(Draft.league_id == league.id)  # a new ruleset can move a lock into the past


# --- order and queue ---------------------------------------------------------------------------


def set_order(league_id: int, race_id: int, user: User, team_ids: list[int]) -> dict:
    access = league_access(league_id, user, Need.manager, lock=True)
    league = access.league
    if league.order_strategy != OrderStrategy.manual:
        raise Conflict(f"This league's order strategy is {league.order_strategy.value}, not manual")
    race = reads.race_of_season(league, race_id)
    ensure_draft(league, race)
    draft = _locked_draft(league_id, race_id)
    if draft.state not in BEFORE_FIRST_PICK or draft.current_pick != 1:
        raise Conflict("The order can only change before the first pick")
    errors = order.check_permutation(team_ids, turns.drafting_team_ids(league_id))
    if errors:
        raise Unprocessable("The order must list every active team exactly once", errors={"json": errors})
    draft.order = list(team_ids)
    _audit(league_id, user, "order_changed", race_id=race_id, order=list(team_ids))
    commit_or_conflict("The draft changed meanwhile, try again")
    return draft_state(league_id, race_id, user)


def get_queue(league_id: int, race_id: int, user: User) -> dict:
    access = league_access(league_id, user, Need.member)
    team_id = _my_team(league_id, user)
    reads.race_of_season(access.league, race_id)
    return {"driver_ids": reads.queue_of(league_id, race_id, team_id)}


def set_queue(league_id: int, race_id: int, user: User, driver_ids: list[int]) -> dict:
    access = league_access(league_id, user, Need.member)
    team_id = _my_team(league_id, user)
    race = reads.race_of_season(access.league, race_id)
    draft = ensure_draft(access.league, race)
    if draft.state not in BEFORE_FIRST_PICK:
        raise Conflict(f"The draft is {draft.state.value}: the queue no longer matters")
    if len(set(driver_ids)) != len(driver_ids):
        raise Unprocessable("Each driver may be queued once", errors={"json": {"driver_ids": ["Duplicates"]}})
    unknown = sorted(set(driver_ids) - set(eligible_driver_ids(race)))
    if unknown:
        raise Unprocessable("Some drivers are not in this race", errors={"json": {"driver_ids": [f"Not eligible: {unknown}"]}})
    queue = db.session.scalars(select(PickQueue).where(PickQueue.draft_id == draft.id, PickQueue.team_id == team_id)).first()
    if queue is None:
        queue = PickQueue(draft_id=draft.id, team_id=team_id)
        db.session.add(queue)
    queue.driver_ids = list(driver_ids)
    commit_or_conflict("The queue changed meanwhile, try again")
    return {"driver_ids": queue.driver_ids}
