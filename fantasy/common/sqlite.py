"""SQLite as a real multi-process database for the default run: WAL, foreign keys, writer locks.

pysqlite's own transaction handling defers BEGIN and never takes the write lock up front, so two
requests could both read a count and both insert. Writes (every request but GET/HEAD, and every job and
CLI command) therefore begin with BEGIN IMMEDIATE, which takes the write lock at the start, the same
guarantee the row locks give on PostgreSQL. GET/HEAD begin deferred, so under WAL they read while a
writer works instead of queueing behind it. (No GET writes today: the draft state's GET stopped creating its
draft row. One that did could meet a concurrent writer and answer 503 "retry", at once under gevent, where
the busy timeout is 0.)

Under gevent (the `web` process, and `make test TEST_WORKER_CLASS=gevent`) every request of a worker is a
greenlet on one OS thread, and SQLite's own busy handler sleeps in C: a request waiting for the write lock
would stop the whole process, the request holding the lock with it, until the timeout failed it. There the
busy timeout is 0 and BEGIN IMMEDIATE waits in Python, in a sleep gevent makes cooperative.
"""
import sqlite3
import time

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from fantasy.common.cooperative import gevent_patched

BUSY_TIMEOUT_MS = 10_000
# The cooperative wait's pauses between attempts: doubling from 1 ms, at most 25 ms (SQLite's own handler
# sleeps 1, 2, 5, 10, 15, 20, 25 ms... between its attempts).
FIRST_PAUSE, LONGEST_PAUSE = 0.001, 0.025


def _on_connect(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={0 if gevent_patched() else BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _on_begin(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    if has_request_context() and request.method in ("GET", "HEAD"):
        connection.exec_driver_sql("BEGIN")
    else:
        _begin_immediate(connection)


def _begin_immediate(connection) -> None:
    """Take the write lock, waiting up to BUSY_TIMEOUT_MS for it: in SQLite's busy handler when the busy
    timeout is set, else here (under gevent)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = FIRST_PAUSE
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as error:
            busy = error.orig.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY  # SQLITE_BUSY_RECOVERY etc. too
            if not busy or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(2 * pause, LONGEST_PAUSE)


def init_sqlite() -> None:
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)
        event.listen(Engine, "begin", _on_begin)
