"""Request ids, one log line per event (JSON, or readable text on a terminal), and an access line per request."""
import json
import logging
import re
import sys
import time
import uuid
import warnings

from flask import g, has_request_context, request

from config import get_config

REQUEST_ID_HEADER = "X-Request-ID"
# A client-sent id is reused only when it is short and harmless in logs and headers.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# One encoder for every line: json.dumps(default=...) builds a new one per call.
_encode = json.JSONEncoder(default=str).encode

access_log = logging.getLogger("fantasy.access")


# Library warnings that tell an operator nothing. rq-scheduler asks crontab for local times without
# saying so, and crontab warns on every scheduler start that a future version will default to UTC; the
# pinned crontab keeps today's behaviour, so the warning is noise on the terminal and in production logs.
QUIET_WARNINGS = ((FutureWarning, r"Version 0\.22\.0\+ of crontab"),)


def _fields(record: logging.LogRecord) -> dict:
    """What a line adds to its message: the request id when there is one, then the extra= fields."""
    fields = {"request_id": g.get("request_id")} if has_request_context() else {}
    for key, value in vars(record).items():
        if key not in _RESERVED and not key.startswith("_"):
            fields[key] = value
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra= fields are kept, the request id is added when there is one."""

    _stamp = (None, "")  # (second, its UTC time as text): strftime once a second, not once a line

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self._timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return _encode(entry)

    def _timestamp(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        cached_second, stamp = self._stamp
        if second != cached_second:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._stamp = (second, stamp)  # one tuple, so a thread never pairs a second with another's text
        return f"{stamp}.{int(record.msecs):03d}Z"


def _text(value) -> str:
    """A field's value as a terminal shows it: bare when it reads unambiguously, else quoted."""
    text = str(value)
    if text and not any(char.isspace() or char in '"=' for char in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """One readable line per event for a developer's terminal: local time, level, logger, message, the same
    fields as the JSON line as key=value (the request id last), and a traceback on the lines below."""

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        request_id = fields.pop("request_id", None)
        if request_id is not None:
            fields["request_id"] = request_id
        line = (f"{time.strftime('%H:%M:%S', time.localtime(record.created))}.{int(record.msecs):03d} "
                f"{record.levelname:<7} {record.name}: {record.getMessage()}"
                + "".join(f" {key}={_text(value)}" for key, value in fields.items()))
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


FORMATTERS = {"json": JsonFormatter, "text": TextFormatter}


def configured_formatter() -> logging.Formatter:
    """The formatter LOG_FORMAT names for this process's environment (gunicorn.conf.py uses it for
    gunicorn's own lines)."""
    return FORMATTERS[get_config().LOG_FORMAT]()


def configure_logging(level: str, log_format: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(FORMATTERS[log_format]())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for category, message in QUIET_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)


def init_request_context(app) -> None:
    @app.before_request
    def assign_request_id():
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_and_tag(response):
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
            },
        )
        return response
