"""A draft's life (§6, §7): created scheduled on first use, opened (on the clock when live, by a manager in
replay) with its first-round order, locked (filling empty slots when the league autopicks on lock), and the
drafts a league's settings change touches."""
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fantasy.auth.models import User
from fantasy.common.clock import utcnow
from fantasy.common.models import commit_or_conflict
from fantasy.drafts import order, pick_clock, reads, rounds, turns
from fantasy.drafts.models import RUNNING, Draft, DraftState
from fantasy.drafts.picking import autopick, locked_draft
from fantasy.drafts.timing import draft_window
from fantasy.errors import Conflict
from fantasy.extensions import db
from fantasy.f1data.models import Race, RaceStatus
from fantasy.leagues.access import LeagueFacts, Need, league_access
from fantasy.leagues.audit import audit
from fantasy.leagues.models import League, LeagueFormat, LeagueMode, OrderStrategy
from fantasy.scoring.events import scoring_due
from fantasy.scoring.standings import season_totals


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


def _open(league: League, draft: Draft) -> pick_clock.Turn:
    if draft.state != DraftState.scheduled:
        raise Conflict(f"The draft is already {draft.state.value}")
    team_order = _first_order(league, draft)
    if len(team_order) < 2:
        raise Conflict("A draft needs at least two teams")
    draft.order, draft.skipped_team_ids = team_order, []
    draft.method, draft.picks_per_team = league.draft_method, league.picks_per_team
    draft.state, draft.current_pick = DraftState.open, 1
    audit(league.id, None, "draft_opened", race_id=draft.race_id, draft_id=draft.id, order=team_order)
    return pick_clock.start_turn(draft, league.pick_seconds)


def open_replay_round(league_id: int, race_id: int, user: User) -> dict:
    """A replay manager opens a round on demand: one draft at a time, rounds in calendar order."""
    access = league_access(league_id, user, Need.manager, lock=True)
    league = access.league
    if league.format != LeagueFormat.draft:
        raise Conflict("A salary-cap league has no drafts: each team sets its lineup for the round")
    if league.mode != LeagueMode.replay:
        raise Conflict("Live drafts open on the clock, before each race weekend")
    race = reads.race_of_season(league, race_id)
    if has_running_draft(league.id):
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
    pick_clock.schedule_expiry(turn)
    return reads.draft_state(league_id, race_id, user)


# --- locking -----------------------------------------------------------------------------------


def _lock(league: League, draft: Draft) -> int:
    """Freeze the draft; fill every empty slot first when the league autopicks on lock."""
    filled = 0
    race = db.session.get(Race, draft.race_id)
    if draft.state == DraftState.open:
        turns.skip_departed_in(draft, league.pick_seconds)  # the autopicker fills no slot of a team that left
    if draft.state == DraftState.open and league.autopick_on_lock:
        while draft.state == DraftState.open:
            autopick(draft, race)
            filled += 1
    draft.state, draft.pick_deadline = DraftState.locked, None
    draft.paused_at = draft.paused_by_id = None  # a lock ends a pause: nothing is left to wait for
    audit(league.id, None, "draft_locked", race_id=draft.race_id, autopicked=filled)
    return filled


def lock_replay_round(league_id: int, race_id: int, user: User) -> dict:
    access = league_access(league_id, user, Need.manager)
    if access.league.mode != LeagueMode.replay:
        raise Conflict("Live drafts lock on the clock, at the weekend's first scored session")
    reads.race_of_season(access.league, race_id)
    draft = locked_draft(league_id, race_id)
    if draft.state not in RUNNING:
        raise Conflict(f"Only a running draft can be locked; this one is {draft.state.value}")
    _lock(access.league, draft)
    commit_or_conflict("The draft changed meanwhile, try again")
    scoring_due.send(race_id)  # the stored historical results score the round
    return reads.draft_state(league_id, race_id, user)


def draft_tick(now=None) -> dict:
    """Open live drafts whose window started and lock those whose lock time came. Idempotent."""
    now = now or utcnow()
    opened = locked = 0
    locked_races = set()
    turns.skip_departed()
    due = db.session.scalars(
        Draft.running().where(Draft.locks_at <= now).with_only_columns(Draft.id)
    ).all()
    for draft_id in due:
        draft = db.session.scalars(select(Draft).where(Draft.id == draft_id).with_for_update()).one()
        if draft.state in RUNNING:
            _lock(db.session.get(League, draft.league_id), draft)
            locked += 1
            locked_races.add(draft.race_id)
        db.session.commit()
    for race_id in locked_races:  # results may already be in (a late tick): score them now
        scoring_due.send(race_id)
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
            pick_clock.schedule_expiry(turn)
        else:
            db.session.commit()
    return {"opened": opened, "locked": locked}


# --- settings changes --------------------------------------------------------------------------


def has_running_draft(league_id: int) -> bool:
    return db.session.scalar(
        Draft.running().where(Draft.league_id == league_id).with_only_columns(Draft.id).limit(1)) is not None


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
