"""A season sync against one fake upstream that injects every fault: transient ones are ridden out within the
rate limit and give the same data as a clean sync; garbage fails the sync with nothing half-written."""
import pytest
from sqlalchemy import func, select

from f1data_fake_server import SLOW, FakeJolpica
from f1data_helpers import SEASON_2025
from fantasy.common.redis import get_redis
from fantasy.errors import AppError
from fantasy.extensions import db
from fantasy.f1data import service
from fantasy.f1data.client import JolpicaClient, RateLimiter
from fantasy.f1data.models import Driver, Race, RaceSession, SessionResult

TRUNCATED = (200, b'{"MRData": {"xmlns": "", "series": "f1", "RaceTable": {"season": "2025", "Ra', {})
WRONG_SHAPE = (200, b'{"MRData": {"total": "1", "limit": "100", "offset": "0", "Nothing": []}}', {})


def snapshot() -> dict:
    return {
        model.__tablename__: db.session.execute(select(func.count()).select_from(model)).scalar()
        for model in (Driver, Race, RaceSession, SessionResult)
    }


def client_for(upstream: FakeJolpica) -> JolpicaClient:
    # Short timeouts and backoff keep the test quick; the budget is the real shared one (4/s, 500/h) in Redis.
    return JolpicaClient(upstream.base_url, limiter=RateLimiter(get_redis()), timeout=(1, 0.5),
                         backoff_base=0.05, backoff_cap=0.2)


def most_in_one_second(times: list[float]) -> int:
    return max(sum(1 for other in times if start <= other < start + 1) for start in times)


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
def test_garbage_fails_the_sync_cleanly_with_nothing_written(app, garbage):
    with FakeJolpica(SEASON_2025) as faulty, app.app_context():
        faulty.script = {"2025/results/": [garbage]}
        before = snapshot()
        with pytest.raises(AppError) as failure:
            service.sync_season(2025, client=client_for(faulty))
        assert failure.value.code == 503 and "upstream" in failure.value.message.lower()
        assert snapshot() == before
        assert faulty.hits["2025/results/"] == 1  # garbage is not retried
