"""e2e: the real ``krx`` process against the sandbox's futures side, and spot margin.

Every command reaches the sandbox through its state file alone (``--sandbox``): URLs and the
futures key come from there, never from the environment.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SandboxHandle

pytestmark = pytest.mark.e2e

Krx = Callable[..., subprocess.CompletedProcess[str]]


def _rows(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def test_state_file_carries_the_futures_side(sandbox: SandboxHandle) -> None:
    state = json.loads(Path(sandbox.state_file).read_text())
    assert state["futures_url"] == sandbox.rest_url + "/futures"
    assert state["futures_ws_url"].endswith("/futures/ws/v1")
    assert state["futures_api_key"] and state["futures_api_key"] != state["api_key"]


def test_symbols_from_the_state_file_alone(krx: Krx) -> None:
    rows = _rows(krx("symbols", "--market", "futures", "--format", "jsonl"))
    names = {r["symbol"] for r in rows}
    assert {"PF_XBTUSD", "PF_ETHUSD"} <= names
    usd = _rows(krx("symbols", "--market", "futures", "--quote", "USD"))
    assert usd and all(r["quote"] == "USD" for r in usd)


def test_ticker_orderbook_trades_candles(krx: Krx) -> None:
    (tick,) = _rows(krx("ticker", "BTCUSD", "--market", "futures"))
    assert tick["symbol"] == "PF_XBTUSD" and tick["mark_price"] and tick["funding_rate"]
    assert tick["bid"] < tick["ask"] or float(tick["bid"]) < float(tick["ask"])

    levels = _rows(krx("orderbook", "PF_XBTUSD", "--market", "futures", "--depth", "3"))
    assert [r["side"] for r in levels] == ["bid"] * 3 + ["ask"] * 3
    book = json.loads(
        krx(
            "orderbook", "PF_XBTUSD", "--market", "futures", "--depth", "2", "--format", "json"
        ).stdout
    )
    assert set(book) == {"symbol", "bids", "asks", "checksum"} and len(book["bids"]) == 2

    trades = _rows(krx("trades", "PF_XBTUSD", "--market", "futures", "--limit", "5"))
    assert len(trades) == 5 and all(t["side"] in ("buy", "sell") for t in trades)
    assert [t["time"] for t in trades] == sorted(t["time"] for t in trades)

    candles = _rows(krx("candles", "PF_XBTUSD", "h1", "--market", "futures", "--days", "1"))
    assert 22 <= len(candles) <= 24
    assert list(candles[0])[:9] == [
        "symbol",
        "time",
        "open",
        "high",
        "low",
        "close",
        "vwap",
        "volume",
        "count",
    ]
    h2 = _rows(krx("candles", "PF_XBTUSD", "h2", "--market", "futures", "--days", "1"))
    assert 10 <= len(h2) <= 12


def test_spot_command_given_a_futures_symbol(krx: Krx) -> None:
    proc = krx("ticker", "PF_XBTUSD")
    assert proc.returncode == 2
    assert "Kraken Futures symbol: add --market futures" in proc.stderr
    bad = krx("ticker", "BTCUSD", "--market", "options")
    assert bad.returncode == 2 and "unknown market" in bad.stderr


def test_account_views(krx: Krx) -> None:
    balances = _rows(krx("account", "balance", "--market", "futures"))
    assert {"asset", "balance", "hold", "available", "account"} <= set(balances[0])
    (flex,) = [r for r in _rows(krx("account", "trade-balance", "--market", "futures"))]
    assert flex["account"] == "flex" and flex["margin_equity"]
    for sub in ("orders", "trades", "positions"):
        _rows(krx("account", sub, "--market", "futures"))


def test_order_lifecycle(krx: Krx) -> None:
    refused = krx(
        "order", "add", "PF_XBTUSD", "buy", "0.01", "--price", "50000", "--market", "futures"
    )
    assert refused.returncode == 2 and "--yes" in refused.stderr

    (placed,) = _rows(
        krx(
            "order",
            "add",
            "PF_XBTUSD",
            "buy",
            "0.01",
            "--price",
            "50000",
            "--market",
            "futures",
            "--cl-ord-id",
            "e2e-fut-1",
            "--yes",
        )
    )
    assert placed["status"] == "placed" and placed["cl_ord_id"] == "e2e-fut-1"
    oid = placed["order_id"]
    opened = _rows(krx("account", "orders", "--market", "futures", "--cl-ord-id", "e2e-fut-1"))
    assert [o["order_id"] for o in opened] == [oid]

    (edited,) = _rows(krx("order", "amend", oid, "--price", "50100", "--market", "futures"))
    assert edited["status"] == "edited"
    (cancelled,) = _rows(krx("order", "cancel", "e2e-fut-1", "--market", "futures"))
    assert cancelled["status"] == "cancelled"

    _rows(
        krx(
            "order",
            "add",
            "PF_ETHUSD",
            "sell",
            "0.1",
            "--price",
            "9000",
            "--market",
            "futures",
            "--yes",
        )
    )
    (done,) = _rows(
        krx("order", "cancel-all", "--market", "futures", "--symbol", "PF_ETHUSD", "--yes")
    )
    assert done["count"] >= 1 and done["symbol"] == "PF_ETHUSD"

    (filled,) = _rows(
        krx(
            "order",
            "add",
            "PF_XBTUSD",
            "sell",
            "0.01",
            "--type",
            "market",
            "--market",
            "futures",
            "--yes",
        )
    )
    assert filled["filled"] == "0.01"
    positions = _rows(krx("account", "positions", "--market", "futures"))
    (pos,) = [p for p in positions if p["symbol"] == "PF_XBTUSD"]
    assert pos["opened"] > "2020"
    fills = _rows(krx("account", "trades", "--market", "futures", "--limit", "5"))
    assert any(f["order_id"] == filled["order_id"] for f in fills)


def test_validate_sends_nothing(krx: Krx) -> None:
    (row,) = _rows(
        krx(
            "order",
            "add",
            "PF_XBTUSD",
            "buy",
            "0.01",
            "--price",
            "50000",
            "--market",
            "futures",
            "--validate",
        )
    )
    assert row["status"] == "validated" and row["order_id"] is None


def test_stream_trades_and_book(krx: Krx) -> None:
    trades = _rows(krx("stream", "trades", "PF_XBTUSD", "--market", "futures", "--count", "3"))
    assert len(trades) == 3 and {t["channel"] for t in trades} == {"trade"}
    books = _rows(
        krx("stream", "book", "PF_XBTUSD", "--market", "futures", "--count", "3", "--levels", "2")
    )
    assert [b["channel"] for b in books] == ["book"] * 3
    assert all(len(b["bids"]) <= 2 for b in books)
    seqs = [b["seq"] for b in books]
    assert seqs == sorted(seqs)


def test_verify_with_a_futures_market_configured(krx: Krx, tmp_path: Path) -> None:
    config = tmp_path / "config.provider.json"
    config.write_text(
        json.dumps(
            {
                "provider": {
                    "connectors": [
                        {
                            "connectorType": "kraken",
                            "enabled": True,
                            "markets": [
                                {"marketType": "spot", "symbols": [{"name": "BTCUSD"}]},
                                {"marketType": "futures", "symbols": [{"name": "PF_XBTUSD"}]},
                            ],
                        }
                    ]
                }
            }
        )
    )
    config.chmod(0o600)
    rows = _rows(krx("--config", str(config), "verify"))
    checks = {r["check"]: r["ok"] for r in rows}
    assert checks["key accepted"] and checks["futures key accepted"]
    assert checks["futures permission: trade"] and all(checks.values())
    only = _rows(krx("verify", "--market", "futures"))
    assert only and all(r["check"].startswith("futures") for r in only)


def test_margin_positions_after_a_leveraged_order(krx: Krx) -> None:
    refused = krx(
        "order", "add", "BTCUSD", "buy", "0.01", "--type", "market", "--market", "margin", "--yes"
    )
    assert refused.returncode == 2 and "--leverage" in refused.stderr
    (placed,) = _rows(
        krx(
            "order",
            "add",
            "BTCUSD",
            "buy",
            "0.01",
            "--type",
            "market",
            "--market",
            "margin",
            "--leverage",
            "2",
            "--yes",
        )
    )
    assert placed["status"] == "placed"
    positions = _rows(krx("account", "positions", "--market", "margin"))
    mine = [p for p in positions if p["order_id"] == placed["order_id"]]
    assert mine and mine[0]["side"] == "buy" and mine[0]["pnl"] is not None
    assert mine[0]["margin"] and mine[0]["value"]
    consolidated = _rows(krx("account", "positions", "--market", "margin", "--consolidate"))
    assert consolidated and "positions" in consolidated[0] and "position_id" not in consolidated[0]
    (balance,) = _rows(krx("account", "trade-balance", "--market", "margin"))
    assert balance["equity"] and balance["margin_used"] and balance["margin_level"]
    assert balance["margin_used"] != "0.0000"
