"""Background processes: `python worker.py worker [--burst]` (RQ on high, default, low) or `... scheduler`."""
import sys

from rq import Worker
from sqlalchemy.orm import configure_mappers

from fantasy import create_app
from fantasy.common.redis import get_redis
from fantasy.jobs.queues import QUEUE_NAMES, get_queue, no_retry_when_permanent
from fantasy.jobs.schedule import PeriodicScheduler

USAGE = "usage: python worker.py worker [--burst] | python worker.py scheduler"
# --burst drains the queues and exits: for one-off runs and end-to-end tests.
COMMANDS = (("worker",), ("worker", "--burst"), ("scheduler",))


def run_worker(burst: bool = False) -> None:
    # Every mapper configured once here, before RQ forks a work horse per job: otherwise each horse would
    # configure them again on its first query (the parent never queries).
    configure_mappers()
    worker = Worker([get_queue(name) for name in QUEUE_NAMES], connection=get_redis(),
                    exception_handlers=[no_retry_when_permanent])
    # RQ's own scheduler moves retries that wait (Retry intervals) back to their queue; rq-scheduler runs
    # the periodic and pick-clock jobs. Without it a retry with backoff would never run.
    worker.work(burst=burst, with_scheduler=True)


def run_scheduler(interval: int, reconcile_seconds: int) -> None:
    PeriodicScheduler(connection=get_redis(), interval=interval, reconcile_seconds=reconcile_seconds).run()


def main(argv: list[str]) -> int:
    command = tuple(argv[1:])
    if command not in COMMANDS:
        print(USAGE, file=sys.stderr)
        return 2
    app = create_app()
    # Jobs run inside this app context (RQ forks a work horse that inherits it).
    with app.app_context():
        if command[0] == "worker":
            run_worker(burst="--burst" in command)
        else:
            run_scheduler(app.config["SCHEDULER_INTERVAL_SECONDS"], app.config["SCHEDULER_RECONCILE_SECONDS"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
