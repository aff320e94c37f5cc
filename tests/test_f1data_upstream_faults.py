"""A season sync against one fake upstream that injects every fault: transient ones (a cut or garbled body
included) are ridden out within the rate limit and give the same data as a clean sync; a page that stays bad
fails the sync after the bounded retries with nothing half-written."""
from collections import Counter

import pytest
from sqlalchemy import func, select

from conftest import _clean
from f1data_fake_server import SLOW, FakeJolpica
from f1data_helpers import SEASON_2025
from f1data_state import assert_same_rows, f1_state
from fantasy.common.redis import get_redis
from fantasy.errors import AppError
from fantasy.extensions import db
from fantasy.f1data import service
from fantasy.f1data.client import JolpicaClient, RateLimiter
from fantasy.f1data.models import Driver, Race, RaceSession, SessionResult

TRUNCATED = (200, b'{"MRData": {"xmlns": "", "series": "f1", "RaceTable": {"season": "2025", "Ra', {})
WRONG_SHAPE = (200, b'{"MRData": {"total": "1", "limit": "100", "offset": "0", "Nothing": []}}', {})
SEED = 12  # one whose draws inject each kind of fault at least once into the sync's requests


def snapshot() -> dict:
    return {
        model.__tablename__: db.session.execute(select(func.count()).select_from(model)).scalar()
        for model in (Driver, Race, RaceSession, SessionResult)
    }


def client_for(upstream: FakeJolpica) -> JolpicaClient:
    # Short timeouts and backoff keep the test quick; the budget is the real shared one (4/s, 500/h) in Redis.
    return JolpicaClient(upstream.base_url, limiter=RateLimiter(get_redis()), timeout=(1, 0.5),
                         backoff_base=0.05, backoff_cap=0.2)


def unpaced_client_for(upstream: FakeJolpica) -> JolpicaClient:
    """The client without the budget's waits and with its backoff not slept, for a test that asserts no pace."""
    return JolpicaClient(upstream.base_url, limiter=RateLimiter(limits=()), timeout=(1, 0.5),
                         sleep=lambda seconds: None)


def most_in_one_second(times: list[float]) -> int:
    return max(sum(1 for other in times if start <= other < start + 1) for start in times)


@pytest.mark.slow  # on the real clock: the shared budget's 4 requests a second, observed where they arrive
def test_transient_faults_are_ridden_out_within_the_rate_limit(app):
    with FakeJolpica(SEASON_2025) as clean, app.app_context():
        service.sync_season(2025, client=client_for(clean))
        expected = snapshot()
    with app.app_context():
        for model in (SessionResult, RaceSession, Race):
            db.session.execute(model.__table__.delete())
        db.session.commit()

    with FakeJolpica(SEASON_2025) as faulty, app.app_context():
        faulty.script = {
            "2025/drivers/": [(429, b'{"detail": "slow down"}', {"Retry-After": "1"})],
            "2025/races/": [(503, b"unavailable", {}), (502, b"bad gateway", {})],
            "2025/results/": [SLOW],
            "2025/sprint/": [(500, b"<html>oops</html>", {"Content-Type": "text/html"})],
        }
        summary = service.sync_season(2025, client=client_for(faulty))
        assert snapshot() == expected
        assert summary.requests == len(faulty.queries) == 8 + 5  # every fault cost exactly one retry
        assert most_in_one_second(faulty.times) <= 4  # counted where the upstream counts: on arrival


@pytest.mark.parametrize("garbage", [TRUNCATED, WRONG_SHAPE], ids=["truncated", "wrong-shape"])
def test_garbage_until_the_retries_run_out_fails_the_sync_cleanly_with_nothing_written(app, garbage):
    with FakeJolpica(SEASON_2025) as faulty, app.app_context():
        faulty.script = {"2025/results/": [garbage] * 5}
        before = snapshot()
        with pytest.raises(AppError) as failure:
            service.sync_season(2025, client=unpaced_client_for(faulty))
        assert failure.value.code == 503 and "upstream" in failure.value.message.lower()
        assert snapshot() == before
        assert faulty.hits["2025/results/"] == 5  # bounded: the client's attempts, then a typed error


@pytest.mark.slow  # on the real clock: two syncs of 20 and more requests at the shared budget's 4 a second
def test_flask_f1_sync_under_ten_percent_faults_of_every_kind_stores_what_a_clean_sync_does(app, runner,
                                                                                           monkeypatch):
    """§4: 429s, 503s and bodies a proxy cut short are transient. Pages of 8 rows make 20 requests a sync."""
    monkeypatch.setitem(app.config, "JOLPICA_BACKOFF_SECONDS", 0.05)
    with FakeJolpica(SEASON_2025, max_limit=8) as clean, app.app_context():
        monkeypatch.setitem(app.config, "JOLPICA_BASE_URL", clean.base_url)
        result = runner.invoke(args=["f1", "sync", "2025"])
        assert result.exit_code == 0, result.output
        expected, clean_requests = f1_state(), len(clean.queries)
        assert clean_requests == 20 and len(expected["session_results"]) == 40
        _clean(app)

    with FakeJolpica(SEASON_2025, max_limit=8) as faulty, app.app_context():
        faulty.inject(0.1, seed=SEED)
        monkeypatch.setitem(app.config, "JOLPICA_BASE_URL", faulty.base_url)
        result = runner.invoke(args=["f1", "sync", "2025"])
        assert result.exit_code == 0, result.output
        assert_same_rows(expected, f1_state())
        kinds = Counter(kind for _, kind in faulty.injected)
        assert sorted(kinds) == ["429", "503", "cut"], faulty.injected
        assert len(faulty.queries) == clean_requests + len(faulty.injected)  # one retry per fault
        assert f"requests={clean_requests + len(faulty.injected)} " in result.output
        assert most_in_one_second(faulty.times) <= 4
