"""Whose turn comes next: teams that stop drafting (left, removed, deactivated) lose their remaining turns
at once, running drafts included, and a turn they held passes on with a fresh pick clock (§7)."""
from sqlalchemy import or_, select

from fantasy.auth.models import User
from fantasy.drafts import order, pick_clock
from fantasy.drafts.models import Draft, DraftState
from fantasy.extensions import db
from fantasy.leagues.audit import audit
from fantasy.leagues.models import FantasyTeam, League

# A team stops drafting when it leaves, is removed, or its user is deactivated.
_DEPARTED = or_(FantasyTeam.left_at.is_not(None), User.is_active.is_(False))


def drafting_team_ids(league_id: int) -> list[int]:
    """Teams that draft, in join order (the order newcomers are appended in): not left, user not deactivated."""
    return db.session.scalars(
        FantasyTeam.active_in(league_id).with_only_columns(FantasyTeam.id)
        .join(User, User.id == FantasyTeam.user_id)
        .where(User.is_active.is_(True))
        .order_by(FantasyTeam.joined_at, FantasyTeam.id)
    ).all()


def advance(draft: Draft, pick_number: int) -> None:
    """Put the first turn from `pick_number` on whose team still drafts on the clock; complete without one."""
    draft.current_pick = order.next_turn(draft.order, draft.method, pick_number, draft.picks_per_team,
                                         set(draft.skipped_team_ids))
    if draft.current_pick > draft.total_picks:
        draft.state, draft.pick_deadline = DraftState.complete, None
        # Members hear of it (notifications: draft_complete), a lock that filled the last slots included.
        audit(draft.league_id, None, "draft_complete", race_id=draft.race_id, draft_id=draft.id)


def skip_departed_in(draft: Draft, pick_seconds: int) -> pick_clock.Turn | None:
    """Skip the remaining turns of the draft's teams that stopped drafting, under the draft's row lock.
    The turn that was on the clock passes on with a fresh pick clock: returned when it did, for scheduling
    after the commit."""
    departed = db.session.scalars(
        select(FantasyTeam.id).join(User, User.id == FantasyTeam.user_id)
        .where(FantasyTeam.league_id == draft.league_id, FantasyTeam.id.in_(draft.order or ()), _DEPARTED)
    ).all()
    newly = sorted(set(departed) - set(draft.skipped_team_ids))
    if not newly:
        return None
    draft.skipped_team_ids = [*draft.skipped_team_ids, *newly]  # a new list: JSON changes in place go unseen
    on_clock = draft.current_pick
    advance(draft, on_clock)
    audit(draft.league_id, None, "turns_skipped", race_id=draft.race_id, draft_id=draft.id, team_ids=newly)
    if draft.current_pick == on_clock:
        return None
    return pick_clock.start_turn(draft, pick_seconds, replaced=on_clock)


def skip_departed(*, league_id: int | None = None, user_id: int | None = None) -> None:
    """In every running draft (of one league, or with one user's team), skip the turns of teams that stopped
    drafting: called once a departure committed (not inside its transaction: that holds the league row,
    which a pick's insert waits for while holding the draft row), and by the draft tick in case that call
    was lost."""
    candidates = (
        select(Draft.id).distinct()
        .join(FantasyTeam, FantasyTeam.league_id == Draft.league_id)
        .join(User, User.id == FantasyTeam.user_id)
        .where(Draft.state == DraftState.open, _DEPARTED)
    )
    if league_id is not None:
        candidates = candidates.where(Draft.league_id == league_id)
    if user_id is not None:
        candidates = candidates.where(FantasyTeam.user_id == user_id)
    for draft_id in db.session.scalars(candidates).all():
        draft = db.session.scalars(select(Draft).where(Draft.id == draft_id).with_for_update()).one()
        turn = None
        if draft.state == DraftState.open:
            turn = skip_departed_in(draft, db.session.get(League, draft.league_id).pick_seconds)
        db.session.commit()
        if turn is not None:
            pick_clock.schedule_expiry(turn)
