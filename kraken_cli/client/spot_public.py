"""Kraken spot public REST endpoints, one thin typed wrapper each (GET only, PROTOCOL §1).

Pairs are sent by altname (never the v1 wsname, which REST may refuse). Single-pair results are
read from the one key that is not ``last``, whatever spelling Kraken used for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from kraken_cli.client.http import KrakenHttp
from kraken_cli.errors import ProtocolError
from kraken_cli.models.numbers import Malformed, reply_of, wire_int
from kraken_cli.models.symbols import result_rows

# Start-up (issue 17): the records and parsers of the other endpoints load with their method.
if TYPE_CHECKING:
    from kraken_cli.client.spot_replies import OhlcPage, ServerTime, SystemStatus, TradesPage
    from kraken_cli.models.orderbook import BookLevel
    from kraken_cli.models.trade_rows import TradeRowsPage

#: Records that moved to ``spot_replies``, still importable from here.
_MOVED = ("OhlcPage", "ServerTime", "SystemStatus", "TradesPage")


def __getattr__(name: str) -> Any:
    """Import a moved reply record on first use (PEP 562)."""
    if name in _MOVED:
        from kraken_cli.client import spot_replies

        return getattr(spot_replies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class DepthSnapshot(NamedTuple):
    """One ``Depth`` answer: the book sides (price, volume, timestamp), best first."""

    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]


def _result(res: Any, endpoint: str) -> dict[str, Any]:
    if not isinstance(res, dict):
        raise ProtocolError(endpoint, f"result is {type(res).__name__}, not an object")
    return res


def _rows(res: dict[str, Any], endpoint: str) -> Any:
    """Return the data under the one result key that is not ``last``; refuse a missing key."""
    rows = result_rows(res)
    if rows is None:
        raise ProtocolError(endpoint, "the result holds no pair key")
    return rows


def _list(value: Any, endpoint: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProtocolError(endpoint, f"rows are {type(value).__name__}, not a list")
    return value


class SpotPublic:
    """Public spot endpoints over :class:`KrakenHttp`; each reply parses or raises ProtocolError."""

    def __init__(self, http: KrakenHttp) -> None:
        self.http = http

    def time(self) -> ServerTime:
        """Get the server time. https://docs.kraken.com/api/docs/rest-api/get-server-time"""
        from kraken_cli.client.spot_replies import ServerTime

        res = _result(self.http.public("Time"), "Time")
        with reply_of("Time"):
            unixtime = wire_int(res["unixtime"], "unixtime")
            if unixtime < 0:
                raise Malformed(f"unixtime before 1970: {unixtime}")
            return ServerTime(unixtime, str(res.get("rfc1123", "")))

    def system_status(self) -> SystemStatus:
        """Get the system status. https://docs.kraken.com/api/docs/rest-api/get-system-status"""
        from datetime import UTC, datetime

        from kraken_cli.client.spot_replies import SystemStatus

        res = _result(self.http.public("SystemStatus"), "SystemStatus")
        with reply_of("SystemStatus"):
            stamp = datetime.fromisoformat(str(res["timestamp"]).replace("Z", "+00:00"))
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
            return SystemStatus(str(res["status"]), stamp.astimezone(UTC))

    def assets(self) -> dict[str, Any]:
        """Get all assets (raw). https://docs.kraken.com/api/docs/rest-api/get-asset-info"""
        return _table(self.http.public("Assets"), "Assets")

    def asset_pairs(self) -> dict[str, Any]:
        """Get all pairs (raw). https://docs.kraken.com/api/docs/rest-api/get-tradable-asset-pairs"""
        return _table(self.http.public("AssetPairs"), "AssetPairs")

    def ticker(self, altnames: Sequence[str]) -> dict[str, Any]:
        """Get tickers keyed by Kraken's result key.

        https://docs.kraken.com/api/docs/rest-api/get-ticker-information
        """
        return _table(self.http.public("Ticker", {"pair": ",".join(altnames)}), "Ticker")

    def depth(self, altname: str, count: int) -> DepthSnapshot:
        """Get the order book. https://docs.kraken.com/api/docs/rest-api/get-order-book"""
        from kraken_cli.models.orderbook import parse_book_side

        res = _result(self.http.public("Depth", {"pair": altname, "count": count}), "Depth")
        book = _rows(res, "Depth")
        with reply_of("Depth"):
            if not isinstance(book, dict):
                raise Malformed(f"the book of {altname} is not an object")
            return DepthSnapshot(
                bids=parse_book_side(book.get("bids", [])),
                asks=parse_book_side(book.get("asks", [])),
            )

    def trades(
        self, altname: str, symbol: str, since: str | None = None, count: int | None = None
    ) -> TradesPage:
        """Get one page of trades. https://docs.kraken.com/api/docs/rest-api/get-recent-trades"""
        from kraken_cli.client.spot_replies import TradesPage
        from kraken_cli.models.market import parse_trade_row

        rows, last = self._trades(altname, since, count, Decimal)
        with reply_of("Trades"):
            return TradesPage([parse_trade_row(row, symbol) for row in rows], last)

    def trade_rows(self, altname: str, symbol: str, since: str | None = None) -> TradeRowsPage:
        """Get one page of trades as the trade store's rows: exact text, no Decimal per trade."""
        from kraken_cli.models.trade_rows import TradeRowsPage, parse_trade_rows

        rows, last = self._trades(altname, since, None, str)
        with reply_of("Trades"):
            return TradeRowsPage(parse_trade_rows(rows, symbol), last)

    def _trades(
        self, altname: str, since: str | None, count: int | None, parse_float: Callable[[str], Any]
    ) -> tuple[list[Any], str]:
        params: dict[str, str | int] = {"pair": altname}
        if since is not None:
            params["since"] = since
        if count is not None:
            params["count"] = count
        res = _result(self.http.public("Trades", params, parse_float=parse_float), "Trades")
        rows = _list(_rows(res, "Trades"), "Trades")
        last = res.get("last")
        if not isinstance(last, str | int) or isinstance(last, bool) or not str(last).isdigit():
            raise ProtocolError("Trades", f"cursor 'last' is not a nanosecond count: {last!r}")
        return rows, str(last)

    def ohlc(self, altname: str, symbol: str, minutes: int, since: int | None = None) -> OhlcPage:
        """Get OHLC candles (≤ 720). https://docs.kraken.com/api/docs/rest-api/get-ohlc-data"""
        from kraken_cli.client.spot_replies import OhlcPage
        from kraken_cli.models.market import parse_ohlc_row

        params: dict[str, str | int] = {"pair": altname, "interval": minutes}
        if since is not None:
            params["since"] = since
        res = _result(self.http.public("OHLC", params), "OHLC")
        rows = _list(_rows(res, "OHLC"), "OHLC")
        with reply_of("OHLC"):
            last = res.get("last")
            committed = None if last is None else wire_int(last, "last")
            if committed is not None and committed < 0:
                raise Malformed(f"last before 1970: {committed}")
            return OhlcPage([parse_ohlc_row(row, symbol) for row in rows], committed)


def _table(res: Any, endpoint: str) -> dict[str, Any]:
    """Return a result keyed by id whose every entry is an object."""
    table = _result(res, endpoint)
    for key, entry in table.items():
        if not isinstance(entry, dict):
            raise ProtocolError(endpoint, f"entry {key!r} is {type(entry).__name__}, not an object")
    return dict(table)
