"""Background processes: `python worker.py worker` (RQ on high, default, low) or `python worker.py scheduler`."""
import sys

from rq import Worker
from rq_scheduler import Scheduler

from fantasy import create_app
from fantasy.common.redis import get_redis
from fantasy.jobs.queues import QUEUE_NAMES, get_queue

USAGE = "usage: python worker.py worker|scheduler"


def run_worker() -> None:
    worker = Worker([get_queue(name) for name in QUEUE_NAMES], connection=get_redis())
    worker.work(with_scheduler=False)


def run_scheduler(interval: int) -> None:
    Scheduler(connection=get_redis(), interval=interval).run()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in ("worker", "scheduler"):
        print(USAGE, file=sys.stderr)
        return 2
    app = create_app()
    # Jobs run inside this app context (RQ forks a work horse that inherits it).
    with app.app_context():
        if argv[1] == "worker":
            run_worker()
        else:
            run_scheduler(app.config["SCHEDULER_INTERVAL_SECONDS"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
