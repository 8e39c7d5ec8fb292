"""Against the sandbox: trades and candles routes include what the live subscriptions saw."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from kraken_cli.config.settings import SubscriptionSpec
from kraken_cli.serve.app import create_app
from kraken_cli.serve.live import LiveState, keep_live
from kraken_cli.serve.sources import Sources
from kraken_cli.serve.state import ServeState
from tests.e2e.conftest import SandboxHandle
from tests.serve.conftest import AUTH, TOKEN, sandbox_settings

pytestmark = pytest.mark.e2e
SUBSCRIPTIONS = (
    SubscriptionSpec("PROVIDER_MARKETDATA_TRADE", ("BTCUSD",)),
    SubscriptionSpec("PROVIDER_MARKETDATA_CANDLE", ("BTCUSD",), ("min1",)),
)


@pytest.fixture(scope="module")
def live_client(sandbox_for_serve: SandboxHandle) -> Iterator[tuple[TestClient, LiveState]]:
    settings = replace(sandbox_settings(sandbox_for_serve), subscriptions=SUBSCRIPTIONS)
    sources = Sources(settings)
    state = ServeState(sources, TOKEN, live=LiveState())
    assert state.live is not None
    stop = threading.Event()
    keep_live(sources.run_subscriptions, state.live, stop)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(state.live.recent_trades("BTC/USD")) >= 3 and state.live.recent_candles(
            "BTC/USD", 1
        ):
            break
        time.sleep(0.2)
    try:
        with TestClient(create_app(state), raise_server_exceptions=False) as client:
            yield client, state.live
    finally:
        stop.set()
        sources.close()


def test_trades_hold_every_live_trade_once_in_order(
    live_client: tuple[TestClient, LiveState],
) -> None:
    client, live = live_client
    seen = {t["trade_id"] for t in live.recent_trades("BTC/USD")}
    assert seen, "the subscription delivered no trade"
    answer = client.get("/api/trades/kraken/spot/BTCUSD?limit=1000&order=asc", headers=AUTH)
    assert answer.status_code == 200, answer.text
    ids = [t["trade_id"] for t in answer.json()["data"]]
    assert ids == sorted(set(ids))  # ascending, no duplicates
    assert seen <= set(range(ids[0], ids[-1] + 1)) and seen <= set(ids)
    # a trade only the stream has seen (REST lags it) is in the answer, shaped like REST's
    newest = max(seen)
    record = dict(live.recent_trades("BTC/USD")[-1], trade_id=newest + 10**9)
    record["time"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    live.write(record)
    latest = client.get("/api/trades/kraken/spot/BTCUSD?limit=5", headers=AUTH).json()["data"]
    assert latest[0]["trade_id"] == newest + 10**9 and "channel" not in latest[0]
    assert set(latest[0]) == set(latest[1])


def test_partial_candles_end_with_the_live_forming_candle(
    live_client: tuple[TestClient, LiveState],
) -> None:
    client, live = live_client
    answer = client.get("/api/candles/kraken/spot/BTCUSD/min1?partial=true", headers=AUTH)
    assert answer.status_code == 200, answer.text
    rows = answer.json()
    times = [row["ts"] for row in rows]
    assert times == sorted(set(times))
    forming = max(live.recent_candles("BTC/USD", 1), key=lambda c: str(c["time"]))
    last = rows[-1]
    assert last["time"] >= forming["time"]
    if last["time"] == forming["time"]:
        assert last["count"] >= forming["count"]  # never an older version than the stream's
    assert set(last) == set(rows[0])


def test_a_closed_candle_the_stream_saw_more_of_replaces_the_rest_one(
    live_client: tuple[TestClient, LiveState],
) -> None:
    client, live = live_client
    opened = (int(time.time()) // 60 - 5) * 60  # closed, and no longer updated by the stream
    stamp = datetime.fromtimestamp(opened, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    template = live.recent_candles("BTC/USD", 1)[-1]
    live.write(dict(template, time=stamp, close="12345.6", count=10**6))
    rows = client.get("/api/candles/kraken/spot/BTCUSD/min1?days=0.01", headers=AUTH).json()
    (row,) = [r for r in rows if r["ts"] == opened * 1000]
    assert (row["close"], row["count"], row["interval"]) == ("12345.6", 10**6, "min1")
    assert [r["ts"] for r in rows] == sorted({r["ts"] for r in rows})
