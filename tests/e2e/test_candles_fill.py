"""e2e: ``krx candles --fill`` adds flat candles where the sandbox tape has no trades."""

from __future__ import annotations

import itertools
import json
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

Krx = Callable[..., subprocess.CompletedProcess[str]]


def _rows(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_fill_makes_the_minutes_contiguous(krx: Krx) -> None:
    # a fixed, committed range inside the OHLC window: both calls see the same candles
    until = int(time.time()) // 60 * 60 - 300
    args = ("candles", "BTCUSD", "min1", "--since", _iso(until - 6 * 3600), "--until", _iso(until))
    plain = _rows(krx(*args, "--format", "jsonl"))
    filled = _rows(krx(*args, "--fill", "--format", "jsonl"))
    # the seed-1 tape trades every ~20 s, so some minutes have no trade (and no candle)
    assert len(filled) > len(plain) >= 2
    times = [datetime.fromisoformat(r["time"].replace("Z", "+00:00")) for r in filled]
    steps = {(b - a).total_seconds() for a, b in itertools.pairwise(times)}
    assert steps == {60.0}
    assert filled[0] == plain[0] and filled[-1]["time"] == _iso(until - 60)
    real = {r["time"]: r for r in plain}
    for prev, row in itertools.pairwise(filled):
        if row["time"] in real:
            assert row == real[row["time"]]
            continue
        close = prev["close"]
        assert row["symbol"] == "BTC/USD" and row["count"] == 0
        assert Decimal(row["volume"]) == 0
        assert [row[k] for k in ("open", "high", "low", "close", "vwap")] == [close] * 5
    assert len(filled) - len(plain) == sum(1 for r in filled if r["count"] == 0)


def test_fill_is_refused_for_futures(krx: Krx) -> None:
    proc = krx("candles", "PF_XBTUSD", "h1", "--market", "futures", "--fill")
    assert proc.returncode == 2 and "--fill applies to spot candles" in proc.stderr


def test_fill_is_in_the_help(krx: Krx) -> None:
    proc = krx("candles", "--help")
    assert proc.returncode == 0 and "--fill" in proc.stdout and "flat" in proc.stdout
