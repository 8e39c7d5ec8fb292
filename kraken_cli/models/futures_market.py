"""Kraken Futures market rows -> the shared market records of :mod:`kraken_cli.models.market`.

The futures ticker adds its own fields, so its record (:class:`FuturesTicker`) lives here.

Futures bodies carry numbers as JSON numbers read as exact text (``parse_float=str``); each
value becomes a :class:`~kraken_cli.models.numbers.WireDecimal` that renders as sent. Parsers
raise :class:`~kraken_cli.models.numbers.Malformed` for a row that does not fit its record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kraken_cli.models.futures import wire_symbol
from kraken_cli.models.market import Candle, FuturesTrade
from kraken_cli.models.numbers import Malformed, WireDecimal, exact, wire_dec, wire_int
from kraken_cli.models.orderbook import BookLevel, OrderBook
from kraken_cli.models.ticker import Ticker
from kraken_cli.models.times import iso_wire, ms_from_iso


@dataclass(frozen=True, slots=True)
class FuturesTicker(Ticker):
    """A Kraken Futures ticker: the common fields plus mark/index price, funding, interest."""

    open_24h: Decimal | None = None
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    funding_rate: Decimal | None = None
    funding_rate_prediction: Decimal | None = None
    open_interest: Decimal | None = None
    bid_size: Decimal | None = None
    ask_size: Decimal | None = None
    last_time: str | None = None
    suspended: Any = None
    tag: Any = None

    def to_record(self) -> dict[str, Any]:
        """Return the SPEC ticker record with the futures extras (no trade count)."""
        extras = (
            "open_24h",
            "mark_price",
            "index_price",
            "funding_rate",
            "funding_rate_prediction",
            "open_interest",
            "bid_size",
            "ask_size",
        )
        record = self._common() | {key: exact(getattr(self, key)) for key in extras}
        return record | {"last_time": self.last_time, "suspended": self.suspended, "tag": self.tag}

    @property
    def reference_open(self) -> Decimal | None:
        """Return the price the change is measured from: the open 24 hours ago."""
        return self.open_24h


def _mapping(raw: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise Malformed(f"{what} is not an object: {str(raw)[:80]}")
    return raw


def _required(raw: Mapping[str, Any], key: str, what: str) -> WireDecimal:
    value = wire_dec(raw.get(key), f"{what} {key}")
    if value is None:
        raise Malformed(f"{what} has no {key}: {str(raw)[:80]}")
    return value


def parse_futures_ticker(raw: Any) -> FuturesTicker:
    """Map one ``tickers[]`` row to a ticker with the futures extras."""
    row = _mapping(raw, "ticker")
    symbol = row.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise Malformed(f"ticker row has no symbol: {str(row)[:80]}")

    def value(key: str) -> WireDecimal | None:
        return wire_dec(row.get(key), f"ticker {key}")

    return FuturesTicker(
        symbol=wire_symbol(symbol),
        bid=value("bid"),
        ask=value("ask"),
        last=value("last"),
        volume_24h=value("vol24h"),
        vwap_24h=value("vwap24h"),
        low_24h=value("low24h"),
        high_24h=value("high24h"),
        open_24h=value("open24h"),
        mark_price=value("markPrice"),
        index_price=value("indexPrice"),
        funding_rate=value("fundingRate"),
        funding_rate_prediction=value("fundingRatePrediction"),
        open_interest=value("openInterest"),
        bid_size=value("bidSize"),
        ask_size=value("askSize"),
        last_time=iso_wire(row.get("lastTime")),
        suspended=row.get("suspended"),
        tag=row.get("tag"),
    )


def parse_futures_trade(symbol: str, raw: Any) -> FuturesTrade:
    """Map one ``history[]`` entry to a trade (time exact to the millisecond)."""
    row = _mapping(raw, "trade")
    when = row.get("time")
    if not isinstance(when, str):
        raise Malformed(f"trade has no time: {str(row)[:80]}")
    ms = ms_from_iso(when)
    if ms < 0:
        raise Malformed(f"trade time before 1970: {when!r}")
    trade_id = row.get("trade_id")
    kind = str(row.get("type", "fill"))
    side = row.get("side")
    uid = row.get("uid")
    return FuturesTrade(
        symbol=symbol,
        trade_id=None if trade_id is None else wire_int(trade_id, "trade_id"),
        time=Decimal(ms).scaleb(-3),
        price=_required(row, "price", "trade"),
        volume=_required(row, "size", "trade"),
        side=str(side) if side is not None else "",
        ord_type="market" if kind == "fill" else kind,
        uid=None if uid is None else str(uid),
    )


def parse_chart_candle(symbol: str, raw: Any) -> Candle:
    """Map one charts-API candle (time in epoch ms) to a candle without vwap/count."""
    row = _mapping(raw, "candle")
    ms = wire_int(row.get("time"), "candle time")
    if ms < 0:
        raise Malformed(f"candle time before 1970: {ms}")
    return Candle(
        symbol,
        ms // 1000,
        _required(row, "open", "candle"),
        _required(row, "high", "candle"),
        _required(row, "low", "candle"),
        _required(row, "close", "candle"),
        None,
        _required(row, "volume", "candle"),
        None,
    )


def parse_futures_book(symbol: str, raw: Any, depth: int | None = None) -> OrderBook:
    """Map ``orderBook`` to a book: bids best (highest) first, asks lowest first."""
    book = _mapping(raw, "orderBook")
    bids = sorted(_levels(book.get("bids")), key=lambda lv: -lv.price)
    asks = sorted(_levels(book.get("asks")), key=lambda lv: lv.price)
    if depth is not None:
        bids, asks = bids[:depth], asks[:depth]
    return OrderBook(symbol, tuple(bids), tuple(asks), None)


def _levels(raw: Any) -> list[BookLevel]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Malformed(f"book side is not a list: {str(raw)[:80]}")
    out = []
    for level in raw:
        if not isinstance(level, list | tuple) or len(level) < 2:
            raise Malformed(f"malformed book level: {str(level)[:80]}")
        price, size = wire_dec(level[0], "price"), wire_dec(level[1], "size")
        if price is None or size is None:
            raise Malformed(f"malformed book level: {str(level)[:80]}")
        out.append(BookLevel(price, size))
    return out
