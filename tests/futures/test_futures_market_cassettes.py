"""Futures market services replayed from vcrpy cassettes built from the real samples."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import vcr

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.services.market import Window
from kraken_cli.services.market.futures import FuturesMarketData

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "futures"
REPLAY = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none")


@pytest.fixture
def live() -> Iterator[FuturesMarketData]:
    with FuturesMarketData(FuturesRest("https://futures.kraken.com")) as md:
        yield md


def test_symbols(live: FuturesMarketData) -> None:
    with REPLAY.use_cassette("instruments.yaml"):
        rows = [i.to_record() for i in live.symbols()]
    assert [r["symbol"] for r in rows] == [
        "FF_XBTUSD_261225",
        "FI_XBTUSD_261225",
        "PF_DOGEUSD",
        "PF_XBTUSD",
        "PI_XBTUSD",
    ]
    pf = next(r for r in rows if r["symbol"] == "PF_XBTUSD")
    assert pf["pair"] == "BTC/USD" and pf["perpetual"] is True and pf["tick_size"] == "1"
    ff = next(r for r in rows if r["symbol"] == "FF_XBTUSD_261225")
    assert ff["expiry"] == "2026-12-25T08:00:00Z" and ff["perpetual"] is False


def test_symbols_filter_by_base_spelling(live: FuturesMarketData) -> None:
    with REPLAY.use_cassette("instruments.yaml"):
        rows = [i.to_record() for i in live.symbols(base="XBT")]
    assert "PF_DOGEUSD" not in [r["symbol"] for r in rows] and len(rows) == 4


def test_ticker_record(live: FuturesMarketData) -> None:
    with REPLAY.use_cassette("tickers.yaml"):
        rows = [t.to_record() for t in live.ticker(["pi_xbtusd", "in_xbtusd"])]
    pi, index = rows
    assert list(pi)[:8] == [
        "symbol",
        "bid",
        "ask",
        "last",
        "volume_24h",
        "vwap_24h",
        "low_24h",
        "high_24h",
    ]
    assert pi["symbol"] == "PI_XBTUSD" and pi["bid"] == "8634" and pi["ask"] == "49289"
    assert pi["volume_24h"] == "15304" and pi["vwap_24h"] is None and pi["low_24h"] is None
    assert pi["mark_price"] == "30209.9" and pi["funding_rate"] == "1.18588737106e-7"
    assert index["symbol"] == "in_xbtusd" and index["last"] == "21088" and index["bid"] is None


def test_orderbook_exact_strings_sorted(live: FuturesMarketData) -> None:
    with REPLAY.use_cassette("orderbook.yaml"):
        fbook = live.orderbook("btc/usd", depth=3)
    book = fbook.to_object()
    assert book["symbol"] == "PF_XBTUSD" and book["checksum"] is None
    assert book["bids"][0] == ["61011.5", "2900"]
    assert len(book["bids"]) == 3 and len(book["asks"]) == 3
    assert float(book["asks"][0][0]) > float(book["bids"][0][0])
    rows = fbook.level_records()
    assert rows[0] == {"symbol": "PF_XBTUSD", "side": "bid", "price": "61011.5", "volume": "2900"}


def test_trades(live: FuturesMarketData) -> None:
    with REPLAY.use_cassette("history.yaml"):
        rows = [t.to_record() for t in live.trades("XBTUSD")]
    assert rows == [
        {
            "symbol": "PF_XBTUSD",
            "trade_id": 100,
            "time": "2024-05-03T13:05:43.974Z",
            "price": "61081",
            "volume": "25",
            "side": "sell",
            "ord_type": "market",
            "uid": "d0692c0c-742e-4d88-862c-8bd63533e067",
        }
    ]


def test_candles(live: FuturesMarketData) -> None:
    since = datetime.fromtimestamp(1790265600, UTC)
    until = datetime.fromtimestamp(1790276400, UTC)
    with REPLAY.use_cassette("charts.yaml"):
        rows = [c.to_record() for c in live.candles("PF_XBTUSD", "h1", Window(since, until))]
    assert [r["time"] for r in rows] == [
        "2026-09-24T16:00:00Z",
        "2026-09-24T17:00:00Z",
        "2026-09-24T18:00:00Z",
    ]
    assert list(rows[0]) == [
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
    assert rows[0]["open"] == "84406" and rows[0]["volume"] == "250.90500000000"
