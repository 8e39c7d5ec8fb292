"""Which source serves each stretch of a candle request: trades or the archive's OHLCVT rows.

Fidelity order (higher wins where both cover a candle): candles built from trades (every trade,
exact vwap) > Kraken's OHLC endpoint (its 720-candle window, the seam rule in ``candles.py``) >
the archive's OHLCVT rows (no vwap). So archive candles serve the stretches that trades do not
cover whole, and only where the archive has that interval; every other stretch is built from
trades, downloading what the store lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Final

from kraken_cli.models.intervals import MONTH
from kraken_cli.services.history.aggregate import NS, Precision, aggregate
from kraken_cli.services.history.archive_store import Range, candle_source, subtract
from kraken_cli.services.history.store import TradeStore

if TYPE_CHECKING:
    from kraken_cli.models.market import Candle
    from kraken_cli.models.symbols import Pair

TRADES: Final = "trades"
ARCHIVE: Final = "archive"


@dataclass(frozen=True)
class Segment:
    """Candles opening in ``[start, end)`` (unix seconds) come from ``source``."""

    start: int
    end: int
    source: str


def plan_segments(store: TradeStore, name: str, period: int, start: int, end: int) -> list[Segment]:
    """Split period-aligned ``[start, end)`` into runs served by trades or archive candles."""
    if period == MONTH or period % 60 or start >= end:
        return [Segment(start, end, TRADES)] if start < end else []
    pid = store.archive.pid(name)
    archive = store.archive.ranges(pid, candle_source(period // 60))
    if not archive:
        return [Segment(start, end, TRADES)]
    whole = [(a, b) for a, b in (_whole_periods(lo, hi, period) for lo, hi in store.covered(name))]
    use = subtract(_clip(archive, start, end), [(a, b) for a, b in whole if a < b])
    segments: list[Segment] = []
    cursor = start
    for a, b in use:
        if a > cursor:
            segments.append(Segment(cursor, a, TRADES))
        segments.append(Segment(a, b, ARCHIVE))
        cursor = b
    if cursor < end:
        segments.append(Segment(cursor, end, TRADES))
    return segments


def archive_candles(
    store: TradeStore, name: str, pair: Pair, seg: Segment, period: int
) -> Iterator[Candle]:
    """Yield the archive's OHLCVT rows of ``seg`` as candles (vwap unknown: None)."""
    from kraken_cli.models.market import Candle

    pid = store.archive.pid(name)
    for t, o, h, lo, c, v, n in store.archive.candles(pid, period // 60, seg.start, seg.end):
        yield Candle(
            pair.symbol, t, Decimal(o), Decimal(h), Decimal(lo), Decimal(c), None, Decimal(v), n
        )


def stored_candles(
    store: TradeStore,
    name: str,
    pair: Pair,
    period: int,
    start: int,
    end: int,
    sync: Callable[[int, int], object],
) -> Iterator[Candle]:
    """Yield candles in ``[start, end)``: archive rows where they serve, else from trades.

    ``sync(start_s, end_s)`` makes the store hold the trades of a trades stretch (downloads).
    """

    prec = Precision(pair.pair_decimals, pair.lot_decimals)
    for seg in plan_segments(store, name, period, start, end):
        if seg.source == ARCHIVE:
            yield from archive_candles(store, name, pair, seg, period)
            continue
        sync(seg.start, seg.end)
        candles = trade_candles(store, name, [period], seg.start, seg.end, prec, pair.symbol)
        yield from map(itemgetter(1), candles)  # (period, candle) -> candle


def _whole_periods(lo_ns: int, hi_ns: int, period: int) -> Range:
    """Return the periods wholly inside trade coverage ``(lo, hi]`` ns, as seconds."""
    step = period * NS
    return -(-(lo_ns + 1) // step) * period, (hi_ns + 1) // step * period


def _clip(ranges: list[Range], start: int, end: int) -> list[Range]:
    return [(max(a, start), min(b, end)) for a, b in ranges if a < end and b > start]


def trade_candles(
    store: TradeStore,
    pair: str,
    periods: Sequence[int],
    start_s: int,
    end_s: int,
    precision: Precision | None = None,
    symbol: str = "",
) -> Iterator[tuple[int, Candle]]:
    """Yield ``(period, candle)`` built from the stored trades with ``start <= t < end``."""
    trades = store.iter_trades(pair, start_s * NS, end_s * NS)
    return aggregate(trades, periods, precision or Precision(), symbol=symbol)
