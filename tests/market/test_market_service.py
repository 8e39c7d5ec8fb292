"""MarketService over MockTransport: paging, candles window, skew, book checksum, resolver cache."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from market_samples import (
    NOW,
    SAMPLES,
    Handler,
    asset_pairs_body,
    assets_body,
    mock_spot,
    sample,
    sample_handler,
)

from kraken_cli.client.spot_public import TradesPage
from kraken_cli.errors import UnknownSymbolError, UsageError
from kraken_cli.models.intervals import parse_interval
from kraken_cli.models.market import BookLevel, Trade, parse_ohlc_row, parse_trade_row
from kraken_cli.models.numbers import Malformed
from kraken_cli.services.history.select import forming_by_ohlc, select_candles
from kraken_cli.services.market import Window
from kraken_cli.services.market.paging import page_trades
from kraken_cli.services.market.spot import MarketService, book_checksum_at
from kraken_cli.services.market.status import SkewSample, best_sample
from kraken_cli.services.market.symbols import cache_path


def service(
    handler: Handler = sample_handler, *, cache_dir: Path | None = None, wall: float = NOW
) -> tuple[MarketService, list[httpx.Request]]:
    return mock_spot(handler, cache_dir=cache_dir, wall=wall)


# --- trades paging -----------------------------------------------------------------------------


def _trade(tid: int, t: str) -> list[Any]:
    return ["100.0", "1.0", Decimal(t), "b", "l", "", tid]


def test_three_pages_join_without_gap_or_duplicate() -> None:
    # Page boundaries fall inside groups of trades that share one timestamp, and each page
    # repeats the boundary trades (Kraken's `since` is inclusive at ns resolution).
    pages = {
        "1700000000": (
            [_trade(1, "1700000000.1"), _trade(2, "1700000000.2"), _trade(3, "1700000000.3")],
            "1700000000300000000",
        ),
        "1700000000300000000": (
            [_trade(3, "1700000000.3"), _trade(4, "1700000000.3"), _trade(5, "1700000000.5")],
            "1700000000500000000",
        ),
        "1700000000500000000": (
            [_trade(5, "1700000000.5"), _trade(6, "1700000000.5"), _trade(7, "1700000000.7")],
            "1700000000700000000",
        ),
        "1700000000700000000": ([], "1700000000700000000"),
    }
    calls: list[str] = []

    def fetch(cursor: str) -> TradesPage:
        calls.append(cursor)
        rows, last = pages[cursor]
        return TradesPage([parse_trade_row(r, "BTC/USD") for r in rows], last)

    got = list(page_trades(fetch, since=Decimal("1700000000")))
    assert [t.trade_id for t in got] == [1, 2, 3, 4, 5, 6, 7]
    assert calls == list(pages)


def test_paging_without_trade_ids_dedupes_by_content() -> None:
    rows1 = [r[:6] for r in (_trade(1, "10.1"), _trade(2, "10.2"))]
    rows2 = [r[:6] for r in (_trade(2, "10.2"), _trade(3, "10.3"))]
    rows2[1][1] = "2.0"
    pages = {"10": (rows1, "10200000000"), "10200000000": (rows2, "10300000000")}

    def fetch(cursor: str) -> TradesPage:
        rows, last = pages.get(cursor, ([], cursor))
        return TradesPage([parse_trade_row(r, "X/Y") for r in rows], last)

    got = list(page_trades(fetch, since=Decimal(10)))
    assert [(str(t.time), str(t.volume)) for t in got] == [
        ("10.1", "1.0"),
        ("10.2", "1.0"),
        ("10.3", "2.0"),
    ]


def test_paging_stops_at_until_and_limit() -> None:
    def fetch(cursor: str) -> TradesPage:
        start = int(cursor[:2]) if len(cursor) > 2 else int(cursor)
        rows = [_trade(i, f"{i}.5") for i in range(start, start + 3)]
        return TradesPage([parse_trade_row(r, "X/Y") for r in rows], f"{start + 3}000000000")

    until = [t.trade_id for t in page_trades(fetch, since=Decimal(10), until=Decimal(15))]
    assert until == [10, 11, 12, 13, 14]
    limited = [t.trade_id for t in page_trades(fetch, since=Decimal(10), limit=4)]
    assert limited == [10, 11, 12, 13]


def test_trades_service_latest_uses_count_and_exact_time() -> None:
    svc, seen = service()
    got = list(svc.trades("BTCUSD", limit=2))
    assert dict(seen[-1].url.params) == {"pair": "XBTUSD", "count": "2"}
    assert [t.trade_id for t in got] == [109118759, 109118760]
    # The float time keeps every digit Kraken sent.
    assert str(got[0].time) == "1790359841.1382287"
    assert got[0].to_record()["side"] == "buy" and got[0].to_record()["ord_type"] == "market"


def test_trades_service_since_pages_with_last() -> None:
    svc, seen = service()
    since = datetime.fromtimestamp(1790359840, UTC)
    got = list(svc.trades("BTC/USD", Window(since)))
    assert [t.trade_id for t in got] == [109118758, 109118759, 109118760]
    # The sample answers every cursor with the same page: the second page repeats, then stops.
    assert [dict(r.url.params).get("since") for r in seen[-2:]] == [
        "1790359840",
        "1790359841138228746",
    ]


# --- row parsers -------------------------------------------------------------------------------


def test_eight_element_trade_row_is_tolerated() -> None:
    res = json.loads(
        (SAMPLES / "rest-public-Trades-ccxt-8-element-row.json").read_text(), parse_float=Decimal
    )
    trade = parse_trade_row(res["result"]["XBTUSDT"][0], "BTC/USDT")
    assert trade.trade_id == 6324366
    assert trade.to_record()["price"] == Decimal("73324.40000")
    assert format(trade.price, "f") == "73324.40000"


_num = st.decimals(min_value=0, max_value=10**9, places=8, allow_nan=False, allow_infinity=False)


@given(
    price=_num,
    volume=_num,
    t=st.decimals(min_value=0, max_value=4 * 10**9, places=7),
    side=st.sampled_from("bs"),
    kind=st.sampled_from("ml"),
    tid=st.integers(min_value=0, max_value=2**53),
    extra=st.lists(st.text(max_size=5), max_size=2),
)
def test_property_trade_row_roundtrips_exact_text(
    price: Decimal, volume: Decimal, t: Decimal, side: str, kind: str, tid: int, extra: list[str]
) -> None:
    row = [format(price, "f"), format(volume, "f"), t, side, kind, "", tid, *extra]
    trade = parse_trade_row(row, "A/B")
    assert format(trade.price, "f") == row[0] and format(trade.volume, "f") == row[1]
    assert trade.time == t and trade.trade_id == tid
    assert trade.side == {"b": "buy", "s": "sell"}[side]
    assert trade.ord_type == {"m": "market", "l": "limit"}[kind]


@given(st.lists(st.one_of(st.none(), st.text(max_size=3), st.integers()), max_size=9))
def test_property_garbage_rows_raise_malformed_only(row: list[Any]) -> None:
    for parser in (parse_trade_row, parse_ohlc_row):
        with contextlib.suppress(Malformed):
            parser(row, "A/B")


@given(
    t=st.integers(min_value=0, max_value=2**33),
    values=st.lists(_num, min_size=6, max_size=6),
    count=st.integers(min_value=0, max_value=10**7),
)
def test_property_ohlc_row_roundtrips(t: int, values: list[Decimal], count: int) -> None:
    row = [t, *(format(v, "f") for v in values), count]
    candle = parse_ohlc_row(row, "A/B")
    rec = candle.to_record()
    assert [format(rec[k], "f") for k in ("open", "high", "low", "close", "vwap", "volume")] == [
        format(v, "f") for v in values
    ]
    assert candle.time == t and rec["count"] == count


# --- candles -----------------------------------------------------------------------------------


def test_candles_drop_forming_row_by_default() -> None:
    svc, seen = service()
    got = list(svc.candles("BTCUSD", parse_interval("h1")))
    assert [c.time for c in got] == [1790348400, 1790352000, 1790355600]
    assert dict(seen[-1].url.params) == {"pair": "XBTUSD", "interval": "60"}
    partial = list(svc.candles("BTCUSD", parse_interval("60"), partial=True))
    assert partial[-1].time == 1790359200
    assert format(partial[-1].volume, "f") == "53.72114923"


def test_candles_since_until_filter() -> None:
    svc, _ = service()
    since = datetime.fromtimestamp(1790352000 + 10, UTC)  # inside the 16:00 candle
    until = datetime.fromtimestamp(1790355600, UTC)
    got = list(svc.candles("BTCUSD", parse_interval("1h"), Window(since, until)))
    assert [c.time for c in got] == [1790352000]


def test_select_candles_without_last_drops_final_row_and_dedupes() -> None:
    rows = sample("rest-public-OHLC.json")["result"]["XXBTZUSD"]
    candles = [parse_ohlc_row(r, "BTC/USD") for r in rows + rows[:1]]
    forming = forming_by_ohlc(candles, None)
    assert [c.time for c in select_candles(candles, None, None, forming_from=forming)] == [
        1688671200,
        1688671260,
        1688671320,
    ]


# --- ticker, book, status ----------------------------------------------------------------------


def test_ticker_several_symbols_one_request_in_order() -> None:
    svc, seen = service()
    got = svc.ticker(["btc/usd", "BTCUSDT", "XBTUSD"])
    assert [t.symbol for t in got] == ["BTC/USD", "BTC/USDT"]
    assert [r.url.path for r in seen].count("/0/public/Ticker") == 1
    assert dict(seen[-1].url.params) == {"pair": "XBTUSD,XBTUSDT"}
    rec = got[1].to_record()
    assert [format(rec[k], "f") for k in ("bid", "ask", "last", "volume_24h")] == [
        "73380.60000",
        "73380.70000",
        "73380.60000",
        "598.03698452",
    ]


def test_orderbook_depth_and_checksum() -> None:
    svc, seen = service()
    book = svc.orderbook("XXBTZUSD", depth=3)
    assert dict(seen[-1].url.params) == {"pair": "XBTUSD", "count": "3"}
    obj = book.to_object()
    assert obj["asks"][0] == [Decimal("30384.10000"), Decimal("2.059")]
    assert book.level_records()[0] == {
        "symbol": "BTC/USD",
        "side": "bid",
        "price": Decimal("30297.00000"),
        "volume": Decimal("1.115"),
    }
    with pytest.raises(UsageError):
        svc.orderbook("BTCUSD", depth=0)


def test_book_checksum_matches_kraken_guide_vector() -> None:
    data = sample("ws-v2-book-checksum-guide-example.json")["data"][0]

    def levels(side: str) -> list[BookLevel]:
        return [BookLevel(Decimal(x["price"]), Decimal(x["qty"])) for x in data[side]]

    # Unpadded wire text (as REST sends it) is padded to pair precision before hashing.
    trimmed = [BookLevel(lv.price, lv.volume.normalize()) for lv in levels("bids")]
    assert book_checksum_at(trimmed, levels("asks"), 1, 8) == data["checksum"]


def test_skew_is_round_trip_corrected_and_best_of_probes() -> None:
    s = SkewSample(t0=100.2, t1=100.6, server=100.0)
    assert s.offset == pytest.approx(100.5 - 100.4)
    assert s.skew == pytest.approx(-0.1)
    assert s.uncertainty == pytest.approx(0.7)
    slow = SkewSample(t0=0.0, t1=2.0, server=5.0)
    assert best_sample([slow, s]) is s


def test_status_uses_three_probes() -> None:
    svc, seen = service()
    report = svc.status()
    assert [r.url.path.rsplit("/", 1)[-1] for r in seen] == ["SystemStatus", "Time", "Time"]
    rec = report.to_record()
    assert rec["status"] == "online" and rec["probes"] == 3
    assert rec["server_time"] == datetime.fromtimestamp(1617831335, UTC)


# --- resolver cache ----------------------------------------------------------------------------


def test_resolver_caches_on_disk_and_honours_ttl(tmp_path: Path) -> None:
    svc, seen = service(cache_dir=tmp_path)
    assert svc.resolver.resolve("BTCUSDT").key == "XBTUSDT"
    path = cache_path(tmp_path, "https://api.kraken.test")
    assert path.exists() and path.name.startswith("pairs-")
    fetched = len(seen)
    svc2, seen2 = service(cache_dir=tmp_path)
    assert svc2.resolver.resolve("DOGE/USD").key == "XDGUSD"
    assert seen2 == []
    svc3, seen3 = service(cache_dir=tmp_path, wall=NOW + 86401)
    svc3.resolver.resolve("DOGE/USD")
    assert len(seen3) == fetched


def test_resolver_refreshes_on_miss_then_suggests(tmp_path: Path) -> None:
    old = asset_pairs_body()
    del old["result"]["XBTUSDT"]
    path = cache_path(tmp_path, "https://api.kraken.test")
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "fetched_at": NOW,
                "asset_pairs": old["result"],
                "assets": assets_body()["result"],
            }
        )
    )
    svc, seen = service(cache_dir=tmp_path)
    assert svc.resolver.resolve("BTC-USDT").symbol == "BTC/USDT"
    assert {r.url.path for r in seen} == {"/0/public/AssetPairs", "/0/public/Assets"}
    with pytest.raises(UnknownSymbolError) as info:
        svc.resolver.resolve("BTCUSDC")
    assert info.value.hint and "BTC/USD" in info.value.hint
    assert len(seen) == 2  # a second miss in the same run does not refetch


def test_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    cache_path(tmp_path, "https://api.kraken.test").write_text("{not json")
    svc, _ = service(cache_dir=tmp_path)
    assert svc.resolver.resolve("SOLUSD").symbol == "SOL/USD"


def test_unknown_pair_from_kraken_is_not_data() -> None:
    svc, _ = service()
    trade = Trade("A/B", 1, Decimal(1), Decimal(1), Decimal(1), "buy", "limit")
    assert trade.to_record()["time"] == "1970-01-01T00:00:01Z"
    with pytest.raises(UnknownSymbolError):
        svc.ticker(["NOSUCHPAIR"])
