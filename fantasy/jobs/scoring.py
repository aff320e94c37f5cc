"""Scoring jobs: score one race, triggered by result changes, replay locks and admins."""
import logging

from fantasy.common.redis import redis_lock
from fantasy.errors import NotFound
from fantasy.extensions import db
from fantasy.f1data.models import Race
from fantasy.jobs.queues import DEFAULT, enqueue_unique
from fantasy.scoring import service

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
    """Queue scoring of a race (also the `results_changed` subscriber: it takes the signal's kwargs)."""
    return enqueue_unique(DEFAULT, score_race, race_id, job_id=f"score-race-{race_id}").id


def request_rescore(race_id: int) -> str:
    """An admin asks for a race to be re-scored for every league."""
    if db.session.get(Race, race_id) is None:
        raise NotFound(f"No race {race_id}")
    return enqueue_score_race(race_id)
