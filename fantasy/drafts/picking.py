"""Picking (§7): a pick by the team on the clock, the autopick when its clock runs out, and the pieces every
change to a draft's picks shares (the draft under its row lock, the drivers taken, a slot filled)."""
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from fantasy.auth.models import User
from fantasy.auth.principal import Principal
from fantasy.common.clock import utcnow
from fantasy.common.models import commit_or_conflict
from fantasy.drafts import order, pick_clock, reads, turns
from fantasy.drafts.eligibility import best_available, eligible_driver_ids, eligible_drivers
from fantasy.drafts.models import Draft, DraftState, Pick, PickQueue
from fantasy.errors import Conflict, Forbidden, NotFound, Unprocessable
from fantasy.extensions import db
from fantasy.f1data.models import Driver, Race
from fantasy.leagues.access import LeagueFacts, Need, league_facts
from fantasy.leagues.models import League

PICKING = (DraftState.open,)
JUST_TAKEN = "That slot or driver was just taken, try again"
PAUSED = "The draft is paused: picks wait until a manager resumes it"


def my_team(league_id: int, user: User | Principal) -> int:
    """The id of the user's active team in the league (403 without one)."""
    team_id = db.session.scalar(reads.my_team_id(league_id, user.id))
    if team_id is None:
        raise Forbidden("You have no team in this league")
    return team_id


def locked_draft(league_id: int, race_id: int) -> Draft:
    """The draft row under a row lock: every change to a draft is serialised through it."""
    draft = db.session.scalars(
        select(Draft).where(Draft.league_id == league_id, Draft.race_id == race_id).with_for_update()
    ).first()
    if draft is None:
        raise NotFound("This draft has not been opened")
    return draft


def taken(draft: Draft) -> set[int]:
    """The drivers the draft's picks hold."""
    return set(db.session.scalars(select(Pick.driver_id).where(Pick.draft_id == draft.id)).all())


def record_pick(draft: Draft, team_id: int, driver_id: int, autopicked: bool) -> Pick:
    """Fill the slot on the clock; the caller checked the driver under the draft's row lock."""
    pick = Pick(
        draft_id=draft.id, league_id=draft.league_id, race_id=draft.race_id, pick_number=draft.current_pick,
        team_id=team_id, driver_id=driver_id, autopicked=autopicked, picked_at=utcnow(),
    )
    db.session.add(pick)
    turns.advance(draft, draft.current_pick + 1)
    return pick


def autopick(draft: Draft, race: Race) -> Pick:
    """Pick for the team on the clock: its queue first, then the best available driver."""
    team_id = order.team_on_turn(draft.order, draft.method, draft.current_pick)
    available = set(eligible_driver_ids(race)) - taken(draft)
    queue = db.session.scalar(PickQueue.of_team(draft.id, team_id).with_only_columns(PickQueue.driver_ids))
    driver_id = next((driver for driver in queue or () if driver in available), None)
    if driver_id is None:
        driver_id = best_available(race, available)
    if driver_id is None:
        raise Conflict("No driver is left to pick")
    return record_pick(draft, team_id, driver_id, autopicked=True)


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
        my_team(league.id, user)
        reads.race_of_season(league, race_id)
        raise NotFound("This draft has not been opened")
    draft, team_id, season, eligible, already_taken = row
    if team_id is None:
        raise Forbidden("You have no team in this league")
    if season != league.season:
        raise NotFound("No such race in this league's season")
    return draft, team_id, eligible, already_taken


def make_pick(league_id: int, race_id: int, user: Principal, driver_id: int) -> Pick:
    """A pick by the team on the clock. The access check reads the caller's access snapshot: the locked
    statement checks the team again, so a member who left meanwhile still gets 403."""
    league = league_facts(league_id, user, Need.member)[0]
    draft, team_id, eligible, already_taken = _locked_for_pick(league, race_id, user, driver_id)
    if draft.state not in PICKING:
        raise Conflict(f"Picks are closed: the draft is {draft.state.value}")
    if draft.paused_at is not None:
        raise Conflict(PAUSED)
    if order.team_on_turn(draft.order, draft.method, draft.current_pick) != team_id:
        raise Conflict("It is not your turn")
    if not eligible:
        if db.session.scalar(select(Driver.id).where(Driver.id == driver_id)) is None:
            raise Unprocessable("Unknown driver", fields={"driver_id": ["No such driver"]})
        raise Unprocessable("This driver is not in this race", fields={"driver_id": ["Not eligible"]})
    if already_taken:
        raise Conflict("This driver has already been picked in this draft")
    pick = record_pick(draft, team_id, driver_id, autopicked=False)
    turn = pick_clock.start_turn(draft, league.pick_seconds, replaced=pick.pick_number)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(JUST_TAKEN) from None
    db.session.expunge(pick)  # the answer reads it after the commit: detached, it is not reloaded
    commit_or_conflict(JUST_TAKEN)
    pick_clock.schedule_expiry(turn)
    return pick


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
        autopick(draft, db.session.get(Race, draft.race_id))
        turn = pick_clock.start_turn(draft, league.pick_seconds, replaced=pick_number)
    commit_or_conflict("The draft changed meanwhile")
    pick_clock.schedule_expiry(turn)
    return autopicked
