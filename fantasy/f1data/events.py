"""In-process signals other domains subscribe to, e.g. scoring re-scores when a classification changes."""
from blinker import Namespace

_signals = Namespace()

# Sent once per changed (race, session), after the change is committed:
# results_changed.send(race_id, session=SessionKind, source=ResultSource).
results_changed = _signals.signal("results-changed")

# Sent when polling a session's results gives up (no final classification within the polling window):
# results_poll_gave_up.send(race_id, session=SessionKind).
results_poll_gave_up = _signals.signal("results-poll-gave-up")
