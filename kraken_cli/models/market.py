"""Public market data as frozen dataclasses (spot, margin and futures alike), and spot row parsers.

Money fields are :class:`~decimal.Decimal` built from the wire text, so ``format(d, "f")`` gives
back exactly what Kraken sent (trailing zeros included); futures values are
:class:`~kraken_cli.models.numbers.WireDecimal` and keep their JSON text. ``to_record`` returns
the SPEC's record (``symbol`` first, then the fields in SPEC order) for ``output``; futures
variants add their extra keys. Parsers raise :class:`~kraken_cli.models.numbers.Malformed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kraken_cli.models.numbers import dec, exact, malformed_row
from kraken_cli.models.times import iso_from_unix, iso_ms

# The ticker and book records have their own modules: `krx ticker` creates only the records it
# prints (start-up, issue 17). They stay importable from here.
if TYPE_CHECKING:
    from kraken_cli.models.orderbook import BookLevel as BookLevel
    from kraken_cli.models.orderbook import OrderBook as OrderBook
    from kraken_cli.models.orderbook import parse_book_side as parse_book_side
    from kraken_cli.models.ticker import Ticker as Ticker
    from kraken_cli.models.ticker import parse_ticker as parse_ticker

_SIDES = {"b": "buy", "s": "sell"}
_ORD_TYPES = {"m": "market", "l": "limit"}


@dataclass(frozen=True, slots=True)
class Trade:
    """One public trade; ``time`` is unix seconds, exact."""

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
            "price": exact(self.price),
            "volume": exact(self.volume),
            "side": self.side,
            "ord_type": self.ord_type,
        }


@dataclass(frozen=True, slots=True)
class FuturesTrade(Trade):
    """A Kraken Futures trade: millisecond times and the exchange's ``uid``."""

    uid: str | None = None

    def to_record(self) -> dict[str, Any]:
        """Return the SPEC trade record plus ``uid``; the time has millisecond precision."""
        record = Trade.to_record(self)
        record["time"] = iso_ms(int(self.time.scaleb(3)))
        record["uid"] = self.uid
        return record


def parse_trade_row(row: Sequence[Any], symbol: str) -> Trade:
    """Parse ``[price, volume, time, b|s, m|l, misc, trade_id, ...]`` (extra elements ignored)."""
    if not isinstance(row, list | tuple) or len(row) < 5:
        raise malformed_row("trade", row)
    side = _SIDES.get(str(row[3]))
    ord_type = _ORD_TYPES.get(str(row[4]))
    if side is None or ord_type is None:
        raise malformed_row("trade", row)
    trade_id = row[6] if len(row) > 6 else None
    if isinstance(trade_id, bool):
        raise malformed_row("trade", row)
    if trade_id is not None and not isinstance(trade_id, int):
        try:
            trade_id = int(trade_id)
        except (TypeError, ValueError) as exc:
            raise malformed_row("trade", row) from exc
    when = dec(row[2], "trade time")
    if when < 0:
        raise malformed_row("trade", row)
    return Trade(
        symbol=symbol,
        trade_id=trade_id,
        time=when,
        price=dec(row[0], "price"),
        volume=dec(row[1], "volume"),
        side=side,
        ord_type=ord_type,
        misc=str(row[5]) if len(row) > 5 else "",
    )


@dataclass(frozen=True, slots=True)
class Candle:
    """One OHLC candle; ``time`` is the interval's open, unix seconds (futures: no vwap/count)."""

    symbol: str
    time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vwap: Decimal | None
    volume: Decimal
    count: int | None

    def to_record(self) -> dict[str, Any]:
        """Return the SPEC candle record."""
        return {
            "symbol": self.symbol,
            "time": iso_from_unix(self.time),
            "open": exact(self.open),
            "high": exact(self.high),
            "low": exact(self.low),
            "close": exact(self.close),
            "vwap": exact(self.vwap),
            "volume": exact(self.volume),
            "count": self.count,
        }


