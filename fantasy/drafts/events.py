"""Signals the notification layer subscribes to: a team was put on the clock."""
from blinker import Namespace

_signals = Namespace()

# turn_started.send(draft, team_id=...), inside the transaction that changed the turn (a pick, an autopick by
# the clock, the draft opening, a skipped turn): its receivers decide who hears of it there and then, and
# act only after the commit (common/outbox.py).
turn_started = _signals.signal("turn-started")
