"""The suite under the production worker class: `make test TEST_WORKER_CLASS=gevent` (CI's PostgreSQL pass) runs
in an interpreter gevent patched before anything imported, psycopg2 waiting through gevent, as a web worker is
after its fork (gunicorn.conf.py). These prove that run really is patched, so it cannot silently stop being."""
import os
import socket
import threading
import time

import psycopg2.extensions
import pytest
from sqlalchemy import create_engine, text

from engines import postgresql_only
from fantasy.common.cooperative import gevent_patched
from fantasy.common.sqlite import init_sqlite
from fantasy.extensions import db

under_gevent = pytest.mark.skipif(os.environ.get("TEST_WORKER_CLASS") != "gevent",
                                  reason="this run is not under gevent: `make test TEST_WORKER_CLASS=gevent` is")


@under_gevent
def test_the_standard_library_and_psycopg2_are_gevent_s():
    import gevent.socket
    import gevent.threading
    from psycogreen.gevent import gevent_wait_callback

    assert gevent_patched()
    assert socket.socket is gevent.socket.socket
    assert threading.Thread is gevent.threading.Thread
    assert psycopg2.extensions.get_wait_callback() is gevent_wait_callback


@under_gevent
@postgresql_only("SQLite's queries run in C inside the process, with no socket to wait on")
def test_a_query_waiting_on_postgresql_lets_another_greenlet_run(app):
    import gevent

    def sleep_in_postgresql():
        with app.app_context(), db.engine.connect() as connection:
            connection.execute(text("SELECT pg_sleep(0.5)"))

    started = time.monotonic()
    gevent.joinall([gevent.spawn(sleep_in_postgresql) for _ in range(4)], raise_error=True)
    # One after another they take 2 s; waiting through gevent, the four overlap.
    assert time.monotonic() - started < 1.5


def test_a_writer_waiting_for_sqlite_s_write_lock_lets_the_holder_commit(tmp_path):
    """The default run's SQLite under either worker class: the second writer waits for the first's lock (BEGIN
    IMMEDIATE) while the first is still working. Under gevent that wait must yield to the holder, or the whole
    process sleeps in SQLite's busy handler and the holder cannot commit before the second one fails."""
    init_sqlite()
    engine = create_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE marks (writer TEXT)")
    holding, failures = threading.Event(), []

    def write(name, hold: float):
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql(f"INSERT INTO marks VALUES ('{name}')")
                holding.set()
                time.sleep(hold)  # the lock held across a wait, such as a Redis call: a greenlet yields here
        except Exception as error:
            failures.append(error)

    started = time.monotonic()
    first = threading.Thread(target=write, args=("first", 0.3))
    first.start()
    assert holding.wait(5)
    second = threading.Thread(target=write, args=("second", 0))
    second.start()
    first.join(15)
    second.join(15)
    assert failures == []
    assert time.monotonic() - started < 3
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT writer FROM marks ORDER BY rowid").scalars().all() == [
            "first", "second"]
    engine.dispose()
