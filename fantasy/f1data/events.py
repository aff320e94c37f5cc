"""In-process signals other domains subscribe to, e.g. scoring re-scores when a classification changes; and the
sync an admin asks for, which fantasy.jobs queues."""
from blinker import Namespace

_signals = Namespace()

# Sent once per changed (race, session), after the change is committed:
# results_changed.send(race_id, session=SessionKind, source=ResultSource).
results_changed = _signals.signal("results-changed")

# Sent when polling a session's results gives up (no final classification within the polling window):
# results_poll_gave_up.send(race_id, session=SessionKind).
results_poll_gave_up = _signals.signal("results-poll-gave-up")

# sync_requested.send(season, round=None): sync a season (or one round) in the background; the job layer
# answers with {"job_id", "status"} of the queued job (one of the same scope still waiting is reused).
sync_requested = _signals.signal("sync-requested")
