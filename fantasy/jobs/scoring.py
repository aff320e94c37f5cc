"""Scoring jobs: score one race, when its results change or scoring asks (a lock, a re-score)."""
import logging

from fantasy.common.redis import redis_lock
from fantasy.f1data.events import results_changed
from fantasy.jobs.queues import DEFAULT, enqueue_unique
from fantasy.lineups.events import round_locked
from fantasy.scoring import service
from fantasy.scoring.events import scoring_due

log = logging.getLogger(__name__)
# A race scores in well under a second even at 1M teams (bench/README.md): a short lock lapses soon after a
# worker dies holding it, so the retry is not held up; a concurrent run meanwhile is harmless (idempotent).
LOCK_SECONDS = 60
WAIT_SECONDS = 120


def race_lock(race_id: int, timeout: float = LOCK_SECONDS):
    """The lock under which a race's scores are written: one writer per race at a time."""
    return redis_lock(f"lock:score-race:{race_id}", timeout=timeout, wait=WAIT_SECONDS)


def score_race(race_id: int) -> dict:
    """Score a race under a Redis lock so two workers never score the same race at once."""
    with race_lock(race_id):
        summary = service.score_race(race_id)
    log.info("score race job", extra=summary)
    return summary


def enqueue_score_race(race_id: int, **_signal_kwargs) -> str:
    """Queue scoring of a race: the receiver of `results_changed`, `scoring_due` and a salary-cap round's
    `round_locked` (it takes their kwargs)."""
    return enqueue_unique(DEFAULT, score_race, race_id, job_id=f"score-race-{race_id}").id


def subscribe() -> None:
    # blinker ignores a second connect of the same receiver, so every create_app() may call this.
    results_changed.connect(enqueue_score_race)
    scoring_due.connect(enqueue_score_race)
    round_locked.connect(enqueue_score_race)  # the stored results score the round, as a replay draft's lock
