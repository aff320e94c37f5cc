"""Commissioner tools for a running draft (§14): pause, resume, undo, pick on behalf, force an autopick, reset.

Owners, managers and global admins only, through the league access check every league route uses (members
403, strangers of a private league 404). Each action takes the draft's row lock, as a pick does: an action
racing a pick (or the pick clock, or another action) runs before or after it, never across it, and finds the
draft as the other left it: 409 when it no longer applies. Each is audit logged as a league event, which
notifies the league's members (notifications/hooks.py) and so reaches their event streams.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fantasy.auth.models import User
from fantasy.common.models import commit_or_conflict
from fantasy.drafts import order, pick_clock, picking, reads, turns
from fantasy.drafts.eligibility import eligible_driver_ids
from fantasy.drafts.models import RUNNING, Draft, DraftState, Pick
from fantasy.errors import Conflict, Unprocessable
from fantasy.extensions import db
from fantasy.f1data.models import Driver, Race
from fantasy.leagues.access import Need, league_access
from fantasy.leagues.models import FantasyTeam, League, LeagueEvent


class _Action:
    """The league (access checked), the draft under its row lock and its race, for one action."""

    def __init__(self, league_id: int, race_id: int, user: User):
        self.league: League = league_access(league_id, user, Need.manager).league
        self.draft: Draft = picking.locked_draft(league_id, race_id)  # 404 unless it exists (in this season)
        self.race: Race = db.session.get(Race, race_id)
        self.user = user

    def require(self, states: tuple[DraftState, ...], what: str) -> None:
        if self.draft.state not in states:
            raise Conflict(f"{what}: the draft is {self.draft.state.value}")

    def on_the_clock(self, pick_number: int | None) -> int:
        """The team on the clock of a running, unpaused draft; `pick_number`, when given, must be its turn."""
        self.require((DraftState.open,), "No team is on the clock")
        if self.draft.paused_at is not None:
            raise Conflict(picking.PAUSED)
        if pick_number is not None and pick_number != self.draft.current_pick:
            raise Conflict(
                f"Pick {self.draft.current_pick} is on the clock, not pick {pick_number}: the draft moved on")
        return order.team_on_turn(self.draft.order, self.draft.method, self.draft.current_pick)

    def record(self, kind: str, **data) -> None:
        """The audit event; it carries the names a notice shows (the hook adds the league's)."""
        db.session.add(LeagueEvent(league_id=self.league.id, actor_id=self.user.id, kind=kind, data={
            "race_id": self.race.id, "race_name": self.race.name, "draft_id": self.draft.id,
            "by_user_id": self.user.id, "by_username": self.user.username, **data}))

    def finish(self, turn: pick_clock.Turn | None) -> dict:
        try:
            db.session.flush()
        except IntegrityError:  # a pick's driver taken meanwhile (PostgreSQL reads it before the lock wait)
            db.session.rollback()
            raise Conflict(picking.JUST_TAKEN) from None
        commit_or_conflict("The draft changed meanwhile, try again")
        if turn is not None:
            pick_clock.schedule_expiry(turn)
        return reads.draft_state(self.league.id, self.race.id, self.user)


def _names(team_ids, driver_ids) -> tuple[dict, dict]:
    teams = dict(db.session.execute(select(FantasyTeam.id, FantasyTeam.name).where(FantasyTeam.id.in_(team_ids))).all())
    drivers = dict(db.session.execute(
        select(Driver.id, Driver.given_name + " " + Driver.family_name).where(Driver.id.in_(driver_ids))).all())
    return teams, drivers


def _turn_data(draft: Draft) -> dict:
    """Who is on the clock after the action, named (none once the draft is complete)."""
    if draft.state != DraftState.open:
        return {"pick_number": None, "on_the_clock": None, "on_the_clock_name": None}
    team_id = order.team_on_turn(draft.order, draft.method, draft.current_pick)
    return {"pick_number": draft.current_pick, "on_the_clock": team_id,
            "on_the_clock_name": db.session.scalar(select(FantasyTeam.name).where(FantasyTeam.id == team_id))}


def pause(league_id: int, race_id: int, user: User) -> dict:
    action = _Action(league_id, race_id, user)
    action.require((DraftState.open,), "Only a running draft can be paused")
    if action.draft.paused_at is not None:
        raise Conflict("The draft is already paused")
    turn = pick_clock.pause(action.draft, user.id, action.league.pick_seconds)
    action.record("draft_paused", **_turn_data(action.draft))
    return action.finish(turn)


def resume(league_id: int, race_id: int, user: User) -> dict:
    action = _Action(league_id, race_id, user)
    if action.draft.paused_at is None:
        raise Conflict("The draft is not paused")
    turn = pick_clock.resume(action.draft, action.league.pick_seconds)
    action.record("draft_resumed", **_turn_data(action.draft))
    return action.finish(turn)


def undo(league_id: int, race_id: int, user: User, count: int, last_pick_number: int | None = None) -> dict:
    """Take back the last `count` picks: their drivers return to the pool and the earliest one's turn is on
    the clock again with a fresh clock (and its your_turn), unless the draft is paused. `last_pick_number`
    names the pick the manager means to be the last one: a pick made meanwhile makes the undo a 409."""
    action = _Action(league_id, race_id, user)
    draft = action.draft
    action.require(RUNNING, "Only the picks of a running draft can be undone")
    undone = db.session.scalars(
        select(Pick).where(Pick.draft_id == draft.id).order_by(Pick.pick_number.desc()).limit(count)
    ).all()
    if len(undone) < count:
        raise Conflict(f"Only {len(undone)} picks have been made")
    if last_pick_number is not None and undone[0].pick_number != last_pick_number:
        raise Conflict(f"The last pick is number {undone[0].pick_number}, not {last_pick_number}: the draft moved on")
    teams, drivers = _names({pick.team_id for pick in undone}, {pick.driver_id for pick in undone})
    picks = [{"pick_number": pick.pick_number, "team_id": pick.team_id, "team_name": teams.get(pick.team_id),
              "driver_id": pick.driver_id, "driver_name": drivers.get(pick.driver_id)} for pick in reversed(undone)]
    for pick in undone:
        db.session.delete(pick)
    on_clock = draft.current_pick
    draft.state = DraftState.open
    turns.advance(draft, undone[-1].pick_number)  # a team that stopped drafting meanwhile is passed over
    turn = None
    if draft.current_pick != on_clock:
        turn = pick_clock.start_turn(draft, action.league.pick_seconds, replaced=on_clock)
    action.record("picks_undone", picks=picks, **_turn_data(draft))
    return action.finish(turn)


def pick_on_behalf(league_id: int, race_id: int, user: User, driver_id: int, pick_number: int | None = None) -> dict:
    action = _Action(league_id, race_id, user)
    team_id = action.on_the_clock(pick_number)
    if driver_id not in eligible_driver_ids(action.race):
        raise Unprocessable("No such driver in this race", fields={"driver_id": ["Not eligible"]})
    if driver_id in picking.taken(action.draft):
        raise Conflict("This driver has already been picked in this draft")
    return _picked(action, picking.record_pick(action.draft, team_id, driver_id, autopicked=False), "picked_on_behalf")


def force_autopick(league_id: int, race_id: int, user: User, pick_number: int | None = None) -> dict:
    """The autopick the clock would make (the team's queue, then the best available), now."""
    action = _Action(league_id, race_id, user)
    action.on_the_clock(pick_number)
    return _picked(action, picking.autopick(action.draft, action.race), "autopick_forced")


def _picked(action: _Action, pick: Pick, kind: str) -> dict:
    teams, drivers = _names({pick.team_id}, {pick.driver_id})
    turn = pick_clock.start_turn(action.draft, action.league.pick_seconds, replaced=pick.pick_number)
    action.record(kind, pick={"pick_number": pick.pick_number, "team_id": pick.team_id,
                              "team_name": teams.get(pick.team_id), "driver_id": pick.driver_id,
                              "driver_name": drivers.get(pick.driver_id)}, **_turn_data(action.draft))
    return action.finish(turn)


def reset(league_id: int, race_id: int, user: User) -> dict:
    """Back to open with no picks, in the same order, unpaused, the first turn on a fresh pick_clock."""
    action = _Action(league_id, race_id, user)
    draft = action.draft
    action.require(RUNNING, "Only a draft that opened and has not locked can be reset")
    undone = db.session.scalars(select(Pick).where(Pick.draft_id == draft.id)).all()
    for pick in undone:
        db.session.delete(pick)
    on_clock = draft.current_pick
    draft.state, draft.paused_at, draft.paused_by_id = DraftState.open, None, None
    turns.advance(draft, 1)
    turn = pick_clock.start_turn(draft, action.league.pick_seconds, replaced=on_clock)
    action.record("draft_reset", picks_removed=len(undone), **_turn_data(draft))
    return action.finish(turn)
