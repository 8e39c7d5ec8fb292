"""e2e: the sandbox's margin rules reach the user as Kraken errors with margin.explain hints."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest

pytestmark = pytest.mark.e2e

Krx = Callable[..., subprocess.CompletedProcess[str]]


def _margin_buy(krx: Krx, volume: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return krx(
        "order", "add", "BTCUSD", "buy", volume, "--type", "market", "--market", "margin", *extra
    )


def test_insufficient_margin_exits_5_with_a_hint(krx: Krx) -> None:
    proc = _margin_buy(krx, "1000", "--leverage", "2", "--yes")
    assert proc.returncode == 5, proc.stderr
    assert "krx: error: Kraken: EOrder:Insufficient margin" in proc.stderr
    hint = [line for line in proc.stderr.splitlines() if line.startswith("hint:")]
    assert hint and "free_margin" in hint[0]
    assert proc.stdout == ""


def test_margin_rejection_as_json_error(krx: Krx) -> None:
    proc = _margin_buy(krx, "1000", "--leverage", "2", "--yes", "--format", "jsonl")
    assert proc.returncode == 5
    (line,) = [x for x in proc.stderr.splitlines() if x.startswith("{")]
    error = json.loads(line)["error"]
    assert error["kraken"] == ["EOrder:Insufficient margin"]


def test_leverage_outside_the_pairs_list_is_refused(krx: Krx) -> None:
    proc = _margin_buy(krx, "0.01", "--leverage", "50", "--yes")
    assert proc.returncode == 5, proc.stderr
    assert "EGeneral:Invalid arguments:leverage" in proc.stderr
    assert "hint:" in proc.stderr and "max_leverage" in proc.stderr


def test_reduce_only_without_a_position(krx: Krx) -> None:
    proc = krx(
        "order", "add", "ETHUSD", "sell", "0.1", "--type", "market", "--market", "margin",
        "--leverage", "2", "--reduce-only", "--yes",
    )  # fmt: skip
    assert proc.returncode == 5, proc.stderr
    assert "EOrder:Reduce only:No position exists" in proc.stderr
    assert "hint:" in proc.stderr


def _rows(proc: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def test_margin_records_carry_canonical_symbols(krx: Krx) -> None:
    (placed,) = _rows(_margin_buy(krx, "0.01", "--leverage", "3", "--yes"))
    rows = _rows(krx("account", "positions", "--market", "margin"))
    mine = [r for r in rows if r["order_id"] == placed["order_id"]]
    assert mine and mine[0]["symbol"] == "BTC/USD"
    merged = _rows(krx("account", "positions", "--market", "margin", "--consolidate"))
    assert {r["symbol"] for r in merged} <= {"BTC/USD", "ETH/USD", "BTC/USDT", "ETH/BTC"}
    (balance,) = _rows(krx("account", "trade-balance", "--market", "margin"))
    assert balance["asset"] == "USD"
