"""Account and order commands against the sandbox, including a lost AddOrder reply."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_private_support import calls, ground_truth, jsonl, run_krx

pytestmark = pytest.mark.e2e


@pytest.fixture
def sb(sandbox_factory: Callable[..., Any]) -> Any:
    return sandbox_factory()


def test_account_commands(sb: Any, tmp_path: Path) -> None:
    result = run_krx(sb, tmp_path, "account", "balance", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    balances = jsonl(result.stdout)
    assert balances and list(balances[0])[:4] == ["asset", "balance", "hold", "available"]
    for row in balances:
        assert Decimal(row["available"]) == Decimal(row["balance"]) - Decimal(row["hold"])
    assert "BTC" in {row["asset"] for row in balances}
    for command in ("trade-balance", "orders", "closed-orders", "trades", "ledger", "positions"):
        result = run_krx(sb, tmp_path, "account", command, "--format", "jsonl")
        assert result.returncode == 0, (command, result.stderr)


def test_order_add_amend_cancel(sb: Any, tmp_path: Path) -> None:
    added = run_krx(
        sb, tmp_path, "order", "add", "BTCUSD", "buy", "0.001", "--price", "50000", "--yes",
        "--cl-ord-id", "e2e-1", "--format", "jsonl",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    placed = jsonl(added.stdout)[0]
    assert placed["status"] == "placed" and placed["cl_ord_id"] == "e2e-1"
    order_id = placed["order_id"]

    listed = jsonl(run_krx(sb, tmp_path, "account", "orders", "--format", "jsonl").stdout)
    mine = next(o for o in listed if o["order_id"] == order_id)
    assert (mine["symbol"], mine["side"], mine["price"], mine["volume"]) == (
        "BTC/USD", "buy", "50000.0", "0.00100000",
    )  # fmt: skip
    assert mine["opened"].endswith("Z")

    amended = run_krx(sb, tmp_path, "order", "amend", order_id, "--price", "50100", "--symbol",
                      "BTCUSD")  # fmt: skip
    assert amended.returncode == 0, amended.stderr
    assert ground_truth(sb)[order_id]["descr"]["price"] == "50100.0"

    cancelled = run_krx(sb, tmp_path, "order", "cancel", order_id, "--format", "jsonl")
    assert cancelled.returncode == 0, cancelled.stderr
    assert jsonl(cancelled.stdout)[0]["cancelled"] == 1
    assert ground_truth(sb)[order_id]["status"] == "canceled"


def test_order_checks_before_sending_and_needs_confirmation(sb: Any, tmp_path: Path) -> None:
    tick = run_krx(sb, tmp_path, "order", "add", "BTCUSD", "buy", "0.001", "--price",
                   "50000.123", "--yes")  # fmt: skip
    assert tick.returncode == 2 and "tick size" in tick.stderr and "50000.1" in tick.stderr
    small = run_krx(sb, tmp_path, "order", "add", "BTCUSD", "buy", "0.00000001", "--price",
                    "50000", "--yes")  # fmt: skip
    assert small.returncode == 2 and "order minimum" in small.stderr
    unconfirmed = run_krx(sb, tmp_path, "order", "add", "BTCUSD", "buy", "0.001", "--price",
                          "50000")  # fmt: skip
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    validated = run_krx(sb, tmp_path, "order", "add", "BTCUSD", "buy", "0.001", "--price",
                        "50000", "--validate", "--format", "jsonl")  # fmt: skip
    assert validated.returncode == 0 and jsonl(validated.stdout)[0]["status"] == "validated"
    assert ground_truth(sb) == {}


def test_lost_add_order_reply_is_looked_up_not_resent(sb: Any, tmp_path: Path) -> None:
    # The sandbox handles the request, then holds the reply 2.5 s: krx (timeout 1 s) gives up
    # on an AddOrder that WAS placed. It must find it by cl_ord_id, never send it again.
    config = {"timeoutSeconds": 1}
    warm = run_krx(sb, tmp_path, "account", "balance", config=config)  # symbol cache warm
    assert warm.returncode == 0, warm.stderr
    sb.control({"delay_ms": 2500})
    try:
        result = run_krx(
            sb, tmp_path, "order", "add", "BTCUSD", "buy", "0.001", "--price", "50000",
            "--yes", "--cl-ord-id", "lost-1", "--format", "jsonl", config=config,
        )  # fmt: skip
    finally:
        sb.control({"delay_ms": 0})
    assert result.returncode == 0, result.stderr
    placed = jsonl(result.stdout)
    assert len(placed) == 1 and placed[0]["status"] == "placed-after-timeout"
    assert placed[0]["cl_ord_id"] == "lost-1"
    assert "reply was lost" in result.stderr
    orders = {t: o for t, o in ground_truth(sb).items() if o.get("cl_ord_id") == "lost-1"}
    assert list(orders) == [placed[0]["order_id"]]  # exactly one, the one reported
    assert calls(sb)["AddOrder"] == 1  # sent once, looked up afterwards, never re-sent


def test_parallel_processes_share_the_key_without_nonce_errors(sb: Any, tmp_path: Path) -> None:
    def one(_: int) -> Any:
        return run_krx(sb, tmp_path, "account", "balance", "--format", "jsonl")

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(one, range(6)))
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "nonce" not in result.stderr.lower()
