"""The Parquet archive (``krx archive``) as the trade source of ``krx candles``.

One store of trades, not two that disagree: the archive's trades are not copied into the
history store; candles over a range the archive covers are aggregated from its files, the same
aggregation the history store uses, and no Kraken call is made. Anything the archive does not
cover wholly goes the usual way (OHLC window, history store, REST).

What the archive covers, per symbol: it holds every trade from its first to its last archived
``trade_id`` (the stream is gapless and a restart backfills from the last committed trade), so
a candle ``[a, a + p)`` is complete when ``first < a`` and ``a + p <= last`` (times of the
first and last archived trades; trades share timestamps, so the first trade's own instant is
not proof). Both come from the files' statistics, no data read.

The archive is a front end's files: the reader (``kraken_cli.archive.trades``) is handed in
by the front end, as a :class:`TradeArchive`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

from kraken_cli.services.history.aggregate import NS, Precision, aggregate, period_end

if TYPE_CHECKING:
    from kraken_cli.models.intervals import Interval
    from kraken_cli.models.market import Candle


class TradeArchive(Protocol):
    """The archived trades of one market (``kraken_cli.archive.trades.ArchivedTrades``)."""

    def span(self, symbol: str) -> tuple[int, int] | None:
        """Return the ns times of the first and last archived trades."""

    def trades(self, symbol: str, start_ns: int, end_ns: int) -> Iterator[tuple[int, str, str]]:
        """Yield ``(time_ns, price, volume)`` with ``start <= time < end``, in trade order."""


#: ``lookup(rest_url, market)``: the archive to read for that server, or None.
ArchiveLookup = Callable[[str, str], TradeArchive | None]


def archived_candles(
    archive: TradeArchive,
    symbol: str,
    precision: Precision,
    interval: Interval,
    since_ts: int,
    until_ts: int | None,
    *,
    now: int,
    partial: bool,
) -> list[Candle] | None:
    """Return the candles opening in ``[since, until)`` if the archive covers them all, else None.

    ``since_ts`` is a candle's open time. Without ``until`` the range runs up to the forming
    candle, which the archive cannot prove complete: ``partial`` then goes the usual way.
    Numbers are rendered at ``precision`` (a spot pair's decimals; futures: as the trades carry).
    """
    period = interval.seconds
    if period <= 0 or period % 60:
        return None  # calendar months and odd periods: the usual way
    span = archive.span(symbol)
    if span is None:
        return None
    if until_ts is None:
        if partial:
            return None
        until_ts = interval.open_time(now)
    if until_ts <= since_ts:
        return []
    # trades of every candle opening in [since, until): up to the close of the last one
    end = period_end(interval.open_time(until_ts - 1), period)
    first_ns, last_ns = span
    if not (first_ns < since_ts * NS and end * NS <= last_ns):
        return None
    trades = archive.trades(symbol, since_ts * NS, end * NS)
    candles = aggregate(trades, [period], precision, symbol=symbol)
    return [c for _, c in candles if since_ts <= c.time < until_ts]
