"""The archive's trades read back: ``krx candles`` aggregates them where the archive covers a
range (``services/history/archived_trades.py`` decides; this module knows the files).

Which archive: ``KRX_ARCHIVE``, else the default archive directory, the latter only for
Kraken itself (a sandbox's tape is not Kraken's). Nothing heavy (pyarrow) is imported until
an archive exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from kraken_cli.archive import layout

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NS = 1_000_000_000
#: Trades turned into Python objects at a time (memory stays bounded on long ranges).
BATCH = 65_536


def archive_for(rest_url: str, market: str = "spot") -> ArchivedTrades | None:
    """Return the archive ``krx candles`` may read for this server, or None."""
    root = layout.trades_archive_root(rest_url, market)
    return None if root is None else ArchivedTrades(root, market)


class ArchivedTrades:
    """The archived trades of one market, read from the Parquet files."""

    def __init__(self, root: Path, market: str = "spot") -> None:
        self.root = root
        self.market = market
        # spot: Kraken's per-pair trade_id. Futures trades have none (null): by time, and the
        # stable sort keeps the written (feed) order of fills sharing a millisecond
        self._order = "time" if market == "futures" else "trade_id"

    def _files(self, symbol: str) -> list[Path]:
        base = (
            self.root / "exchange=kraken" / f"market={self.market}" / "channel=trades"
            / f"symbol={layout.symbol_key(symbol)}"
        )  # fmt: skip
        return sorted(layout.committed(base, "*/*.parquet"))

    def span(self, symbol: str) -> tuple[int, int] | None:
        """Return the ns times of the first and last archived trades (from statistics)."""
        from kraken_cli.archive.schema import column_range  # pyarrow: only with an archive

        ranges = [column_range(path, "time") for path in self._files(symbol)]
        if not ranges or any(r is None for r in ranges):
            return None  # nothing archived, or a file that cannot prove its range
        return _ns(min(r[0] for r in ranges if r)), _ns(max(r[1] for r in ranges if r))

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
        table = ds.dataset([str(f) for f in files], format="parquet").to_table(
            columns=["trade_id", "time", "price", "volume"],
            filter=(ds.field("time") >= start) & (ds.field("time") < end),
        )
        if not _ascending(table.column(self._order)):  # files in name order usually are
            table = table.sort_by(self._order)
        for start_row in range(0, table.num_rows, BATCH):  # Python objects of one batch at a time
            batch = table.slice(start_row, BATCH)
            nanos = pc.multiply(pc.cast(batch.column("time"), pa.int64()), 1000).to_pylist()
            prices, volumes = _plain(batch.column("price")), _plain(batch.column("volume"))
            yield from zip(nanos, prices, volumes, strict=True)


def _ascending(column: Any) -> bool:
    """Whether a column never goes down (a stable sort would leave it as it is)."""
    import pyarrow.compute as pc

    if len(column) < 2 or column.null_count:
        return len(column) < 2
    steps = pc.greater_equal(column.slice(1), column.slice(0, len(column) - 1))
    return bool(pc.all(steps).as_py())


def _plain(column: Any) -> list[str]:
    """Return an Arrow decimal column as plain decimal text, in C but for tiny values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pc.cast(column, pa.string())
    out: list[str] = texts.to_pylist()
    # Arrow writes exponents below 1e-6 (4.3E-7, 0E-18); the aggregator wants plain text
    if pc.any(pc.match_substring(texts, "E")).as_py():
        out = [format(Decimal(t), "f") if "E" in t else t for t in out]
    return out


def _ns(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (aware - EPOCH) // timedelta(microseconds=1) * 1000
