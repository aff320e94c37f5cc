"""Draft jobs: the pick clock's expiry and the periodic draft tick (which also locks live salary-cap rounds)."""
import logging

from fantasy.drafts import lifecycle, pick_clock, picking
from fantasy.lineups.lock import lock_due_rounds

log = logging.getLogger(__name__)


def expire_turn(draft_id: int, pick_number: int) -> bool:
    picked = picking.expire_turn(draft_id, pick_number)
    log.info("pick clock expired", extra={"draft_id": draft_id, "pick": pick_number, "autopicked": picked})
    return picked


def draft_tick() -> dict:
    counts = lifecycle.draft_tick()
    counts["lineup_rounds_locked"] = lock_due_rounds()  # the same clock: a weekend's first scored session
    counts["clocks_restored"] = pick_clock.restore_lost_expiries()  # a Redis that lost its data loses the clocks
    log.info("draft tick", extra=counts)
    return counts
