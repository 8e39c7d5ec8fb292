"""krx candles --market futures from an archive of the sandbox's futures trades: with the
sandbox stopped (every Kraken call would fail) the candles equal those computed independently
from the sandbox's ground-truth tape (``GET /sandbox/futures/tape``)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kraken_cli.archive.query import run_query
from kraken_cli.archive.writer import ArchiveWriter
from tests.archive.test_archive_futures_e2e import _tape
from tests.e2e.conftest import start_sandbox
from tests.support.env import krx_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # ~a minute of live sandbox
SYMBOL = "PF_XBTUSD"
MINUTE_MS = 60_000


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _seed(root: Path, trade: dict[str, Any]) -> None:
    """Archive one tape trade as the last committed one: the next run backfills from it."""
    writer = ArchiveWriter(root, "futures")
    writer.write("trades", SYMBOL, {
        "trade_id": None, "trade_uid": trade["uid"], "seq": trade["seq"],
        "time": _iso(trade["time_ms"]), "price": str(trade["price"]),
        "volume": str(trade["size"]), "side": trade["side"], "ord_type": "fill",
    })  # fmt: skip
    writer.close()


def _reference(tape: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Minute candles of tape trades (oldest first): first/max/min/last price, Σ size, count."""
    minutes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for trade in tape:
        minutes[trade["time_ms"] // MINUTE_MS].append(trade)
    return [
        {
            "time": datetime.fromtimestamp(minute * 60, UTC).isoformat()[:-6] + "Z",
            "open": Decimal(str(rows[0]["price"])),
            "high": max(Decimal(str(r["price"])) for r in rows),
            "low": min(Decimal(str(r["price"])) for r in rows),
            "close": Decimal(str(rows[-1]["price"])),
            "volume": sum(Decimal(str(r["size"])) for r in rows),
            "count": len(rows),
        }
        for minute, rows in sorted(minutes.items())
    ]


def test_futures_candles_from_the_archive_equal_the_tape_with_kraken_unreachable(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    handle = start_sandbox(tmp_path_factory.mktemp("sb"), live_rate=20, drop_every=40)
    root, home = tmp_path_factory.mktemp("archive"), tmp_path_factory.mktemp("home")
    env = krx_env(home, sandbox=handle, KRX_ARCHIVE=str(root))
    try:
        now_ms = int(time.time() * 1000)
        # a one-a-minute trade from before the live tape: the archive resumes after it, REST
        # fills the gap, and the live minute running now closes while the archive runs
        (seed, *_) = _tape(handle, SYMBOL, now_ms - 5 * MINUTE_MS, now_ms - 3 * MINUTE_MS)
        _seed(root, seed)
        closes_in = math.ceil((MINUTE_MS - now_ms % MINUTE_MS) / 1000)
        run = subprocess.run(
            [sys.executable, "-m", "kraken_cli", "--sandbox", "archive", str(root), SYMBOL,
             "--market", "futures", "--channels", "trades", "--roll", "2s",
             "--duration", f"{closes_in + 6}s"],
            capture_output=True, text=True, env=env, cwd=home, timeout=180,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert "backfill" in run.stderr
        (span,) = run_query(root, "SELECT min(time) AS lo, max(time) AS hi FROM trades")
        first_ms, last_ms = (int(span[k].timestamp() * 1000) for k in ("lo", "hi"))
        # every minute that opens after the first archived trade and closes by the last one
        lo = (first_ms // MINUTE_MS + 1) * MINUTE_MS
        hi = last_ms // MINUTE_MS * MINUTE_MS
        tape = _tape(handle, SYMBOL, lo - 1, hi - 1)
    finally:
        handle.stop()
    # the stopped sandbox's address: from here on every Kraken call fails
    offline = krx_env(home, KRX_ARCHIVE=str(root), KRX_FUTURES_URL=handle.futures_url)
    candles = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "candles", SYMBOL, "1m",
         "--market", "futures", "--since", _iso(lo), "--until", _iso(hi), "--format", "json"],
        capture_output=True, text=True, env=offline, cwd=home, timeout=120,
    )  # fmt: skip
    assert candles.returncode == 0, candles.stderr
    got = json.loads(candles.stdout)
    want = _reference(tape)
    assert len(got) == len(want) >= 3
    assert max(c["count"] for c in want) > 1  # a live minute: fills sharing milliseconds
    for mine, truth in zip(got, want, strict=True):
        assert set(mine) == {"symbol", "time", "open", "high", "low", "close", "vwap", "volume",
                             "count"}  # fmt: skip
        assert mine["symbol"] == SYMBOL and mine["vwap"] is None
        assert mine["time"] == truth["time"] and mine["count"] == truth["count"]
        for key in ("open", "high", "low", "close", "volume"):
            assert Decimal(mine[key]) == truth[key], (mine["time"], key)
            assert mine[key] == format(truth[key].normalize(), "f"), "plain exact text"
    beyond = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "candles", SYMBOL, "1m", "--market", "futures",
         "--since", _iso(lo), "--until", _iso(hi + 10 * MINUTE_MS)],
        capture_output=True, text=True, env=offline, cwd=home, timeout=120,
    )  # fmt: skip
    assert beyond.returncode != 0  # past the archive: the charts API, unreachable
