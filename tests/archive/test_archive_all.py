"""krx archive --all against a many-pairs sandbox that enforces Kraken's WS limits: every pair
subscribed, spread over connections, with zero ``Exceeded msg rate`` replies; a client that
bursts is refused (so the zero means something)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import websocket

from kraken_cli.archive import layout
from tests.e2e.conftest import SandboxHandle, start_sandbox
from tests.support.env import krx_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # ~a minute of live sandbox
PAIRS = 260  # more than 250: two connections a channel


def _ws_counters(handle: SandboxHandle) -> dict[str, Any]:
    reply = httpx.get(f"{handle.rest_url}/sandbox/ws", timeout=10).json()
    assert isinstance(reply, dict)
    return reply


def _symbols(handle: SandboxHandle) -> list[str]:
    pairs = handle.public("AssetPairs").json()["result"]
    return sorted(p["wsname"] for p in pairs.values())


@pytest.mark.timeout(300)  # a many-pairs sandbox takes a while to build on a loaded machine
def test_archive_all_subscribes_every_pair_without_a_rate_limit_reply(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    handle = start_sandbox(
        tmp_path_factory.mktemp("sb"),
        ready_timeout_s=120,
        pairs=PAIRS,
        book_rate=1,
        live_rate=0.2,
        ws_connect_limit=150,
    )
    root, home = tmp_path_factory.mktemp("archive"), tmp_path_factory.mktemp("home")
    try:
        symbols = _symbols(handle)
        assert len(symbols) == PAIRS
        synthetic = [s for s in symbols if s.startswith("S0")]  # wsname = v2 symbol for these
        # a burst of every symbol in one request is refused, as Kraken does
        burst = websocket.create_connection(handle.ws_url, timeout=10)
        try:
            params = {"channel": "trade", "symbol": synthetic}
            burst.send(json.dumps({"method": "subscribe", "req_id": 1, "params": params}))
            replies = [json.loads(burst.recv()) for _ in range(2)]
        finally:
            burst.close()
        assert any(r.get("error") == "Exceeded msg rate" for r in replies), replies
        before = _ws_counters(handle)
        run = subprocess.run(
            [sys.executable, "-m", "kraken_cli", "--sandbox", "archive", str(root), "--all",
             "--channels", "trades,book", "--duration", "30s"],
            capture_output=True, text=True, env=krx_env(home, sandbox=handle), cwd=home,
            timeout=180,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        after = _ws_counters(handle)
        assert after["subscribe_refused"] == before["subscribe_refused"]
        assert after["connects_refused"] == 0
        # 260 symbols: 2 connections a channel (more only if a busy machine forced a reconnect)
        reconnects = run.stderr.count("krx: reconnect:")
        assert 4 <= after["connects"] - before["connects"] <= 4 + reconnects
        assert after["subscribed"] - before["subscribed"] >= 2 * PAIRS
        assert "rate_limited" not in run.stderr
        book = {
            p.parent.parent.name for p in layout.committed(root, "**/channel=book/*/*/*.parquet")
        }
        assert len(book) == PAIRS  # every pair's book snapshot was archived
    finally:
        handle.stop()


def test_archive_needs_symbols_or_all(tmp_path: Path) -> None:
    for args in ([], ["BTCUSD", "--all"]):
        run = subprocess.run(
            [sys.executable, "-m", "kraken_cli", "archive", str(tmp_path / "a"), *args],
            capture_output=True, text=True, env=krx_env(tmp_path), timeout=60,
        )  # fmt: skip
        assert run.returncode == 2 and "--all" in run.stderr, run.stderr
