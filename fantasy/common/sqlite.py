"""SQLite as a real multi-process database for the default run: WAL, foreign keys, writer locks.

pysqlite's own transaction handling defers BEGIN and never takes the write lock up front, so two
requests could both read a count and both insert. Writes (every request but GET/HEAD, and every job and
CLI command) therefore begin with BEGIN IMMEDIATE, which takes the write lock at the start, the same
guarantee the row locks give on PostgreSQL. GET/HEAD begin deferred, so under WAL they read while a
writer works instead of queueing behind it. (A GET that writes, such as creating a scheduled draft on
first view, may then meet a concurrent writer and answer 503 "retry"; that is rare and harmless.)
"""
import sqlite3

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 10_000


def _on_connect(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _on_begin(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    reading = has_request_context() and request.method in ("GET", "HEAD")
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def init_sqlite() -> None:
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)
        event.listen(Engine, "begin", _on_begin)
