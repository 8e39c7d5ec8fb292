"""The trader figures: exact spread, mid, depth, change, notional and fee on real samples."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from kraken_cli.models import figures, order_value, valuation
from kraken_cli.models.market import OrderBook, parse_book_side, parse_ticker

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


def _sample(name: str) -> dict[str, object]:
    result = json.loads((SAMPLES / name).read_text())["result"]
    assert isinstance(result, dict)
    return result


def _book() -> OrderBook:
    raw = _sample("rest-public-Depth.json")["XXBTZUSD"]
    assert isinstance(raw, dict)
    return OrderBook("BTC/USD", parse_book_side(raw["bids"]), parse_book_side(raw["asks"]), None)


def test_spread_and_mid_are_exact_on_the_real_depth_sample() -> None:
    top = figures.book_spread(_book())
    assert top is not None
    assert (top.bid, top.ask) == (Decimal("30297.00000"), Decimal("30384.10000"))
    assert top.spread == Decimal("87.10000")
    assert top.mid == Decimal("30340.55")
    assert top.spread_bps == Decimal("28.71")  # 87.1 / 30340.55 * 1e4 = 28.7074...


def test_mid_of_odd_tick_keeps_the_half() -> None:
    assert figures.spread(Decimal("0.1"), Decimal("0.2")).mid == Decimal("0.15")


def test_cumulative_depth_runs_from_the_best_level() -> None:
    rows = figures.depth(_book().bids[:3])
    assert [str(total) for _, total in rows] == ["1.115", "3.117", "8.118"]


def test_empty_side_has_no_spread() -> None:
    assert figures.book_spread(OrderBook("X/Y", (), _book().asks, None)) is None


def test_ticker_change_against_todays_open() -> None:
    raw = _sample("rest-public-Ticker.json")["XBTUSDT"]
    assert isinstance(raw, dict)
    moved = figures.ticker_change(parse_ticker(raw, "BTC/USDT"))
    assert moved is not None
    assert moved.absolute == Decimal("1929.90000")  # 73380.6 - 71450.7
    assert moved.percent == Decimal("2.70")


def test_change_without_reference_is_unknown() -> None:
    assert figures.change(Decimal(1), None) is None
    zero = figures.change(Decimal(1), Decimal(0))
    assert zero is not None and zero.percent is None


def test_notional_and_fee_are_exact() -> None:
    value = order_value.notional(Decimal("0.00123"), Decimal("64349.30000"))
    assert value == Decimal("79.1496390000")
    assert order_value.fee_of(value, Decimal("0.2600")) == Decimal("0.205789061400")


def test_value_balances_exact_total_and_names_the_unpriced() -> None:
    valued = valuation.value_balances(
        [
            ("BTC", Decimal("0.5000000000")),
            ("ETH.F", Decimal("2")),
            ("USD", Decimal("10.0000")),
            ("FOO", Decimal("3")),
            ("BAR", Decimal("0")),
        ],
        "USD",
        {"BTC": Decimal("64349.30000"), "ETH": Decimal("3129.39")},
    )
    assert [str(row.value) for row in valued.rows] == [
        "32174.65",
        "6258.78",
        "10",
        "None",
        "None",
    ]
    assert valued.total == Decimal("38443.43")
    assert valued.unvalued == ("FOO",)  # a zero balance needs no price


def test_order_estimate_line() -> None:
    estimate = order_value.estimate_order(Decimal("0.01"), Decimal("50000.0"), "USD")
    assert estimate.describe().startswith("notional ≈ 500 USD; fee unknown")
    with_fee = order_value.OrderEstimate(
        Decimal("64000.1"), "best ask", estimate.notional, "USD", Decimal("0.4000")
    )
    assert with_fee.describe() == (
        "notional ≈ 500 USD at the best ask 64000.1; est. fee 2 USD (0.4% taker)"
    )
