"""The `web` process's worker class, gevent, and psycopg2 made to wait through it: one function that
gunicorn.conf.py calls after each fork and the test suite calls when it runs under gevent (README, tests)."""
import sys


def gevent_patched() -> bool:
    """Whether gevent has patched this interpreter's standard library (`python -m gevent.monkey ...`)."""
    if "gevent.monkey" not in sys.modules:  # never imported: nothing patched, and nothing to import here
        return False
    from gevent import monkey

    return monkey.is_module_patched("socket")


def make_psycopg2_cooperative() -> None:
    """psycopg2 waits on its socket through gevent, so a query yields to the process's other greenlets."""
    from psycogreen.gevent import patch_psycopg

    patch_psycopg()
