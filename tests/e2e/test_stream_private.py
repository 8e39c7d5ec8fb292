"""Private streams (`executions`, `balances`) as a process against the sandbox: the WS token
comes from REST GetWebSocketsToken, and a fresh one is fetched for every (re)connection."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_private_support import calls, ground_truth, jsonl, run_krx
from tests.support.env import krx_env

pytestmark = pytest.mark.e2e


def krx_popen(handle: Any, home: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``python -m kraken_cli --sandbox ARGS`` against ``handle`` (isolated XDG dirs)."""
    return subprocess.Popen(
        [sys.executable, "-m", "kraken_cli", "--sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=krx_env(home, sandbox=handle),
        cwd=home,
    )


def place_until_done(handle: Any, proc: subprocess.Popen[str], limit_s: float = 30) -> int:
    """Place resting orders every 0.3 s until ``proc`` exits (no race with its subscribe)."""
    placed = 0
    deadline = time.monotonic() + limit_s
    while proc.poll() is None and time.monotonic() < deadline:
        if placed >= 50:  # stay under the pair's open-order cap when krx starts slowly
            time.sleep(0.3)
            continue
        reply = handle.private(
            "AddOrder", pair="XBTUSD", type="buy", ordertype="limit", price="1000.0",
            volume="0.001",
        )  # fmt: skip
        assert reply.json()["error"] == [], reply.text
        placed += 1
        time.sleep(0.3)
    return placed


def finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"krx stream did not finish: {err[-2000:]}")
    assert proc.returncode == 0, err
    return out, err


def test_stream_balances_and_executions(
    sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sb = sandbox_factory()
    balances = run_krx(sb, tmp_path, "stream", "balances", "--count", "1", timeout=30)
    assert balances.returncode == 0, balances.stderr
    rows = jsonl(balances.stdout)
    assert len(rows) == 1 and rows[0]["channel"] == "balances"
    assert rows[0]["asset"] == "USD" and rows[0]["balance"] == "100000.0000"

    proc = krx_popen(sb, tmp_path, "stream", "executions", "--count", "2")
    assert place_until_done(sb, proc) >= 1
    out, _err = finish(proc)
    rows = jsonl(out)
    assert len(rows) == 2 and {r["channel"] for r in rows} == {"executions"}
    orders = ground_truth(sb)
    assert {r["order_id"] for r in rows} <= set(orders)
    assert {"pending_new", "new"} & {r["exec_type"] for r in rows}
    assert calls(sb)["GetWebSocketsToken"] == 2  # one per krx run


def test_token_fetched_again_after_a_reconnect(
    sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    sb = sandbox_factory(drop_every=3)  # cut the connection after every 3rd data message
    proc = krx_popen(sb, tmp_path, "stream", "executions", "--count", "8", "--events")
    place_until_done(sb, proc)
    out, _err = finish(proc)
    rows = jsonl(out)
    events = [r for r in rows if "event" in r]
    records = [r for r in rows if "event" not in r]
    assert len(records) == 8 and {r["channel"] for r in records} == {"executions"}
    reconnects = [e for e in events if e["event"] == "reconnect"]
    assert reconnects, rows
    # every connection subscribed with a token of its own
    assert calls(sb)["GetWebSocketsToken"] >= len(reconnects) + 1
