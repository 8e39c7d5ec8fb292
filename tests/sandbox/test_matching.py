"""Unit tests of the matching engine through the private handlers (in-process, fake clock)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kraken_cli.sandbox import rest_private, trading
from kraken_cli.sandbox.core import Sandbox
from kraken_cli.sandbox.options import Options
from kraken_cli.sandbox.rest_public import ApiError
from kraken_cli.sandbox.wire import NS, units_text
from tests.support.fakes import FakeNsClock


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(Options(history_days=0.2, live_rate=0), clock=FakeNsClock())


def order(sb: Sandbox, **params: str) -> Any:
    base = {"pair": "XBTUSD", "type": "buy", "ordertype": "limit", "volume": "0.01"}
    return trading.add_order(sb, {**base, **params})


def best(sb: Sandbox, side: str) -> str:
    return units_text(sb.books["XXBTZUSD"].top(side, 1)[0][0], 1)


def test_crossing_limit_takes_then_rests(sb: Sandbox) -> None:
    ask_price, ask_qty = sb.books["XXBTZUSD"].top("a", 1)[0]
    volume = units_text(ask_qty + 5_000_000, 8)
    txid = order(sb, price=units_text(ask_price, 1), volume=volume)["txid"][0]
    placed = sb.exchange.orders[txid]
    assert placed.vol_exec == ask_qty and placed.status == "open"
    assert sb.books["XXBTZUSD"].best_ask() > ask_price
    fills = rest_private.trades_history(sb, {})["trades"]
    assert len(fills) == 1 and next(iter(fills.values()))["maker"] is False


def test_post_only_crossing_is_canceled(sb: Sandbox) -> None:
    txid = order(sb, price=best(sb, "a"), oflags="post")["txid"][0]
    placed = sb.exchange.orders[txid]
    assert placed.status == "canceled" and placed.reason == "Post only order"


def test_resting_limit_fills_when_the_tape_trades_through(sb: Sandbox) -> None:
    last = sb.exchange.last_price(sb.tapes["XXBTZUSD"].pair)
    txid = order(sb, type="sell", price=units_text(last - 10, 1))["txid"][0]
    # below the last price but not crossing the bid? if it crossed it filled already
    placed = sb.exchange.orders[txid]
    sb.exchange.on_tick()
    assert placed.status == "closed" and placed.vol_exec == placed.volume


def test_stop_loss_triggers_on_last_price(sb: Sandbox) -> None:
    last = sb.exchange.last_price(sb.tapes["XXBTZUSD"].pair)
    far = order(sb, type="sell", ordertype="stop-loss", price=units_text(last - 5000, 1))
    near = order(sb, type="sell", ordertype="stop-loss", price=units_text(last + 10, 1))
    sb.exchange.on_tick()
    assert sb.exchange.orders[far["txid"][0]].status == "open"
    assert sb.exchange.orders[near["txid"][0]].status == "closed"
    assert "stop loss" in near["descr"]["order"]


def test_dead_man_switch_cancels_everything(sb: Sandbox) -> None:
    order(sb, price="1000.0")
    result = trading.cancel_all_after(sb, {"timeout": "30"})
    assert result["triggerTime"] > result["currentTime"]  # type: ignore[index, operator]
    clock = sb.clock
    assert isinstance(clock, FakeNsClock)
    clock.ns += 31 * NS
    sb.exchange.on_tick()
    assert sb.exchange.open_orders() == []


def test_margin_order_opens_a_position(sb: Sandbox) -> None:
    before = dict(sb.account.balances)
    order(sb, ordertype="market", leverage="5", volume="0.1")
    positions = rest_private.open_positions(sb, {})
    assert isinstance(positions, dict) and len(positions) >= 1
    assert sb.account.balances["XXBT"] == before["XXBT"]  # margin: no spot transfer
    assert isinstance(rest_private.open_positions(sb, {"consolidation": "market"}), list)
    closing = order(sb, type="sell", ordertype="market", reduce_only="true", leverage="5")
    assert closing["txid"]


def test_insufficient_funds_counts_holds(sb: Sandbox) -> None:
    order(sb, type="sell", price="999999.0", volume="2.5")  # holds all the BTC
    with pytest.raises(ApiError, match="EOrder:Insufficient funds"):
        order(sb, type="sell", price="999999.0", volume="0.01")
    assert rest_private.balance_ex(sb, {})["XXBT"]["hold_trade"] == "2.5000000000"  # type: ignore[index]


def test_trading_counter_limits_add_order() -> None:
    sb = Sandbox(Options(history_days=0.1, live_rate=0, tier="starter"), clock=FakeNsClock())
    for _ in range(60):
        order(sb, price="1000.0", validate="true")
    with pytest.raises(ApiError, match="EOrder:Rate limit exceeded"):
        order(sb, price="1000.0", validate="true")


def test_amend_and_edit_keep_accounts_consistent(sb: Sandbox) -> None:
    txid = order(sb, price="1000.0", cl_ord_id="abc")["txid"][0]
    trading.amend_order(sb, {"cl_ord_id": "abc", "order_qty": "0.02"})
    assert sb.exchange.orders[txid].volume == 2_000_000 and sb.exchange.orders[txid].amended
    edited = trading.edit_order(sb, {"txid": txid, "pair": "XBTUSD", "price": "1100.0"})
    assert edited["originaltxid"] == txid  # type: ignore[index]
    assert sb.exchange.orders[txid].status == "canceled"
    assert Decimal(str(edited["price"])) == Decimal("1100.0")  # type: ignore[index]
    assert [o.txid for o in sb.exchange.open_orders()] == [edited["txid"]]  # type: ignore[index]


def test_open_and_closed_orders_filter_by_client_ids(sb: Sandbox) -> None:
    kept = order(sb, price="1000.0", cl_ord_id="keep-1")["txid"][0]
    gone = order(sb, price="1000.0", cl_ord_id="gone-1")["txid"][0]
    other = order(sb, price="1000.0", userref="42")["txid"][0]
    for txid in (gone, other):
        trading.cancel_order(sb, {"txid": txid})
    assert list(rest_private.open_orders(sb, {"cl_ord_id": "keep-1"})["open"]) == [kept]  # type: ignore[index]
    closed = rest_private.closed_orders(sb, {"cl_ord_id": "gone-1"})
    assert list(closed["closed"]) == [gone] and closed["count"] == 1  # type: ignore[index]
    assert list(rest_private.closed_orders(sb, {"userref": "42"})["closed"]) == [other]  # type: ignore[index]
    assert rest_private.closed_orders(sb, {"cl_ord_id": "keep-1"})["closed"] == {}  # type: ignore[index]
