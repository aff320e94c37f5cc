"""Scoring's signals: a race scored for leagues, or their scores corrected (the notifications listen); a race's
scores due (fantasy.jobs queues the score-race job).

race_scored and scores_corrected are sent inside a transaction of db.session that the sender then commits
(the one storing the scores, where it can): receivers write what must not be lost there (the notifications'
outbox rows) and act on the rest after the commit (common/outbox.py)."""
from blinker import Namespace

_signals = Namespace()

# race_scored.send(race_id, league_ids=[...]): the leagues' drafts of this race were scored.
race_scored = _signals.signal("race-scored")
# scores_corrected.send(race_id, league_ids=[...]): already scored leagues whose points changed.
scores_corrected = _signals.signal("scores-corrected")
# scoring_due.send(race_id): score the race (again) for every league; sent after the commit that made it due
# (a lock, a ruleset change that re-scores a season, an admin's re-score). The job layer answers with the
# queued job's id.
scoring_due = _signals.signal("scoring-due")
