"""What scoring listens to: a changed classification, or a salary-cap round's lock, queues scoring of its race."""
from fantasy.f1data.events import results_changed
from fantasy.jobs.scoring import enqueue_score_race
from fantasy.lineups.events import round_locked


def subscribe() -> None:
    # blinker ignores a second connect of the same receiver, so every create_app() may call this.
    results_changed.connect(enqueue_score_race)
    round_locked.connect(enqueue_score_race)  # the stored results score the round, as a replay draft's lock
