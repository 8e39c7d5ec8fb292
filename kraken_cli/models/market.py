"""Public market data as frozen dataclasses, and the pure parsers of Kraken's REST rows.

Money fields are :class:`~decimal.Decimal` built from the wire text, so ``format(d, "f")`` gives
back exactly what Kraken sent (trailing zeros included). ``to_record`` returns the SPEC's record
(``symbol`` first, then the fields in SPEC order) for ``output.render``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kraken_cli.errors import NetworkError
from kraken_cli.models.times import iso_from_unix

_SIDES = {"b": "buy", "s": "sell"}
_ORD_TYPES = {"m": "market", "l": "limit"}


def dec(value: Any, what: str = "number") -> Decimal:
    """Parse a wire number (string, int or Decimal; float only via its repr) exactly."""
    try:
        return Decimal(value) if isinstance(value, str | int | Decimal) else Decimal(repr(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise NetworkError(f"malformed {what} from Kraken: {value!r}") from exc


def _malformed(kind: str, row: Any) -> NetworkError:
    return NetworkError(f"malformed {kind} row from Kraken: {str(row)[:80]}")


@dataclass(frozen=True)
class Trade:
    """One public trade (REST ``Trades`` row)."""

    symbol: str
    trade_id: int | None
    time: Decimal
    price: Decimal
    volume: Decimal
    side: str
    ord_type: str
    misc: str = ""

    def to_record(self) -> dict[str, Any]:
        """Return the SPEC trade record."""
        return {
            "symbol": self.symbol,
            "trade_id": self.trade_id,
            "time": iso_from_unix(self.time),
            "price": self.price,
            "volume": self.volume,
            "side": self.side,
            "ord_type": self.ord_type,
        }


def parse_trade_row(row: Sequence[Any], symbol: str) -> Trade:
    """Parse ``[price, volume, time, b|s, m|l, misc, trade_id, ...]`` (extra elements ignored)."""
    if not isinstance(row, list | tuple) or len(row) < 5:
        raise _malformed("trade", row)
    side = _SIDES.get(str(row[3]))
    ord_type = _ORD_TYPES.get(str(row[4]))
    if side is None or ord_type is None:
        raise _malformed("trade", row)
    trade_id = row[6] if len(row) > 6 else None
    if trade_id is not None and not isinstance(trade_id, int):
        try:
            trade_id = int(trade_id)
        except (TypeError, ValueError) as exc:
            raise _malformed("trade", row) from exc
    return Trade(
        symbol=symbol,
        trade_id=trade_id,
        time=dec(row[2], "trade time"),
        price=dec(row[0], "price"),
        volume=dec(row[1], "volume"),
        side=side,
        ord_type=ord_type,
        misc=str(row[5]) if len(row) > 5 else "",
    )


@dataclass(frozen=True)
class Candle:
    """One OHLC candle; ``time`` is the interval's open, unix seconds."""

    symbol: str
    time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vwap: Decimal | None  # None: not known (Kraken's archive OHLCVT rows carry no vwap)
    volume: Decimal
    count: int

    def to_record(self) -> dict[str, Any]:
        """Return the SPEC candle record."""
        return {
            "symbol": self.symbol,
            "time": iso_from_unix(self.time),
            "open": self.open,
            "high": self.high,
            "low": self.low,
            "close": self.close,
            "vwap": self.vwap,
            "volume": self.volume,
            "count": self.count,
        }


def parse_ohlc_row(row: Sequence[Any], symbol: str) -> Candle:
    """Parse ``[time, open, high, low, close, vwap, volume, count]``."""
    if not isinstance(row, list | tuple) or len(row) < 8:
        raise _malformed("OHLC", row)
    try:
        open_time, count = int(row[0]), int(row[7])
    except (TypeError, ValueError) as exc:
        raise _malformed("OHLC", row) from exc
    o, h, lo, c, vwap, vol = (dec(v, "OHLC value") for v in row[1:7])
    return Candle(symbol, open_time, o, h, lo, c, vwap, vol, count)


@dataclass(frozen=True)
class Ticker:
    """The 24-hour ticker of a pair (REST ``Ticker`` entry)."""

    symbol: str
    bid: Decimal
    ask: Decimal
    last: Decimal
    volume_24h: Decimal
    vwap_24h: Decimal
    low_24h: Decimal
    high_24h: Decimal
    trades_24h: int
    open_today: Decimal | None

    def to_record(self) -> dict[str, Any]:
        """Return the SPEC ticker record."""
        return {
            "symbol": self.symbol,
            "bid": self.bid,
            "ask": self.ask,
            "last": self.last,
            "volume_24h": self.volume_24h,
            "vwap_24h": self.vwap_24h,
            "low_24h": self.low_24h,
            "high_24h": self.high_24h,
            "trades_24h": self.trades_24h,
        }


def parse_ticker(raw: Mapping[str, Any], symbol: str) -> Ticker:
    """Parse one Ticker entry (``a b c v p t l h o``); the 24-hour value is index 1."""
    try:
        return Ticker(
            symbol=symbol,
            bid=dec(raw["b"][0]),
            ask=dec(raw["a"][0]),
            last=dec(raw["c"][0]),
            volume_24h=dec(raw["v"][1]),
            vwap_24h=dec(raw["p"][1]),
            low_24h=dec(raw["l"][1]),
            high_24h=dec(raw["h"][1]),
            trades_24h=int(raw["t"][1]),
            open_today=dec(raw["o"]) if "o" in raw else None,
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise _malformed("ticker", raw) from exc


@dataclass(frozen=True)
class BookLevel:
    """One price level of an order book."""

    price: Decimal
    volume: Decimal
    timestamp: int | None = None


@dataclass(frozen=True)
class OrderBook:
    """A REST order-book snapshot: asks ascending, bids descending, plus its checksum."""

    symbol: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    checksum: int

    def level_records(self) -> list[dict[str, Any]]:
        """Return ``side, price, volume`` records (bids then asks) for csv/jsonl/table."""
        return [
            {"symbol": self.symbol, "side": side, "price": lv.price, "volume": lv.volume}
            for side, levels in (("bid", self.bids), ("ask", self.asks))
            for lv in levels
        ]

    def to_object(self) -> dict[str, Any]:
        """Return the ``--format json`` object ``{symbol, bids, asks, checksum}``."""
        return {
            "symbol": self.symbol,
            "bids": [[lv.price, lv.volume] for lv in self.bids],
            "asks": [[lv.price, lv.volume] for lv in self.asks],
            "checksum": self.checksum,
        }


def parse_book_side(rows: Sequence[Any]) -> tuple[BookLevel, ...]:
    """Parse ``[[price, volume, timestamp], ...]``."""
    out = []
    for row in rows:
        if not isinstance(row, list | tuple) or len(row) < 2:
            raise _malformed("book", row)
        ts = int(row[2]) if len(row) > 2 else None
        out.append(BookLevel(dec(row[0], "price"), dec(row[1], "volume"), ts))
    return tuple(out)
