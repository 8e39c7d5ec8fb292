"""Kraken spot public REST endpoints, one thin typed wrapper each (GET only, PROTOCOL §1).

Pairs are sent by altname (never the v1 wsname, which REST may refuse). Single-pair results are
read from the one key that is not ``last``, whatever spelling Kraken used for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kraken_cli.client.http import KrakenHttp
from kraken_cli.errors import NetworkError
from kraken_cli.models.market import (
    Candle,
    Trade,
    parse_book_side,
    parse_ohlc_row,
    parse_trade_row,
)
from kraken_cli.models.symbols import result_rows


@dataclass(frozen=True)
class ServerTime:
    """Kraken's clock: whole unix seconds and the RFC 1123 text (2-digit year on the wire)."""

    unixtime: int
    rfc1123: str


@dataclass(frozen=True)
class SystemStatus:
    """Trading state of the exchange and Kraken's timestamp of the answer (1-s resolution)."""

    status: str
    timestamp: datetime


@dataclass(frozen=True)
class TradesPage:
    """One page of ``Trades``: the rows and the nanosecond cursor for the next page."""

    trades: list[Trade]
    last: str


@dataclass(frozen=True)
class OhlcPage:
    """One ``OHLC`` answer: up to 720 rows (the last one still forming) and ``last``."""

    candles: list[Candle]
    last: int | None


@dataclass(frozen=True)
class DepthSnapshot:
    """One ``Depth`` answer: raw book sides (price, volume, timestamp)."""

    bids: Any
    asks: Any


class SpotPublic:
    """The public spot endpoints over a :class:`KrakenHttp`."""

    def __init__(self, http: KrakenHttp) -> None:
        self.http = http

    def time(self) -> ServerTime:
        """Get the server time. https://docs.kraken.com/api/docs/rest-api/get-server-time"""
        res = self.http.public("Time")
        try:
            return ServerTime(int(res["unixtime"]), str(res.get("rfc1123", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise NetworkError(f"malformed Time reply: {res!r}"[:120]) from exc

    def system_status(self) -> SystemStatus:
        """Get the system status. https://docs.kraken.com/api/docs/rest-api/get-system-status"""
        res = self.http.public("SystemStatus")
        try:
            stamp = datetime.fromisoformat(str(res["timestamp"]).replace("Z", "+00:00"))
            return SystemStatus(str(res["status"]), stamp.astimezone(UTC))
        except (KeyError, TypeError, ValueError) as exc:
            raise NetworkError(f"malformed SystemStatus reply: {res!r}"[:120]) from exc

    def assets(self) -> dict[str, Any]:
        """Get all assets (raw). https://docs.kraken.com/api/docs/rest-api/get-asset-info"""
        return dict(self.http.public("Assets"))

    def asset_pairs(self) -> dict[str, Any]:
        """Get all pairs (raw). https://docs.kraken.com/api/docs/rest-api/get-tradable-asset-pairs"""
        return dict(self.http.public("AssetPairs"))

    def ticker(self, altnames: Sequence[str]) -> dict[str, Any]:
        """Get tickers keyed by Kraken's result key.

        https://docs.kraken.com/api/docs/rest-api/get-ticker-information
        """
        return dict(self.http.public("Ticker", {"pair": ",".join(altnames)}))

    def depth(self, altname: str, count: int) -> DepthSnapshot:
        """Get the order book. https://docs.kraken.com/api/docs/rest-api/get-order-book"""
        res = self.http.public("Depth", {"pair": altname, "count": count})
        book = result_rows(res)
        if not isinstance(book, dict):
            raise NetworkError(f"Depth reply has no book for {altname}")
        return DepthSnapshot(
            bids=parse_book_side(book.get("bids", [])),
            asks=parse_book_side(book.get("asks", [])),
        )

    def trades(
        self, altname: str, symbol: str, since: str | None = None, count: int | None = None
    ) -> TradesPage:
        """Get one page of trades. https://docs.kraken.com/api/docs/rest-api/get-recent-trades"""
        params: dict[str, str | int] = {"pair": altname}
        if since is not None:
            params["since"] = since
        if count is not None:
            params["count"] = count
        res = self.http.public("Trades", params, parse_float=Decimal)
        rows = result_rows(res) or []
        trades = [parse_trade_row(row, symbol) for row in rows]
        return TradesPage(trades, str(res.get("last", since or "")))

    def ohlc(self, altname: str, symbol: str, minutes: int, since: int | None = None) -> OhlcPage:
        """Get OHLC candles (≤ 720). https://docs.kraken.com/api/docs/rest-api/get-ohlc-data"""
        params: dict[str, str | int] = {"pair": altname, "interval": minutes}
        if since is not None:
            params["since"] = since
        res = self.http.public("OHLC", params)
        rows = result_rows(res) or []
        last = res.get("last")
        return OhlcPage(
            [parse_ohlc_row(row, symbol) for row in rows],
            int(last) if last is not None else None,
        )
