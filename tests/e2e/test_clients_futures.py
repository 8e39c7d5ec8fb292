"""python-kraken-sdk and ccxt ``krakenfutures`` against the sandbox, changing only base URLs."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import ccxt
import pytest
from kraken.futures import Funding, Market, Trade, User

from tests.e2e.conftest import SandboxHandle, start_sandbox

pytestmark = pytest.mark.e2e
SYMBOL = "BTC/USD:USD"


@pytest.fixture(scope="module")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    handle = start_sandbox(tmp_path_factory.mktemp("clients-futures"))
    yield handle
    handle.stop()


def keys(handle: SandboxHandle) -> dict[str, str]:
    import json

    state = json.loads(handle.state_file.read_text())
    return {"key": state["futures_api_key"], "secret": state["futures_api_secret"]}


def test_sdk_market_data(sandbox_url: SandboxHandle) -> None:
    market = Market(url=sandbox_url.rest_url)
    tickers = market.get_tickers()["tickers"]
    assert {t["symbol"] for t in tickers} >= {"PF_XBTUSD", "PF_ETHUSD"}
    assert isinstance(tickers[0]["bid"], float)
    instruments = market.get_instruments()["instruments"]
    assert all("category" in i and "feeScheduleUid" in i for i in instruments)
    assert market.get_instruments_status()["instrumentStatus"]
    assert market.get_instruments_status(instrument="PF_XBTUSD")["tradeable"] == "PF_XBTUSD"
    book = market.get_orderbook(symbol="PF_XBTUSD")["orderBook"]
    assert book["bids"][0][0] < book["asks"][0][0]
    assert len(market.get_trade_history(symbol="PF_XBTUSD")["history"]) == 100
    rates = market.get_historical_funding_rates(symbol="PF_XBTUSD")["rates"]
    assert rates and {"timestamp", "fundingRate", "relativeFundingRate"} <= set(rates[0])
    schedules = market.get_fee_schedules()["feeSchedules"]
    assert {i["feeScheduleUid"] for i in instruments} <= {s["uid"] for s in schedules}
    candles = market.get_ohlc(tick_type="trade", symbol="PF_XBTUSD", resolution="1h")
    assert candles["candles"] and market.get_tick_types() == ["trade", "mark", "spot"]


def test_sdk_account_and_trading(sandbox_url: SandboxHandle) -> None:
    url = sandbox_url.rest_url
    user, trade = User(**keys(sandbox_url), url=url), Trade(**keys(sandbox_url), url=url)
    wallets = user.get_wallets()["accounts"]
    assert wallets["flex"]["currencies"]["USD"]["quantity"] > 0
    placed = trade.create_order(
        orderType="lmt", size=0.01, symbol="PF_XBTUSD", side="buy", limitPrice=50000
    )
    assert placed["sendStatus"]["status"] == "placed"
    trail = trade.create_order(
        orderType="trailing_stop",
        size=0.01,
        symbol="PF_XBTUSD",
        side="sell",
        trailingStopMaxDeviation=1,
        trailingStopDeviationUnit="PERCENT",
    )
    assert trail["sendStatus"]["status"] == "placed"
    trade.create_order(orderType="mkt", size=0.01, symbol="PF_XBTUSD", side="buy")
    assert {o["orderType"] for o in user.get_open_orders()["openOrders"]} == {
        "lmt",
        "trailing_stop",
    }
    assert user.get_open_positions()["openPositions"][0]["size"] == 0.01
    assert trade.get_fills()["fills"]
    assert Market(**keys(sandbox_url), url=url).get_fee_schedules_vol()["volumesByFeeSchedule"]
    switch = trade.dead_mans_switch(timeout=60)["status"]
    assert switch["triggerTime"] > switch["currentTime"]
    trade.dead_mans_switch(timeout=0)
    cancelled = trade.cancel_all_orders()["cancelStatus"]["cancelledOrders"]
    assert len(cancelled) == 2
    funding = Funding(**keys(sandbox_url), url=url)
    assert funding.get_historical_funding_rates(symbol="PF_XBTUSD")["rates"]


def ccxt_futures(handle: SandboxHandle) -> Any:
    credentials = {"apiKey": keys(handle)["key"], "secret": keys(handle)["secret"]}
    # the sandbox enforces Kraken's limits itself; ccxt's client-side pacing only slows tests
    exchange = ccxt.krakenfutures({**credentials, "enableRateLimit": False})
    base = handle.rest_url
    exchange.urls["api"] = {
        "public": f"{base}/derivatives/api/",
        "private": f"{base}/derivatives/api/",
        "charts": f"{base}/api/charts/",
        "history": f"{base}/api/history/",
    }
    return exchange


def test_ccxt_market_data(sandbox_url: SandboxHandle) -> None:
    ex = ccxt_futures(sandbox_url)
    assert SYMBOL in ex.load_markets()
    ticker = ex.fetch_ticker(SYMBOL)
    assert ticker["bid"] < ticker["ask"]
    assert len(ex.fetch_tickers()) >= 5
    book = ex.fetch_order_book(SYMBOL)
    assert book["bids"][0][0] < book["asks"][0][0]
    trades = ex.fetch_trades(SYMBOL, limit=50)
    assert len(trades) == 50 and trades[0]["timestamp"] < trades[-1]["timestamp"]
    candles = ex.fetch_ohlcv(SYMBOL, "1h", limit=5)
    assert candles and all(c[2] >= c[3] for c in candles)
    assert ex.fetch_funding_rate(SYMBOL)["fundingRate"] is not None
    assert ex.fetch_funding_rate_history(SYMBOL)
    assert ex.fetch_trading_fees()


def test_ccxt_account_and_trading(sandbox_url: SandboxHandle) -> None:
    ex = ccxt_futures(sandbox_url)
    ex.load_markets()
    assert ex.fetch_balance()["total"]["USD"] > 0
    limit = ex.create_order(SYMBOL, "limit", "buy", 0.01, 50000)
    assert limit["id"] in {o["id"] for o in ex.fetch_open_orders(SYMBOL)}
    ex.create_order(SYMBOL, "market", "buy", 0.02)
    positions = ex.fetch_positions()
    assert positions and Decimal(str(positions[0]["contracts"])) >= Decimal("0.02")
    assert ex.fetch_my_trades(SYMBOL)
    ex.cancel_all_orders_after(60_000)
    ex.cancel_all_orders()
    assert ex.fetch_open_orders(SYMBOL) == []
