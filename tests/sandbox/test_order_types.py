"""Kraken's other spot order types and relative prices in the sandbox (in-process, fake clock)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kraken_cli.sandbox import rest_private, trading
from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.market import PAIRS
from kraken_cli.sandbox.options import Options
from kraken_cli.sandbox.orders import Order, order_json
from kraken_cli.sandbox.relative import parse_offset
from kraken_cli.sandbox.rest_public import ApiError
from kraken_cli.sandbox.triggers import fires, trail
from kraken_cli.sandbox.wire import NS
from tests.sandbox.inproc import make_sandbox, wire
from tests.sandbox.shapes import as_sent, sample, shape_errors
from tests.support.fakes import FakeNsClock

XBT = PAIRS["XXBTZUSD"]


@pytest.fixture
def sb() -> Sandbox:
    return make_sandbox()


def add(sb: Sandbox, **params: str) -> Any:
    base = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01"}
    return trading.add_order(sb, {**base, **params})


def last(sb: Sandbox) -> int:
    return sb.exchange.last_price(XBT)


def placed(sb: Sandbox, result: Any) -> Order:
    return sb.exchange.orders[result["txid"][0]]


@pytest.mark.parametrize(
    ("price", "side", "expected"),
    [
        ("+100", "sell", 1000),  # +100.0 USD in price units (0.1)
        ("-100", "buy", -1000),
        ("#100", "buy", -1000),  # a buy limit goes below the market
        ("#100", "sell", 1000),
    ],
)
def test_relative_limit_prices(sb: Sandbox, price: str, side: str, expected: int) -> None:
    order = placed(sb, add(sb, type=side, price=price, volume="0.001"))
    assert order.price == last(sb) + expected


def test_percent_relative_price_rounds_to_the_tick(sb: Sandbox) -> None:
    order = placed(sb, add(sb, price="-5%"))
    assert order.price == round(last(sb) * Decimal("0.95"))


def test_relative_stop_limit_uses_the_away_direction(sb: Sandbox) -> None:
    order = placed(
        sb, add(sb, type="sell", ordertype="stop-loss-limit", price="#200", price2="#300")
    )
    assert order.price == last(sb) - 2000 and order.price2 == last(sb) - 3000


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"ordertype": "trailing-stop", "price": "-1%"}, "price"),
        ({"ordertype": "trailing-stop", "price": "500.0"}, "price"),
        ({"ordertype": "trailing-stop-limit", "price": "+1%", "price2": "#5"}, "price2"),
        (
            {"ordertype": "iceberg", "price": "1000.0", "volume": "1", "displayvol": "0.05"},
            "displayvol",
        ),
        ({"price": "1000.0", "displayvol": "0.005"}, "displayvol"),
        ({"price": "+150%"}, "price"),
    ],
)
def test_invalid_order_type_arguments(sb: Sandbox, params: dict[str, str], error: str) -> None:
    with pytest.raises(ApiError, match=f"EGeneral:Invalid arguments:{error}"):
        add(sb, type="sell", **params)


def test_trailing_stop_follows_the_market_and_fires() -> None:
    order = Order("O", XBT, "sell", "trailing-stop", 1000, None, None, 0)
    order.trail, order.peak = parse_offset("+100"), 600_000
    trail(order, 600_000)
    assert order.price == 599_000 and not fires(order, 599_500)
    trail(order, 610_000)  # the market rises: the trigger follows
    assert order.peak == 610_000 and order.price == 609_000
    trail(order, 605_000)  # and falls back: the trigger stays
    assert order.price == 609_000 and fires(order, 605_000)
    buy = Order("O", XBT, "buy", "trailing-stop-limit", 1000, None, None, 0)
    buy.trail, buy.limit_offset, buy.peak = parse_offset("+1%"), parse_offset("+50"), 600_000
    trail(buy, 590_000)
    assert buy.price == 595_900 and buy.price2 == 596_400
    assert fires(buy, 596_000) and not fires(buy, 595_000)


def test_trailing_stop_reports_like_kraken(sb: Sandbox) -> None:
    result = add(sb, type="sell", ordertype="trailing-stop", price="+1%", volume="0.001")
    assert result["descr"]["order"] == "sell 0.00100000 XBTUSD @ trailing stop +1.0000%"
    row = wire(order_json(placed(sb, result), listing=True))
    assert row["descr"]["price"] == "+1.0000%" and Decimal(row["stopprice"]) > 0
    live = as_sent(list(sample("rest-private-OpenOrders.json")["result"]["open"].values())[2])
    assert not shape_errors(row, {k: v for k, v in live.items() if k != "trigger"})


def test_trailing_stop_executes_on_the_live_tape() -> None:
    clock = FakeNsClock()
    sb = Sandbox(Options(history_days=0.2, live_rate=1), clock=clock)
    order = placed(
        sb, add(sb, type="sell", ordertype="trailing-stop", price="+0.02%", volume="0.001")
    )
    for _ in range(2000):
        if order.status != "open":
            break
        clock.ns += 5 * NS
        sb.step(book_due=True)
    assert order.status == "closed" and order.vol_exec == order.volume
    assert order.peak is not None and order.price is not None and order.price < order.peak


def test_iceberg_rests_and_fills_its_display_volume_at_a_time(sb: Sandbox) -> None:
    high = str(Decimal(last(sb) + 50_000).scaleb(-1))
    result = add(sb, type="sell", ordertype="iceberg", price=high, volume="0.03", displayvol="0.01")
    order = placed(sb, result)
    assert result["descr"]["order"].endswith(f"@ limit {high}") and order.status == "open"
    order.price = last(sb) - 10  # the market rises through the resting price
    sb.exchange.on_tick()
    assert order.vol_exec == 1_000_000 and order.status == "open"  # only the shown part
    sb.exchange.on_tick()
    sb.exchange.on_tick()
    assert order.vol_exec == order.volume and order.status == "closed" and len(order.trades) == 3


def test_settle_position_converts_a_long_into_spot(sb: Sandbox) -> None:
    before = dict(sb.account.balances)
    trading.add_order(
        sb,
        {"pair": "XBTUSD", "type": "buy", "ordertype": "market", "volume": "0.1", "leverage": "2"},
    )
    (position,) = sb.exchange.positions.open_rows()[:1]
    opened = sum(p.volume for p in sb.exchange.positions.open_rows())
    add(sb, type="sell", ordertype="settle-position", volume="0.1", leverage="2")
    assert rest_private.open_positions(sb, {}) == {}
    gained = sb.account.balances["XXBT"] - before["XXBT"]
    assert gained == Decimal(opened).scaleb(-8)
    assert sb.account.balances["ZUSD"] < before["ZUSD"] - position.cost


def test_settle_position_needs_a_position(sb: Sandbox) -> None:
    with pytest.raises(ApiError, match="No position exists"):
        add(sb, type="sell", ordertype="settle-position", volume="0.1", leverage="2")


def test_ws_v2_add_order_carries_the_new_types() -> None:
    from kraken_cli.sandbox.ws_trading import add_order_params

    trailing = add_order_params(
        {
            "symbol": "BTC/USD",
            "side": "sell",
            "order_type": "trailing-stop-limit",
            "order_qty": Decimal("0.1"),
            "triggers": {"price": Decimal("1.5"), "price_type": "pct"},
            "limit_price": Decimal("-50"),
            "limit_price_type": "quote",
        }
    )
    assert (trailing["price"], trailing["price2"]) == ("+1.5%", "-50")
    iceberg = add_order_params(
        {
            "symbol": "BTC/USD",
            "side": "buy",
            "order_type": "iceberg",
            "order_qty": Decimal("1"),
            "limit_price": Decimal("50000.0"),
            "display_qty": Decimal("0.1"),
        }
    )
    assert (iceberg["price"], iceberg["displayvol"]) == ("50000.0", "0.1")


def test_index_trigger_is_reported_like_kraken(sb: Sandbox) -> None:
    result = add(sb, type="sell", ordertype="stop-loss", price="#5%", trigger="index")
    row = wire(order_json(placed(sb, result), listing=True))
    assert row["trigger"] == "index"
    assert "trigger" not in wire(order_json(placed(sb, add(sb, price="1000.0"))))
    with pytest.raises(ApiError, match="EGeneral:Invalid arguments:trigger"):
        add(sb, type="sell", ordertype="stop-loss", price="#5%", trigger="mark")
