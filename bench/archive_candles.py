"""`krx candles --market futures` from a day of archived futures trades, Kraken unreachable.

(a) The whole command, as a user runs it: ``krx candles PF_XBTUSD 1h --market futures --since
    DAY --until DAY+1 --format json`` with ``KRX_ARCHIVE`` set and the futures URL pointing at a
    closed port (any Kraken call would fail the run): wall and CPU ms, medians.
(b) In process, CPU: the futures market service's ``candles`` (archive read, the history
    store's exact aggregation, the charts record) against a plain pyarrow floor over the same
    files: read, sort by time, group by hour (first/last by row, min, max, Σ volume, count).

The archive is made here: ``--trades`` futures fills (default 100,000) spread over one UTC day
and a little past it, written by krx's archive writer.

Run: ``python bench/archive_candles.py [--trades N] [--runs R]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._util import Result, krx_command, print_table, report, time_processes  # noqa: E402

DAY = datetime(2026, 11, 28, tzinfo=UTC)
SYMBOL = "PF_XBTUSD"
CLOSED = "http://127.0.0.1:9"  # discard port: nothing listens


def write_day(root: Path, count: int) -> None:
    """Archive ``count`` futures fills from 30 s before DAY to ~2 % past its end."""
    from kraken_cli.archive.writer import ArchiveWriter

    step_us = 86_400_000_000 * 1.02 / count
    writer = ArchiveWriter(root, "futures")
    for n in range(count):
        moment = DAY - timedelta(seconds=30) + timedelta(microseconds=int(n * step_us))
        writer.write("trades", SYMBOL, {
            "trade_id": None, "trade_uid": f"uid-{n}", "seq": n,
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "price": f"{84000 + (n * 37) % 900}" + (".5" if n % 3 == 0 else ""),
            "volume": f"0.{(n % 997) + 1:04d}", "side": "buy", "ord_type": "fill",
        })  # fmt: skip
    writer.close()


def krx_candles(root: Path) -> int:
    """Run the futures service's candles for DAY with a failing transport; return the count."""
    import httpx

    from kraken_cli.archive.trades import ArchivedTrades
    from kraken_cli.client.futures_rest import FuturesRest
    from kraken_cli.services.market.futures import FuturesMarketData
    from kraken_cli.services.market.request import Window

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline", request=request)

    client = FuturesRest(CLOSED, transport=httpx.MockTransport(refuse))
    service = FuturesMarketData(client, trade_archive=ArchivedTrades(root, "futures"))
    window = Window(DAY, DAY + timedelta(days=1))
    return len(list(service.candles(SYMBOL, "1h", window)))


def floor_candles(root: Path) -> int:
    """Hourly candles of DAY by plain pyarrow over the same files; return the count."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    files = [str(p) for p in root.rglob("*.parquet")]
    lo = pa.scalar(int(DAY.timestamp() * 1e6), pa.timestamp("us", tz="UTC"))
    hi = pa.scalar(int((DAY + timedelta(days=1)).timestamp() * 1e6), pa.timestamp("us", tz="UTC"))
    table = (
        ds.dataset(files, format="parquet")
        .to_table(
            columns=["time", "price", "volume"],
            filter=(ds.field("time") >= lo) & (ds.field("time") < hi),
        )
        .sort_by("time")
    )
    hour = pc.divide(pc.cast(table.column("time"), pa.int64()), 3_600_000_000)
    table = table.append_column("hour", hour)
    table = table.append_column("row", pa.array(range(table.num_rows), pa.int64()))
    aggs = [("row", "min"), ("row", "max"), ("price", "min"), ("price", "max")]
    grouped = table.group_by("hour", use_threads=False).aggregate(
        [*aggs, ("volume", "sum"), ("price", "count")]
    )
    grouped = grouped.append_column("open", table.column("price").take(grouped["row_min"]))
    grouped = grouped.append_column("close", table.column("price").take(grouped["row_max"]))
    rows: list[dict[str, Any]] = grouped.to_pylist()  # Python records, as krx yields
    return len(rows)


def cpu_ms(run: Callable[[], int], runs: int) -> tuple[float, int]:
    """Return the median CPU ms of ``run`` over ``runs`` calls (after a warm-up), and its result."""
    got = run()
    times = []
    for _ in range(runs):
        start = time.process_time()
        run()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times), got


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "archive"
        write_day(root, args.trades)
        since, until = DAY.isoformat()[:-6] + "Z", (DAY + timedelta(days=1)).isoformat()[:-6] + "Z"
        argv = [*krx_command(), "candles", SYMBOL, "1h", "--market", "futures",
                "--since", since, "--until", until, "--format", "json"]  # fmt: skip
        env = {"KRX_ARCHIVE": str(root), "KRX_FUTURES_URL": CLOSED}
        wall, cpu = time_processes({"krx": argv}, runs=args.runs, warmup=1, env=env)["krx"]
        krx, krx_count = cpu_ms(lambda: krx_candles(root), args.runs)
        floor, floor_count = cpu_ms(lambda: floor_candles(root), args.runs)
    assert krx_count == floor_count == 24, (krx_count, floor_count)
    print_table(
        f"krx candles --market futures, one day of {args.trades:,} archived trades, offline",
        ["figure", "krx", "floor", "ratio"],
        [
            ["whole command, wall ms (median)", f"{statistics.median(wall):,.0f}", "", ""],
            ["whole command, CPU ms (median)", f"{statistics.median(cpu):,.0f}", "", ""],
            [
                "in process, CPU ms: service vs plain pyarrow",
                f"{krx:,.0f}",
                f"{floor:,.0f}",
                f"{krx / floor:.2f}x",
            ],
        ],
    )
    return 0 if report([Result("archived futures candles (CPU)", krx, floor, "ms", 8.0)]) else 1


if __name__ == "__main__":
    sys.exit(main())
