"""One MarketData interface: spot, margin and futures through the same calls, same records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from market_samples import NOW, mock_spot

from kraken_cli.cli.market_cmd import TICKER_COLUMNS, TRADE_COLUMNS
from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.config.settings import Endpoints, Settings
from kraken_cli.errors import UsageError
from kraken_cli.models.futures_market import FuturesTicker
from kraken_cli.models.intervals import parse_interval
from kraken_cli.models.market import Candle, OrderBook, Ticker, Trade
from kraken_cli.models.segment import Market
from kraken_cli.output.columns import CANDLE as CANDLE_COLUMNS
from kraken_cli.services.market import MarketData, Window, open_market_data
from kraken_cli.services.market.futures import FuturesMarketData
from kraken_cli.services.market.spot import SpotMarketData
from tests.futures.helpers import Router, sample_text

CHART_NOW = 1790290000.0  # after the futures charts sample


def spot(market: Market = Market.SPOT) -> SpotMarketData:
    return mock_spot(market=market)[0]


def futures(wall: float = CHART_NOW) -> FuturesMarketData:
    router = Router()
    base = "/derivatives/api/v3/"
    for name in ("instruments", "tickers", "orderbook", "history"):
        router.add(base + name, sample_text(f"futures-rest-{name}.json"))
    router.add("/api/charts/v1/trade/PF_XBTUSD/1h", sample_text("futures-charts-candles.json"))
    client = FuturesRest(
        "https://futures.test", None, transport=httpx.MockTransport(router), wall=lambda: wall
    )
    return FuturesMarketData(client, wall=lambda: wall)


SEGMENTS: dict[str, tuple[Callable[[], MarketData], str]] = {
    "spot": (spot, "BTCUSD"),
    "futures": (futures, "PF_XBTUSD"),
}


@pytest.fixture(params=sorted(SEGMENTS))
def segment(request: pytest.FixtureRequest) -> tuple[MarketData, str]:
    make, symbol = SEGMENTS[request.param]
    return make(), symbol


def test_ticker_is_one_record_type(segment: tuple[MarketData, str]) -> None:
    md, symbol = segment
    # the futures tickers sample holds the inverse perpetual (and index rows)
    (tick,) = md.ticker(["PI_XBTUSD" if md.market is Market.FUTURES else symbol])
    assert isinstance(tick, Ticker) and tick.last is not None
    assert list(tick.to_record())[:8] == list(TICKER_COLUMNS)


def test_orderbook_is_one_record_type(segment: tuple[MarketData, str]) -> None:
    md, symbol = segment
    book = md.orderbook(symbol, depth=3)
    assert isinstance(book, OrderBook) and len(book.bids) == len(book.asks) == 3
    assert book.bids[0].price > book.bids[-1].price and book.asks[0].price < book.asks[-1].price
    assert [r["side"] for r in book.level_records()] == ["bid"] * 3 + ["ask"] * 3
    assert list(book.to_object()) == ["symbol", "bids", "asks", "checksum"]


def test_trades_and_candles_are_one_record_type(segment: tuple[MarketData, str]) -> None:
    md, symbol = segment
    trades = list(md.trades(symbol, limit=1))
    assert len(trades) == 1 and isinstance(trades[0], Trade)
    assert list(trades[0].to_record())[:7] == list(TRADE_COLUMNS)
    since = datetime.fromtimestamp(1790265600 if md.market is Market.FUTURES else 1790348400, UTC)
    candles = list(md.candles(symbol, "h1", Window(since)))
    assert candles and all(isinstance(c, Candle) for c in candles)
    assert list(candles[0].to_record()) == list(CANDLE_COLUMNS)


def test_request_rules_are_the_same_for_every_segment(segment: tuple[MarketData, str]) -> None:
    md, symbol = segment
    with pytest.raises(UsageError, match="--depth"):
        md.orderbook(symbol, depth=0)
    with pytest.raises(UsageError, match="--depth"):
        md.orderbook(symbol, depth=501)
    with pytest.raises(UsageError, match="--limit"):
        md.trades(symbol, limit=0)
    with pytest.raises(UsageError, match="not before"):
        md.trades(symbol, Window("2026-01-02", "2026-01-01"))
    with pytest.raises(UsageError, match="not before"):
        md.candles(symbol, "h1", Window("2026-01-02", "2026-01-01"))


@pytest.mark.parametrize("days", [0, -1, float("nan"), float("inf")])
def test_days_must_be_positive_and_finite(days: float) -> None:
    with pytest.raises(UsageError, match="--days"):
        Window(days=days)


def test_days_and_since_are_exclusive() -> None:
    with pytest.raises(UsageError, match="not both"):
        Window(since="2h", days=1)


def test_days_too_large_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--days"):
        Window(days=1e12).bounds(datetime.fromtimestamp(NOW, UTC))


def test_fill_is_spot_only_and_tick_type_futures_only() -> None:
    with pytest.raises(UsageError, match="--fill"):
        futures().candles("PF_XBTUSD", "h1", fill=True)
    with pytest.raises(UsageError, match="--tick-type"):
        spot().candles("BTCUSD", "h1", tick_type="mark")


def test_forming_candle_cut_off_is_one_rule() -> None:
    # The futures chart sample has 16:00, 17:00, 18:00; at 18:30 the 18:00 candle is forming.
    at_1830 = futures(wall=1790274600.0)
    since = Window(datetime.fromtimestamp(1790265600, UTC))
    assert [c.time for c in at_1830.candles("PF_XBTUSD", "h1", since)] == [
        1790265600,
        1790269200,
    ]
    with_partial = at_1830.candles("PF_XBTUSD", "h1", since, partial=True)
    assert [c.time for c in with_partial][-1] == 1790272800
    # spot: Kraken's `last` marks the committed rows the same way
    got = list(spot().candles("BTCUSD", parse_interval("h1")))
    assert got[-1].time == 1790355600


def test_margin_lists_leverage_pairs_only() -> None:
    everything = spot().symbols()
    margin = spot(Market.MARGIN).symbols()
    assert margin and len(margin) < len(everything)
    assert all(p.marginable for p in margin)


def test_status_and_assets_have_no_futures_variant() -> None:
    md = futures()
    with pytest.raises(UsageError, match="no futures variant"):
        md.status()
    with pytest.raises(UsageError, match="no futures variant"):
        md.assets()


def test_resolve_is_per_segment() -> None:
    assert spot().resolve("xbt/usd").symbol == "BTC/USD"
    assert futures().resolve("BTCUSD").symbol == "PF_XBTUSD"


def test_futures_records_keep_the_wire_text() -> None:
    (tick,) = futures().ticker(["pi_xbtusd"])
    assert isinstance(tick, FuturesTicker)
    assert tick.funding_rate is not None and tick.to_record()["funding_rate"] == "1.18588737106e-7"
    (trade,) = futures().trades("PF_XBTUSD")
    assert trade.to_record()["time"] == "2024-05-03T13:05:43.974Z"
    assert trade.price == 61081 and trade.to_record()["price"] == "61081"


def test_open_market_data_picks_the_implementation() -> None:
    settings = Settings(endpoints=Endpoints())
    for market, kind in (
        (Market.SPOT, SpotMarketData),
        (Market.MARGIN, SpotMarketData),
        (Market.FUTURES, FuturesMarketData),
    ):
        with open_market_data(settings, market) as md:
            assert isinstance(md, kind) and md.market is market
