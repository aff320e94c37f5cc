"""LOG_FORMAT: readable lines on a developer's terminal, one JSON object per line in production."""
import json
import re
import warnings

import pytest
from crontab import CronTab

import config
from fantasy import create_app
from processes import TEST_SECRET

SECRETS = {"SECRET_KEY": TEST_SECRET, "JWT_SECRET_KEY": TEST_SECRET}


def access_lines(capfd) -> list[str]:
    return [line for line in capfd.readouterr().err.splitlines() if "fantasy.access" in line]


def test_a_development_app_logs_readable_lines(backing_urls, capfd):
    # A fresh app binds its log handler to the stderr that capfd captures.
    app = create_app("development", overrides={**backing_urls, **SECRETS})
    assert app.config["LOG_FORMAT"] == "text"
    app.test_client().get("/healthz", headers={"X-Request-ID": "log-text-1"})
    [line] = access_lines(capfd)
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3} INFO    fantasy\.access: request method=GET path=/healthz "
                        r"status=200 duration_ms=\d+\.?\d* request_id=log-text-1", line), line


def test_production_logs_one_json_object_per_line(backing_urls, capfd):
    app = create_app("production", overrides={**backing_urls, **SECRETS})
    assert app.config["LOG_FORMAT"] == "json"
    app.test_client().get("/healthz", headers={"X-Request-ID": "log-json-1"})
    [line] = access_lines(capfd)
    entry = json.loads(line)
    assert (entry["logger"], entry["path"], entry["status"], entry["request_id"]) == (
        "fantasy.access", "/healthz", 200, "log-json-1")


def test_a_readable_line_keeps_the_traceback_and_quotes_text_with_spaces(backing_urls, capfd):
    app = create_app("development", overrides={**backing_urls, **SECRETS})
    with app.app_context():
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            app.logger.exception("job failed", extra={"job": "score race 3", "attempt": 2})
    err = capfd.readouterr().err
    assert 'ERROR   fantasy: job failed job="score race 3" attempt=2\nTraceback (most recent call last):' in err
    assert "RuntimeError: boom" in err


@pytest.mark.parametrize("raw, default, expected", [("", "text", "text"), ("JSON", "text", "json"),
                                                     (" text ", "json", "text")])
def test_log_format_setting(monkeypatch, raw, default, expected):
    monkeypatch.setenv("LOG_FORMAT", raw)
    assert config.log_format(default) == expected


def test_log_format_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT must be json or text, got 'xml'"):
        config.log_format("text")


def test_the_schedulers_crontab_warning_is_quiet_once_logging_is_configured(backing_urls):
    """rq-scheduler asks crontab for local times without saying so; crontab warns of a future default
    on every start of the scheduler. The pinned crontab keeps today's behaviour, so it says nothing to us."""
    create_app("development", overrides={**backing_urls, **SECRETS})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", append=True)  # every warning no filter before it hides, each time
        CronTab("17 5 * * *").next(now=None, return_datetime=True)
    assert [str(warning.message)[:30] for warning in caught] == []
