"""Single flight (pure, threads) and the metrics route."""

from __future__ import annotations

import threading

import pytest
from starlette.testclient import TestClient

from kraken_cli.serve.flight import SingleFlight
from tests.serve.conftest import AUTH


def test_concurrent_identical_calls_compute_once() -> None:
    shared: list[int] = []
    flight = SingleFlight(on_shared=lambda: shared.append(1))
    release, started = threading.Event(), threading.Event()
    computed: list[int] = []

    def compute() -> list[int]:
        computed.append(1)
        started.set()
        release.wait(5)
        return [42]

    results: list[object] = []
    leader = threading.Thread(target=lambda: results.append(flight.run("k", compute)))
    leader.start()
    started.wait(5)
    joiners = [
        threading.Thread(target=lambda: results.append(flight.run("k", compute))) for _ in range(7)
    ]
    for t in joiners:
        t.start()
    while len(shared) < 7:  # every joiner is waiting on the leader's call
        threading.Event().wait(0.001)
    release.set()
    for t in (leader, *joiners):
        t.join(5)
    assert computed == [1] and results == [[42]] * 8


def test_errors_reach_every_waiter_and_the_key_is_freed() -> None:
    flight = SingleFlight()

    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        flight.run("k", fail)
    assert flight.run("k", lambda: 7) == 7


@pytest.mark.e2e
def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/api/candles/kraken/spot/BTCUSD/h1?days=1", headers=AUTH)
    assert client.get("/api/metrics").status_code == 401
    text = client.get("/api/metrics", headers=AUTH).text
    assert 'route="/api/candles/kraken/{market}/{symbol}/{interval}"' in text
    assert "krx_http_request_seconds_bucket" in text
    assert 'krx_kraken_requests_total{outcome="200"}' in text  # the candles' Kraken calls
