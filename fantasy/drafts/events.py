"""Drafts' signals: a team was put on the clock (the notifications listen); a turn's pick clock changed (the
job layer schedules its expiry job)."""
from blinker import Namespace

_signals = Namespace()

# turn_started.send(draft, team_id=...), inside the transaction that changed the turn (a pick, an autopick by
# the clock, the draft opening, a skipped turn): its receivers decide who hears of it there and then, and
# act only after the commit (common/outbox.py).
turn_started = _signals.signal("turn-started")

# clock_changed.send(turn), after the commit that started, paused or resumed a turn (a pick_clock.Turn): the
# job layer cancels the expiry job of the turn it replaced and schedules this one's at its deadline.
clock_changed = _signals.signal("pick-clock-changed")
