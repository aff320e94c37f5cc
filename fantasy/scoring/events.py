"""Signals the notification layer subscribes to: a race scored for leagues, or their scores corrected."""
from blinker import Namespace

_signals = Namespace()

# race_scored.send(race_id, league_ids=[...]): the leagues' drafts of this race were scored.
race_scored = _signals.signal("race-scored")
# scores_corrected.send(race_id, league_ids=[...]): already scored leagues whose points changed.
scores_corrected = _signals.signal("scores-corrected")
