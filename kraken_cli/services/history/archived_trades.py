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

Which archive: ``KRX_ARCHIVE``, else the default archive directory, the latter only for
Kraken itself (a sandbox's tape is not Kraken's).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from kraken_cli.services.history.aggregate import NS, Precision, aggregate, period_end

if TYPE_CHECKING:
    from kraken_cli.models.intervals import Interval
    from kraken_cli.models.market import Candle
    from kraken_cli.models.symbols import Pair

KRAKEN_REST = "https://api.kraken.com"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def archive_for(rest_url: str, market: str = "spot") -> ArchivedTrades | None:
    """Return the archive ``krx candles`` may read for this server, or None."""
    from kraken_cli.archive.layout import default_root

    named = os.environ.get("KRX_ARCHIVE")
    if named:
        root = Path(named)
    elif rest_url.rstrip("/") == KRAKEN_REST:
        root = default_root()
    else:
        return None
    if not (root / "exchange=kraken" / f"market={market}" / "channel=trades").is_dir():
        return None
    return ArchivedTrades(root, market)


class ArchivedTrades:
    """The archived trades of one market, read from the Parquet files."""

    def __init__(self, root: Path, market: str = "spot") -> None:
        self.root = root
        self.market = market

    def _files(self, symbol: str) -> list[Path]:
        from kraken_cli.archive import layout

        base = (
            self.root / "exchange=kraken" / f"market={self.market}" / "channel=trades"
            / f"symbol={layout.symbol_key(symbol)}"
        )  # fmt: skip
        return sorted(layout.committed(base, "*/*.parquet"))

    def span(self, symbol: str) -> tuple[int, int] | None:
        """Return the ns times of the first and last archived trades (from statistics)."""
        import pyarrow.parquet as pq

        low: datetime | None = None
        high: datetime | None = None
        for path in self._files(symbol):
            meta = pq.ParquetFile(path).metadata
            column = meta.schema.names.index("time")
            for group in range(meta.num_row_groups):
                stats = meta.row_group(group).column(column).statistics
                if stats is None or not stats.has_min_max:
                    return None  # a file that cannot prove its range: trust nothing
                low = stats.min if low is None else min(low, stats.min)
                high = stats.max if high is None else max(high, stats.max)
        if low is None or high is None:
            return None
        return _ns(low), _ns(high)

    def trades(self, symbol: str, start_ns: int, end_ns: int) -> Iterator[tuple[int, str, str]]:
        """Yield ``(time_ns, price, volume)`` with ``start <= time < end``, in trade order."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.dataset as ds

        files = self._files(symbol)
        if not files:
            return
        start = pa.scalar(start_ns // 1000, pa.timestamp("us", tz="UTC"))
        end = pa.scalar(end_ns // 1000, pa.timestamp("us", tz="UTC"))
        table = (
            ds.dataset([str(f) for f in files], format="parquet")
            .to_table(
                columns=["trade_id", "time", "price", "volume"],
                filter=(ds.field("time") >= start) & (ds.field("time") < end),
            )
            .sort_by("trade_id")
        )
        micros = pc.cast(table.column("time"), pa.int64()).to_pylist()
        # Arrow's decimal-to-string uses exponents (4.3E-7); the aggregator wants plain text
        prices = table.column("price").to_pylist()
        volumes = table.column("volume").to_pylist()
        for us, price, volume in zip(micros, prices, volumes, strict=True):
            yield us * 1000, format(price, "f"), format(volume, "f")


def archived_candles(
    archive: ArchivedTrades,
    pair: Pair,
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
    """
    period = interval.seconds
    if period <= 0 or period % 60:
        return None  # calendar months and odd periods: the usual way
    span = archive.span(pair.symbol)
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
    precision = Precision(pair.pair_decimals, pair.lot_decimals)
    trades = archive.trades(pair.symbol, since_ts * NS, end * NS)
    candles = aggregate(trades, [period], precision, symbol=pair.symbol)
    return [c for _, c in candles if since_ts <= c.time < until_ts]


def _ns(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (aware - EPOCH) // timedelta(microseconds=1) * 1000
