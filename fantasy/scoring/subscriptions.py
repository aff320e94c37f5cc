"""What scoring listens to: a changed classification queues a re-score of its race."""
from fantasy.f1data.events import results_changed
from fantasy.jobs.scoring import enqueue_score_race


def subscribe() -> None:
    # blinker ignores a second connect of the same receiver, so every create_app() may call this.
    results_changed.connect(enqueue_score_race)
