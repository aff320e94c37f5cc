"""`flask f1 bootstrap`, the default run's F1 data: live upstream first, the bundled snapshot when it fails."""
import socket
import time

import pytest
from sqlalchemy import select

from f1data_fake_server import FakeJolpica
from f1data_helpers import SEASON_2025
from fantasy.extensions import db
from fantasy.f1data import service
from fantasy.f1data.models import Season


@pytest.fixture
def upstream_at(app, monkeypatch):
    """Point the app's JOLPICA_BASE_URL somewhere for this test only."""
    def point(url: str) -> None:
        monkeypatch.setitem(app.config, "JOLPICA_BASE_URL", url)

    return point


@pytest.fixture
def silent_host():
    """A local port whose listen backlog is full: connecting hangs until the client's connect timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.2)  # let the kernel queue the fillers' handshakes
    yield f"http://127.0.0.1:{port}/ergast/f1/"
    for sock in (*fillers, server):
        sock.close()


def stored_seasons(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Season.year)))


def test_unreachable_upstream_falls_back_to_the_snapshot_after_the_connect_timeout(app, runner, upstream_at,
                                                                                   silent_host, monkeypatch):
    monkeypatch.setitem(service.BOOTSTRAP_CLIENT, "timeout", (1, 10))  # its connect timeout, 3.05 s, made 1 s
    upstream_at(silent_host)
    started = time.monotonic()
    result = runner.invoke(args=["f1", "bootstrap"])
    elapsed = time.monotonic() - started

    assert result.exit_code == 0, result.output
    assert result.output.startswith("source=snapshot ") and "classifications_changed=52" in result.output
    assert 1 <= elapsed < 6  # one connect timeout, no retries, then the local snapshot
    assert stored_seasons(app) == {2023, 2025}


def test_live_upstream_is_preferred_and_a_second_run_fetches_nothing(app, runner, upstream_at):
    with FakeJolpica(SEASON_2025) as upstream:
        upstream_at(upstream.base_url)
        first = runner.invoke(args=["f1", "bootstrap", "--season", "2025"])
        second = runner.invoke(args=["f1", "bootstrap", "--season", "2025"])

    assert first.exit_code == 0 and first.output.startswith("source=upstream requests=8 "), first.output
    assert second.exit_code == 0 and second.output.startswith("source=stored "), second.output
    assert sum(upstream.hits.values()) == 8
    assert stored_seasons(app) == {2025}  # the snapshot was not needed


@pytest.mark.parametrize("answer", [(503, b"", {}), (404, b'{"detail": "Not found."}', {})])
def test_an_upstream_error_is_not_retried_here_and_falls_back(app, runner, upstream_at, answer):
    with FakeJolpica(SEASON_2025) as upstream:
        upstream.fail["2025/drivers/"] = answer
        upstream_at(upstream.base_url)
        result = runner.invoke(args=["f1", "bootstrap", "--season", "2025"])

    assert result.exit_code == 0 and result.output.startswith("source=snapshot "), result.output
    assert upstream.hits["2025/drivers/"] == 1
    assert stored_seasons(app) == {2023, 2025}
