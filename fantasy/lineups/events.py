"""Signals of salary-cap rounds: a league's round locked (scoring and notifications subscribe)."""
from blinker import Namespace

_signals = Namespace()

# round_locked.send(race_id, league_id=..., lineups=[{"user_id": ..., "data": {...}}, ...]), after the lock's
# commit: every team's locked lineup as its notification shows it. Scoring queues the race (as a replay
# draft's lock does); notifications tell each team's user.
round_locked = _signals.signal("lineup-round-locked")
