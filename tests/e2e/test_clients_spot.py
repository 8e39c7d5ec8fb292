"""python-kraken-sdk and ccxt ``kraken`` against the sandbox's spot API, changing only base URLs."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import ccxt
import pytest
from kraken.spot import Market, Trade, User

from tests.e2e.conftest import SandboxHandle, start_sandbox

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def spot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    handle = start_sandbox(tmp_path_factory.mktemp("clients-spot"), tier="custom:1000:100")
    yield handle
    handle.stop()


def sdk(handle: SandboxHandle) -> tuple[Market, User, Trade]:
    keys = {"key": handle.api_key, "secret": handle.api_secret, "url": handle.rest_url}
    return Market(url=handle.rest_url), User(**keys), Trade(**keys)


@pytest.fixture(scope="module")
def spot_ccxt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    # its own key: ccxt's nonces are on a different scale than the SDK's (as with real Kraken)
    handle = start_sandbox(tmp_path_factory.mktemp("clients-ccxt"), tier="custom:1000:100")
    yield handle
    handle.stop()


def ccxt_kraken(handle: SandboxHandle) -> Any:
    exchange = ccxt.kraken(
        {"apiKey": handle.api_key, "secret": handle.api_secret, "enableRateLimit": False}
    )
    exchange.urls["api"] = {"public": handle.rest_url, "private": handle.rest_url}
    return exchange


def test_sdk_market_data(spot: SandboxHandle) -> None:
    market, _, _ = sdk(spot)
    assert market.get_system_status()["status"] == "online"
    assert "XXBT" in market.get_assets()
    assert market.get_asset_pairs(pair="XBTUSD")["XXBTZUSD"]["altname"] == "XBTUSD"
    ticker = market.get_ticker(pair="XBTUSD")["XXBTZUSD"]
    assert Decimal(ticker["b"][0]) < Decimal(ticker["a"][0])
    assert market.get_ohlc(pair="XBTUSD", interval=60)["XXBTZUSD"]
    book = market.get_order_book(pair="XBTUSD")["XXBTZUSD"]
    assert Decimal(book["bids"][0][0]) < Decimal(book["asks"][0][0])
    assert market.get_recent_trades(pair="XBTUSD")["XXBTZUSD"]
    assert market.get_recent_spreads(pair="XBTUSD")["XXBTZUSD"]


def test_sdk_account_types_and_trade_balance_in_any_asset(spot: SandboxHandle) -> None:
    _, user, trade = sdk(spot)
    usd = user.get_trade_balance()
    for asset in ("ZEUR", "XBT"):
        assert Decimal(user.get_trade_balance(asset=asset)["eb"]) < Decimal(usd["eb"])
    txid = trade.create_order(
        ordertype="limit", side="buy", volume="0.001", pair="XBTUSD", price="1000", userref=5
    )["txid"][0]
    row = user.get_open_orders()["open"][txid]
    # numbers where Kraken sends numbers (pykrakenapi/krakenex read them as such)
    assert isinstance(row["opentm"], float) and row["userref"] == 5 and "reason" not in row
    assert row["starttm"] == 0 and row["expiretm"] == 0
    trade.cancel_order(txid=txid)
    closed = user.get_orders_info(txid=txid)[txid]
    assert closed["status"] == "canceled" and isinstance(closed["closetm"], float)
    assert user.get_trade_volume(pair="XBTUSD")["fees"]["XXBTZUSD"]["fee"] == "0.2600"


@pytest.mark.parametrize(
    ("params", "described"),
    [
        (
            {"ordertype": "iceberg", "price": "+10%", "volume": "0.015", "displayvol": "0.001"},
            "@ limit ",
        ),
        ({"ordertype": "trailing-stop", "price": "+500"}, "@ trailing stop +500.0"),
        (
            {"ordertype": "trailing-stop", "price": "+1%", "trigger": "last"},
            "@ trailing stop +1.0000%",
        ),
        (
            {"ordertype": "trailing-stop-limit", "price": "+1%", "price2": "-100"},
            "@ trailing stop +1.0000% -> limit -100.0",
        ),
        ({"ordertype": "stop-loss", "price": "#5%"}, "@ stop loss "),
        ({"ordertype": "limit", "price": "+10%"}, "@ limit "),
    ],
)
def test_sdk_order_types(spot: SandboxHandle, params: dict[str, str], described: str) -> None:
    _, user, trade = sdk(spot)
    body = {"side": "sell", "volume": "0.001", "pair": "XBTUSD", **params}
    placed = trade.create_order(**body)
    assert described in placed["descr"]["order"]
    order = user.get_open_orders()["open"][placed["txid"][0]]
    assert order["descr"]["ordertype"] == params["ordertype"]
    # left open: cancelling young orders costs trading-counter points, as on Kraken


def test_sdk_settle_position(spot: SandboxHandle) -> None:
    _, user, trade = sdk(spot)
    before = Decimal(user.get_account_balance()["XXBT"])
    trade.create_order(ordertype="market", side="buy", volume="0.01", pair="XBTUSD", leverage=2)
    assert user.get_open_positions()
    trade.create_order(
        ordertype="settle-position", side="sell", volume="0.01", pair="XBTUSD", leverage=2
    )
    assert not user.get_open_positions()
    assert Decimal(user.get_account_balance()["XXBT"]) - before == Decimal("0.01")


def test_ccxt_market_and_account(spot_ccxt: SandboxHandle) -> None:
    ex = ccxt_kraken(spot_ccxt)
    assert "BTC/USD" in ex.load_markets()
    assert ex.fetch_status()["status"] == "ok"
    ticker = ex.fetch_ticker("BTC/USD")
    assert ticker["bid"] < ticker["ask"]
    assert ex.fetch_order_book("BTC/USD", 10)["bids"]
    assert ex.fetch_trades("BTC/USD") and ex.fetch_ohlcv("BTC/USD", "1h", limit=5)
    assert ex.fetch_balance()["total"]["USD"] > 0
    assert ex.fetch_trading_fee("BTC/USD")["taker"] == pytest.approx(0.0026)


def test_ccxt_orders_and_margin_netting(spot_ccxt: SandboxHandle) -> None:
    ex = ccxt_kraken(spot_ccxt)
    ex.load_markets()
    limit = ex.create_order("BTC/USD", "limit", "buy", 0.001, 1000)
    trailing = ex.create_order("BTC/USD", "market", "sell", 0.001, None, {"trailingPercent": 1})
    ids = {o["id"] for o in ex.fetch_open_orders()}
    assert {limit["id"], trailing["id"]} <= ids
    ex.create_order("BTC/USD", "market", "buy", 0.002)
    assert ex.fetch_closed_orders() and ex.fetch_my_trades() and ex.fetch_ledger()
    ex.create_order("BTC/USD", "market", "buy", 0.02, None, {"leverage": 2})
    ex.create_order("BTC/USD", "market", "sell", 0.05, None, {"leverage": 2, "reduceOnly": True})
    assert ex.fetch_positions() == []  # the reduce-only sell closed the long, opened no short
    ex.create_order("BTC/USD", "market", "buy", 0.02, None, {"leverage": 2})
    (position,) = ex.fetch_positions()
    assert position["side"] == "long" and position["leverage"] == 2
    ex.cancel_all_orders_after(60_000)
    ex.cancel_all_orders()
    assert ex.fetch_open_orders() == []


def test_idle_keep_alive_connection_is_reused(spot: SandboxHandle) -> None:
    # uvicorn's default 5 s idle timeout reset pooled connections just as clients reused them
    url = urlsplit(spot.rest_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        conn.request("GET", "/0/public/Time")
        assert conn.getresponse().read()
        sock = conn.sock
        time.sleep(6)  # uvicorn's own idle timer: there is no clock to inject
        conn.request("GET", "/0/public/Time")
        assert conn.getresponse().status == 200 and conn.sock is sock
    finally:
        conn.close()
