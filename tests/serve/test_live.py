"""krx serve with the config's subscriptions: the book route answers from the live verified
book, and runtime-proof shows each stream's health (a corrupted checksum -> a resync)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import REPO_ROOT, start_sandbox

pytestmark = pytest.mark.e2e
TOKEN = "live-test-token-5d1e"
CONFIG = {
    "provider": {
        "connectors": [{"connectorType": "kraken", "enabled": True, "markets": [
            {"marketType": "spot", "symbols": [{"name": "BTCUSD"}]}]}],
        "subscriptions": [
            {"type": "PROVIDER_MARKETDATA_ORDERBOOK", "symbols": ["BTCUSD"], "active": True},
            {"type": "PROVIDER_MARKETDATA_TRADE", "symbols": ["BTCUSD"], "active": True},
        ],
    }
}  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    handle = start_sandbox(tmp_path_factory.mktemp("sb"), corrupt_checksum_every=25)
    home = tmp_path_factory.mktemp("home")
    (home / "config.provider.json").write_text(json.dumps(CONFIG))
    (home / "config.provider.json").chmod(0o600)
    env = dict(
        os.environ,
        KRX_SANDBOX_STATE=str(handle.state_file),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "cfg"),
        XDG_STATE_HOME=str(home / "state"),
        PROVIDER_API_TOKEN=TOKEN,
        PYTHONPATH=str(REPO_ROOT),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "kraken_cli", "--sandbox", "--config",
         str(home / "config.provider.json"), "serve", "--port", "0"],
        stderr=subprocess.PIPE, text=True, env=env, cwd=home,
    )  # fmt: skip
    assert process.stderr is not None
    line = process.stderr.readline()
    try:
        assert "ready on" in line, line + process.stderr.read()
        yield line.split("ready on ", 1)[1].split()[0]
    finally:
        process.terminate()
        process.wait(10)
        handle.stop()


def _get(base: str, path: str) -> Any:
    response = httpx.get(base + path, headers={"x-api-token": TOKEN}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_book_from_the_live_stream_and_health_in_the_runtime_proof(served: str) -> None:
    deadline = time.monotonic() + 60
    proof: dict[str, Any] = {}
    while time.monotonic() < deadline:
        proof = _get(served, "/api/exchanges/runtime-proof")
        streams = {s["channel"]: s for s in proof["connectors"][0]["streams"]}
        if {"book", "trade"} <= set(streams) and streams["book"]["resyncs"] >= 1:
            break
        time.sleep(0.5)
    (connector,) = proof["connectors"]
    streams = {s["channel"]: s for s in connector["streams"]}
    assert streams["book"]["connected"] and streams["book"]["checksumFailures"] >= 1
    assert streams["book"]["resyncs"] >= 1 and streams["trade"]["lastMessageAgeMs"] < 30_000
    assert {c["check"] for c in connector["checks"]} >= {
        "connectivity",
        "clock skew",
        "Query Funds",
    }
    assert connector["rateLimit"]["max"] > 0
    book = _get(served, "/api/orderbook/kraken/spot/BTCUSD?depth=5")
    assert book["source"] == "stream" and isinstance(book["checksum"], int)
    prices = [Decimal(level["price"]) for level in book["bids"]]
    assert len(prices) == 5 and prices == sorted(prices, reverse=True)
    ready = _get(served, "/api/health/ready")
    assert ready["ready"] and set(ready["checks"]) >= {"book:BTC/USD", "trade:BTC/USD"}
    metrics = httpx.get(served + "/api/metrics", headers={"x-api-token": TOKEN}, timeout=30).text
    assert 'krx_stream_connected{channel="book",symbol="BTC/USD"} 1.0' in metrics
    assert 'krx_stream_resyncs_total{channel="book",symbol="BTC/USD"}' in metrics
    assert "krx_limiter_headroom " in metrics  # the same figures as the runtime proof
