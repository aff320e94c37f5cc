"""gunicorn settings for the `web` process (values from the environment, see README)."""
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gevent: a long-lived event stream (GET /api/v1/events) holds a connection and a greenlet, not a thread,
# so one process serves thousands of them beside the API (measured against gthread: bench/README.md §6).
worker_class = "gevent"
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "2000"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Access lines come from the app itself as JSON with the request id; gunicorn's own stay off.
accesslog = None
errorlog = "-"
# gunicorn 27 opens a control socket under $HOME by default; PaaS homes may be read-only.
control_socket_disable = True


def post_fork(server, worker):
    """psycopg2 waits on its socket through gevent, so a query yields to the worker's other greenlets (the
    standard library is patched before gunicorn starts: the Procfile runs it under `python -m gevent.monkey`)."""
    from fantasy.common.cooperative import make_psycopg2_cooperative

    make_psycopg2_cooperative()


# gunicorn's own lines (start, worker boot, signals) in the app's LOG_FORMAT (JSON in production).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"app": {"()": "fantasy.common.observability.configured_formatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "app", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        # The app logs each request itself (JSON, with the request id); this would repeat it.
        "gunicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
