"""Cached answers: period alignment (pure), and the gate's fast path keeps the token check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from kraken_cli.models.intervals import parse_interval
from kraken_cli.serve import queries
from kraken_cli.serve.cache import Answer, AnswerCache
from tests.serve.conftest import AUTH

H1 = parse_interval("h1")
NOW = datetime(2026, 11, 30, 10, 30, 15, tzinfo=UTC)


def test_windows_that_select_the_same_candles_share_a_period() -> None:
    def period(now: datetime) -> tuple[tuple[int, int], float]:
        window = queries.candle_window(H1, days=7, start=None, end=None, now=now)
        return queries.candle_period(H1, window, open_ended=True, partial=False, now=now)

    (first, ttl), (later, _) = period(NOW), period(NOW + timedelta(minutes=20))
    assert first == later  # both before the 11:00 close
    assert ttl == pytest.approx(29 * 60 + 45)  # valid until the 11:00 candle closes
    assert period(NOW + timedelta(minutes=30))[0] != first


def test_forming_and_closed_windows_expire_as_their_data_changes() -> None:
    window = queries.candle_window(H1, days=1, start=None, end=None, now=NOW)
    assert queries.candle_period(H1, window, open_ended=True, partial=True, now=NOW)[1] == 1.0
    closed = queries.candle_window(H1, days=None, start="2026-11-01", end="2026-11-02", now=NOW)
    _, ttl = queries.candle_period(H1, closed, open_ended=False, partial=False, now=NOW)
    assert ttl == queries.CLOSED_TTL_S


def test_the_cache_is_bounded_and_expires() -> None:
    now = [0.0]
    cache = AnswerCache(max_entries=2, clock=lambda: now[0])
    for key in ("a", "b", "c"):
        cache.put((key,), Answer(key.encode(), "/r"), ttl_s=10)
    assert cache.get("a") is None and cache.get("c") == Answer(b"c", "/r")
    now[0] = 10.0
    assert cache.get("c") is None


@pytest.mark.e2e
def test_a_cached_answer_still_needs_the_token(client: TestClient) -> None:
    url = "/api/candles/kraken/spot/BTCUSD/h4?days=2"
    first = client.get(url, headers=AUTH)
    assert first.status_code == 200
    assert client.get(url).status_code == 401
    again = client.get(url, headers=AUTH)
    assert again.status_code == 200 and again.content == first.content
    metrics = client.get("/api/metrics", headers=AUTH).text
    assert 'route="/api/candles/kraken/{market}/{symbol}/{interval}",status="200"} 2.0' in metrics
