"""SQLite as a real multi-process database for the default run: WAL, foreign keys, writer locks.

pysqlite's own transaction handling defers BEGIN and never takes the write lock up front, so two
requests could both read a count and both insert. Emitting BEGIN IMMEDIATE ourselves makes every
transaction take the write lock at its start (readers still run in parallel under WAL), which gives
the default run the same guarantees the row locks give on PostgreSQL.
"""
import sqlite3

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
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_sqlite() -> None:
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)
        event.listen(Engine, "begin", _on_begin)
