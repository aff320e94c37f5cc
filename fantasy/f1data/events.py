"""In-process signals other domains subscribe to, e.g. scoring re-scores when a classification changes."""
from blinker import Namespace

_signals = Namespace()

# Sent once per changed (race, session), after the change is committed:
# results_changed.send(race_id, session=SessionKind, source=ResultSource).
results_changed = _signals.signal("results-changed")
