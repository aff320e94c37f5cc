"""Market jobs: price a season after one of its classifications changed (scores, then any prices now due)."""
import logging

from sqlalchemy import select

from fantasy.common.redis import redis_lock
from fantasy.extensions import db
from fantasy.f1data.events import results_changed
from fantasy.f1data.models import Race
from fantasy.jobs.queues import LOW, enqueue_unique
from fantasy.jobs.scoring import race_lock
from fantasy.market import service

log = logging.getLogger(__name__)
# Pricing a whole season takes about a second; one run at a time per season, so a round is never stored twice.
LOCK_SECONDS = 120
WAIT_SECONDS = 300


def _race_lock(race_id: int):
    # The score-race job's lock: a race is scored by one worker at a time.
    return race_lock(race_id, timeout=LOCK_SECONDS)


def price_season(year: int) -> dict:
    with redis_lock(f"lock:price-season:{year}", timeout=LOCK_SECONDS, wait=WAIT_SECONDS):
        summary = service.price_season(year, race_lock=_race_lock)
    log.info("price season job", extra=summary)
    return summary


def enqueue_price_season(race_id: int, **_signal_kwargs) -> str | None:
    """The `results_changed` subscriber: queue pricing of the race's season (one waiting job per season).

    On the low queue: prices are due before the next round locks, days away, and a season load that
    changes every classification at once queues one job, not one per race. The season is read on a
    connection of its own: the sender's session is left without a transaction (on SQLite one would hold
    the database's write lock until the sender's session ends)."""
    with db.engine.connect() as connection:
        year = connection.scalar(select(Race.season_year).where(Race.id == race_id))
    if year is None:
        return None
    return enqueue_unique(LOW, price_season, year, job_id=f"price-season-{year}").id


def subscribe() -> None:
    """Wire the market to the F1 data here, in jobs: the market domain itself never imports jobs.
    blinker ignores a second connect of the same receiver, so every create_app() may call this."""
    results_changed.connect(enqueue_price_season)