#: ScaledCandle's number fields, in the order of its ``texts``.
_CANDLE_NUMBERS = {"open": 0, "high": 1, "low": 2, "close": 3, "vwap": 4, "volume": 5}


class ScaledCandle(Candle):
    """A candle built from trades, its numbers kept as exact text; Decimals made only if read.

    Rendering a long range of candles is mostly building numbers: the aggregator computes
    them as scaled integers and writes their text once, so a record costs no Decimal at all.
    Reading ``open`` (and the others) still gives the Decimal, equal to the text digit for digit,
    and a ScaledCandle equals the Candle with the same fields.
    """

    __slots__ = ("texts",)
    texts: tuple[str, str, str, str, str, str]  # open, high, low, close, vwap, volume

    @classmethod
    def of(
        cls, symbol: str, time: int, texts: tuple[str, str, str, str, str, str], count: int
    ) -> ScaledCandle:
        """Return the candle of ``texts`` (exact decimal text: open .. close, vwap, volume)."""
        # the dataclass is frozen: its slots are set through their descriptors (the fastest way;
        # this runs once per candle of a long history)
        self = _new(cls)
        _set_symbol(self, symbol)
        _set_time(self, time)
        _set_count(self, count)
        _set_texts(self, texts)
        return self

    def __getattr__(self, name: str) -> Decimal:
        # only reached for a number slot not set yet (Python tries the slot first)
        index = _CANDLE_NUMBERS.get(name)
        if index is None or name == "texts":
            raise AttributeError(name)
        value = Decimal(self.texts[index])
        object.__setattr__(self, name, value)
        return value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Candle):
            return NotImplemented
        return _candle_fields(self) == _candle_fields(other)

    __hash__ = Candle.__hash__

    def to_record(self) -> dict[str, Any]:
        """Return the SPEC candle record (the same as Candle's, without building Decimals)."""
        try:
            o, h, lo, c, vwap, volume = self.texts
        except AttributeError:  # made by dataclasses.replace: ordinary fields
            return Candle.to_record(self)
        return {
            "symbol": self.symbol,
            "time": iso_from_unix(self.time),
            "open": o,
            "high": h,
            "low": lo,
            "close": c,
            "vwap": vwap,
            "volume": volume,
            "count": self.count,
        }


_new = object.__new__
_set_symbol = Candle.__dict__["symbol"].__set__
_set_time = Candle.__dict__["time"].__set__
_set_count = Candle.__dict__["count"].__set__
_set_texts = ScaledCandle.__dict__["texts"].__set__


def _candle_fields(c: Candle) -> tuple[Any, ...]:
    return (c.symbol, c.time, c.open, c.high, c.low, c.close, c.vwap, c.volume, c.count)


def parse_ohlc_row(row: Sequence[Any], symbol: str) -> Candle:
    """Parse ``[time, open, high, low, close, vwap, volume, count]``."""
    if not isinstance(row, list | tuple) or len(row) < 8:
        raise malformed_row("OHLC", row)
    try:
        open_time, count = int(row[0]), int(row[7])
    except (TypeError, ValueError) as exc:
        raise malformed_row("OHLC", row) from exc
    if open_time < 0 or count < 0 or isinstance(row[0], bool):
        raise malformed_row("OHLC", row)
    o, h, lo, c, vwap, vol = (dec(v, "OHLC value") for v in row[1:7])
    return Candle(symbol, open_time, o, h, lo, c, vwap, vol, count)


_TICKER = ("Ticker", "parse_ticker")
_BOOK = ("BookLevel", "OrderBook", "parse_book_side")


def __getattr__(name: str) -> Any:
    """Import a ticker or book record from its own module on first use (PEP 562)."""
    if name in _TICKER:
        from kraken_cli.models import ticker

        return getattr(ticker, name)
    if name in _BOOK:
        from kraken_cli.models import orderbook

        return getattr(orderbook, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
