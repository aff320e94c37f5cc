"""The pick clock: each turn's deadline; its one-off expiry job is the job layer's (fantasy/jobs/drafts.py)."""
import logging
import math
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from sqlalchemy import select

from fantasy.common.clock import utcnow
from fantasy.drafts import order
from fantasy.drafts.events import clock_changed, turn_started
from fantasy.drafts.models import Draft, DraftState
from fantasy.extensions import db

log = logging.getLogger(__name__)


def expiry_job_id(draft_id: int, pick_number: int) -> str:
    """Deterministic: the same turn never gets two jobs, and a pick can cancel its turn's job."""
    return f"draft-{draft_id}-pick-{pick_number}-expiry"


def fire_time(deadline: datetime) -> datetime:
    """The deadline rounded up to a whole second: rq-scheduler stores whole seconds and truncates, so an
    unrounded job would fire before its deadline, find the turn not yet due and do nothing at all."""
    return datetime.fromtimestamp(math.ceil(deadline.timestamp()), tz=timezone.utc)


class Turn(NamedTuple):
    """The turn now on the clock, as plain values: scheduled after the commit, which expires the draft row."""

    draft_id: int
    pick_number: int
    deadline: datetime | None
    pick_seconds: int
    # The turn this one follows, whose job is cancelled: not always pick_number - 1, skipped turns between.
    replaced: int | None = None


def _full_time(draft: Draft, pick_seconds: int) -> datetime | None:
    """The deadline of a turn starting now: none without a pick clock, once complete, or while paused. An
    expiry job finding no deadline does nothing, so a paused turn is never autopicked."""
    if draft.state == DraftState.open and draft.paused_at is None and pick_seconds > 0:
        return utcnow() + timedelta(seconds=pick_seconds)
    return None


def start_turn(draft: Draft, pick_seconds: int, replaced: int | None = None) -> Turn:
    """Every turn change comes here: set the deadline of the turn now on the clock (see `_full_time`);
    `replaced` is the pick number that was on the clock before."""
    draft.pick_deadline = _full_time(draft, pick_seconds)
    if draft.state == DraftState.open:  # whose turn it is, decided in the turn's own transaction (§9)
        turn_started.send(draft, team_id=order.team_on_turn(draft.order, draft.method, draft.current_pick))
    return Turn(draft.id, draft.current_pick, draft.pick_deadline, pick_seconds, replaced)


def pause(draft: Draft, user_id: int, pick_seconds: int) -> Turn:
    """Stop the clock of the turn on the clock (§14): its job is cancelled after the commit."""
    draft.paused_at, draft.paused_by_id, draft.pick_deadline = utcnow(), user_id, None
    return Turn(draft.id, draft.current_pick, None, pick_seconds, replaced=draft.current_pick)


def resume(draft: Draft, pick_seconds: int) -> Turn:
    """Restart the clock with the turn's full time. The same team stays on the clock: no new your_turn."""
    draft.paused_at = draft.paused_by_id = None
    draft.pick_deadline = _full_time(draft, pick_seconds)
    return Turn(draft.id, draft.current_pick, draft.pick_deadline, pick_seconds)


def schedule_expiry(turn: Turn) -> None:
    """After commit: have the previous turn's expiry job cancelled and this turn's scheduled (the job layer's
    `clock_changed` receiver, one Redis round trip). Without a pick clock there is no job to cancel or
    schedule."""
    if turn.pick_seconds > 0:
        clock_changed.send(turn)


def running_turns() -> list[tuple[int, int, datetime]]:
    """(draft id, pick number, deadline) of every turn on a running clock. Ends its read: on SQLite every
    transaction holds the one write lock until it ends."""
    turns = db.session.execute(
        select(Draft.id, Draft.current_pick, Draft.pick_deadline)
        .where(Draft.state == DraftState.open, Draft.pick_deadline.is_not(None))
    ).all()
    db.session.rollback()
    return [tuple(turn) for turn in turns]
