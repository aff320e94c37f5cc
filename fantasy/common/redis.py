"""The app's Redis connection, created from REDIS_URL when the app starts."""
import redis
from flask import current_app


def init_redis(app) -> None:
    app.extensions["redis"] = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
    )


def get_redis() -> redis.Redis:
    """The current app's Redis client (one connection pool per app)."""
    return current_app.extensions["redis"]
