"""The README's run command: the default stack starts on embedded services and Ctrl-C stops all of it."""
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import requests
from rq import Worker
from rq.job import JobStatus
from rq_scheduler import Scheduler

from fantasy.jobs.schedule import PERIODIC_JOBS

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (requests.RequestException, redis.ConnectionError):  # not up yet, or too busy booting to answer
            pass
        time.sleep(0.3)
    return False


@pytest.mark.slow
@pytest.mark.smoke
def test_default_run_serves_with_worker_and_scheduler_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL")
    }
    # A port nobody listens on: the live F1 data attempt fails at once, as offline, whatever this machine's network.
    env.update(INSTANCE_PATH=str(tmp_path / "instance"), PORT=str(port),
               JOLPICA_BASE_URL=f"http://127.0.0.1:{free_port()}/ergast/f1/")
    stack = subprocess.Popen(
        [sys.executable, "-m", "fantasy.devstack"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    # Read the stack's output while it runs: unread, the pipe fills (64 KiB) and every process of the stack
    # blocks on its next log line (the worker did, mid-job, once the demo seed logged enough).
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(stack.stdout), daemon=True)
    reader.start()
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: requests.get(f"{base}/readyz", timeout=2).status_code == 200, 120)
        assert requests.get(f"{base}/docs", timeout=10).status_code == 200
        # F1 data was loaded at start-up, from the bundled snapshot.
        seasons = requests.get(f"{base}/api/v1/seasons", timeout=10).json()
        assert [season["year"] for season in seasons] == [2025, 2023]
        assert (tmp_path / "instance" / "fantasy.db").exists()
        queue_redis = redis.Redis(unix_socket_path=str(tmp_path / "instance" / "redis.sock"))
        assert wait_for(lambda: len(Worker.all(connection=queue_redis)) == 1, 60)
        # The scheduler moves a due job to its queue and the worker runs it (after the scoring jobs the
        # snapshot load queued, hence the generous wait on a busy machine).
        job = Scheduler(queue_name="default", connection=queue_redis).enqueue_in(
            timedelta(seconds=1), "fantasy.common.clock.utcnow"
        )
        assert wait_for(lambda: job.get_status(refresh=True) == JobStatus.FINISHED, 180)
    finally:
        stack.send_signal(signal.SIGINT)
        stack.wait(timeout=60)
        reader.join(timeout=10)
    output = "".join(lines)
    assert stack.returncode == 0, output
    assert "[devstack] stopped" in output
    assert "source=snapshot requests=" in output
    assert "demo league 1 (season 2023, rounds 1-3 played) created" in output and "demo_owner / " in output
    # Readable lines on the terminal, gunicorn's, the worker's and the scheduler's included; no library warnings.
    assert [line for line in output.splitlines() if line.startswith("{")] == []
    assert re.search(rf"^[\d:.]+ INFO    gunicorn\.error: Listening at: http://127\.0\.0\.1:{port} ", output, re.M)
    assert re.search(r"^[\d:.]+ INFO    rq\.worker: \*\*\* Listening on high, default, low", output, re.M)
    reconciled = rf"^[\d:.]+ INFO    fantasy\.jobs\.schedule: periodic_reconcile created={len(PERIODIC_JOBS)} "
    assert re.search(reconciled, output, re.M)
    assert re.findall(r"\w+Warning: .*", output) == []
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    with pytest.raises(redis.ConnectionError):
        queue_redis.ping()
