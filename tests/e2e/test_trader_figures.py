"""The figures traders look for, against the sandbox: balances valued in USD with a total, the
key's fee tier (TradeVolume), and the order confirmation's notional value and estimated fee."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import SandboxHandle

pytestmark = pytest.mark.e2e

Krx = Callable[..., subprocess.CompletedProcess[str]]


def _rows(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_balance_in_usd_is_exact_with_a_total_and_names_what_has_no_price(
    krx: Krx, sandbox: SandboxHandle
) -> None:
    result = krx("account", "balance", "--in", "USD", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout)
    assert list(rows[0]) == ["asset", "balance", "quote", "price", "value"]
    valued = [row for row in rows if row["value"] is not None]
    for row in valued:
        assert Decimal(row["value"]) == Decimal(row["balance"]) * Decimal(row["price"])
    usd = next(row for row in rows if row["asset"] == "USD")
    assert usd["price"] == "1" and Decimal(usd["value"]) == Decimal(usd["balance"])
    total = re.search(r"krx: total (\S+) USD", result.stderr)
    assert total is not None, result.stderr
    assert Decimal(total.group(1)) == sum(Decimal(row["value"]) for row in valued)
    unvalued = [row["asset"] for row in rows if row["value"] is None]
    assert unvalued, "the sandbox's USDT has no USD pair"
    assert f"not valued (no USD pair): {', '.join(unvalued)}" in result.stderr
    # the price is the market's: within the day's range of Kraken's ticker
    ticker = sandbox.public("Ticker", pair="XBTUSD").json()["result"]
    (entry,) = ticker.values()
    btc = next(row for row in rows if row["asset"] == "BTC")
    assert Decimal(entry["l"][1]) <= Decimal(btc["price"]) <= Decimal(entry["h"][1])


def test_balance_in_usd_table_heads_with_the_total(krx: Krx) -> None:
    result = krx("account", "balance", "--in", "usd", "--format", "table")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("total ") and " USD" in first and "not valued" in first
    assert "krx: total" not in result.stderr  # the table says it once


def test_balance_in_an_unknown_quote_is_a_usage_error(krx: Krx) -> None:
    result = krx("account", "balance", "--in", "XYZ", "--format", "jsonl")
    assert result.returncode == 2
    assert "no pair is quoted in 'XYZ'" in result.stderr


def test_fees_are_the_keys_trade_volume_tier(krx: Krx, sandbox: SandboxHandle) -> None:
    result = krx("account", "fees", "BTCUSD", "ETH/USD", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout)
    assert [row["symbol"] for row in rows] == ["BTC/USD", "ETH/USD"]
    raw = sandbox.private("TradeVolume", pair="XBTUSD").json()["result"]
    taker, maker = raw["fees"]["XXBTZUSD"], raw["fees_maker"]["XXBTZUSD"]
    btc = rows[0]
    assert btc["taker_fee_pct"] == taker["fee"] and btc["maker_fee_pct"] == maker["fee"]
    assert btc["next_taker_fee_pct"] == taker["nextfee"]
    assert btc["next_volume"] == taker["nextvolume"]
    assert btc["currency"] == raw["currency"]
    default = krx("account", "fees", "--format", "jsonl")
    assert [row["symbol"] for row in _rows(default.stdout)] == ["BTC/USD"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("buy", "0.01", "--price", "50000"), "notional ≈ 500 USD; est. fee 1.3 USD (0.26% taker)"),
        (
            ("buy", "0.01", "--price", "50000", "--post-only"),
            "notional ≈ 500 USD; est. fee 0.8 USD (0.16% maker)",
        ),
    ],
)
def test_order_confirmation_shows_notional_and_fee(
    krx: Krx, args: tuple[str, ...], expected: str
) -> None:
    result = krx("order", "add", "BTCUSD", *args, "--validate", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert f"krx: order: {expected}" in result.stderr
    (record,) = _rows(result.stdout)
    assert list(record) == ["order_id", "cl_ord_id", "symbol", "status", "description"]


def test_market_order_is_valued_at_the_best_price(krx: Krx) -> None:
    result = krx("order", "add", "BTCUSD", "sell", "0.01", "--type", "market", "--validate")
    assert result.returncode == 0, result.stderr
    found = re.search(
        r"notional ≈ (\S+) USD at the best bid (\S+); est. fee (\S+) USD \(0.26% taker\)",
        result.stderr,
    )
    assert found is not None, result.stderr
    notional, bid, fee = (Decimal(v) for v in found.groups())
    assert notional == Decimal("0.01") * bid
    assert fee == notional * Decimal("0.26") / 100


def test_refused_order_still_showed_its_figures(krx: Krx) -> None:
    result = krx("order", "add", "BTCUSD", "buy", "0.01", "--price", "50000")
    assert result.returncode == 2  # no terminal, no --yes
    assert "notional ≈ 500 USD" in result.stderr and "refusing" in result.stderr
