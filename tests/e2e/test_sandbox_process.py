"""End-to-end: process lifecycle: ready lines, state file, loopback-only binding, seeds."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from kraken_cli.config.sandbox_state import read_state
from tests.e2e.conftest import REPO_ROOT, SandboxHandle

pytestmark = pytest.mark.e2e


def test_ready_lines_and_state_file(sandbox_factory: Callable[..., SandboxHandle]) -> None:
    own = sandbox_factory(key="my-key", secret="c2VjcmV0LXNlY3JldC1zZWNyZXQ=")
    lines = own.ready_lines
    assert lines[0] == "krx sandbox ready"
    assert lines[1].startswith("REST      http://127.0.0.1:")
    assert lines[2] == "WS        " + own.ws_url and own.ws_url.endswith("/v2")
    assert lines[3] == "WS auth   " + own.ws_auth_url and own.ws_auth_url.endswith("/auth/v2")
    assert lines[4] == "API key   my-key" and lines[5].startswith("API secret ")
    assert lines[6] == "Futures   " + own.futures_url and own.futures_url.endswith("/futures")
    assert lines[7] == "Futures WS " + own.futures_ws_url
    assert own.futures_ws_url.endswith("/futures/ws/v1")
    mode = stat.S_IMODE(os.stat(own.state_file).st_mode)
    assert mode == 0o600
    state = read_state(own.state_file)
    assert state is not None
    assert set(state) == {
        "pid",
        "rest_url",
        "ws_url",
        "ws_auth_url",
        "futures_url",
        "futures_ws_url",
        "api_key",
        "api_secret",
        "futures_api_key",
        "futures_api_secret",
        "seed",
        "started",
    }
    assert state["futures_url"] == own.futures_url and state["api_key"] == "my-key"
    assert state["futures_api_key"] != state["api_key"]
    assert own.stop() == 0
    assert not own.state_file.exists()
    assert read_state(own.state_file) is None


def test_read_state_ignores_dead_pid(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps({"pid": 2**22 + 12345, "rest_url": "http://127.0.0.1:1"}))
    assert read_state(path) is None
    assert read_state(tmp_path / "missing.json") is None


def test_refuses_non_loopback_host(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kraken_cli.sandbox",
            "--host",
            "0.0.0.0",
            "--state-file",
            str(tmp_path / "s.json"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO_ROOT,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    assert result.returncode == 2 and "loopback" in result.stderr
    assert result.stdout == ""


def test_same_seed_same_market(
    sandbox: SandboxHandle, sandbox_factory: Callable[..., SandboxHandle]
) -> None:
    other = sandbox_factory(seed=1)
    different = sandbox_factory(seed=2)

    def hour(handle: SandboxHandle) -> list[str]:
        rows = httpx.get(
            f"{handle.rest_url}/0/public/OHLC", params={"pair": "XBTUSD", "interval": 60}
        ).json()["result"]["XXBTZUSD"]
        return rows[-5]  # a committed hour long before either process started

    assert hour(sandbox)[1:7] == hour(other)[1:7]
    assert hour(sandbox)[1:7] != hour(different)[1:7]
    assert other.api_key == sandbox.api_key and different.api_key != sandbox.api_key


def test_ready_fast_and_streaming_at_a_high_live_rate(
    sandbox_factory: Callable[..., SandboxHandle],
) -> None:
    # Start-up must not depend on the live rate (the tape is generated lazily, per small bucket).
    started = time.monotonic()
    own = sandbox_factory(live_rate=100_000)
    assert time.monotonic() - started < 3.0  # ~0.3 s on a quiet machine, incl. interpreter
    import websocket

    ws = websocket.create_connection(own.ws_url, timeout=10, skip_utf8_validation=True)
    try:
        ws.send(
            json.dumps(
                {"method": "subscribe", "params": {"channel": "trade", "symbol": ["BTC/USD"]}}
            )
        )
        ids: list[int] = []
        deadline = time.monotonic() + 10
        while len(ids) < 20_000 and time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("channel") == "trade":
                ids += [t["trade_id"] for t in msg["data"]]
    finally:
        ws.close()
    assert len(ids) >= 20_000
    assert ids == list(range(ids[0], ids[0] + len(ids)))
