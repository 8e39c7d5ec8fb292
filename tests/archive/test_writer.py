"""The archive writer: exact round trip, Hive layout that DuckDB and pyarrow read, rolling,
bounded buffers, the resume point, and kill -9 at any moment leaving only whole files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from kraken_cli.archive import layout
from kraken_cli.archive.query import run_query
from kraken_cli.archive.writer import ArchiveWriter, last_trade_id
from kraken_cli.errors import UsageError

REPO = Path(__file__).resolve().parents[2]


def trade(n: int, day: int = 30) -> dict[str, object]:
    return {
        "trade_id": n,
        "time": f"2026-11-{day:02d}T12:00:{n % 60:02d}.123456Z",
        "price": f"64369.{n % 10}0000",
        "volume": "0.00000001" if n % 2 else "1234567890.12345678",
        "side": "buy" if n % 2 else "sell",
        "ord_type": "limit",
    }


def test_rows_round_trip_exactly_through_duckdb_and_pyarrow(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path, "spot", row_group_rows=3)
    for n in range(1, 11):
        writer.write("trades", "BTC/USD", trade(n))
    writer.write("trades", "ETH/USD", trade(1))
    writer.close()
    files = sorted(layout.committed(tmp_path))
    assert [f.parent.relative_to(tmp_path).as_posix() for f in files] == [
        "exchange=kraken/market=spot/channel=trades/symbol=BTC-USD/date=2026-11-30",
        "exchange=kraken/market=spot/channel=trades/symbol=ETH-USD/date=2026-11-30",
    ]
    rows = list(
        run_query(tmp_path, "SELECT * FROM trades WHERE symbol = 'BTC/USD' ORDER BY trade_id")
    )
    assert [r["trade_id"] for r in rows] == list(range(1, 11))
    assert rows[1]["volume"] == Decimal("1234567890.12345678")
    assert rows[0]["volume"] == Decimal("0.00000001") and rows[0]["date"] == "2026-11-30"
    assert rows[0]["time"].isoformat() == "2026-11-30T12:00:01.123456+00:00"
    (total,) = run_query(tmp_path, "SELECT sum(volume) AS v FROM trades")
    assert total["v"] == 5 * Decimal("1234567890.12345678") + 6 * Decimal("0.00000001")
    dataset = ds.dataset(tmp_path, format="parquet", partitioning="hive")
    assert dataset.count_rows() == 11
    assert str(dataset.schema.field("price").type) == "decimal128(38, 18)"


def test_parts_roll_by_time_day_and_rows(tmp_path: Path) -> None:
    now = [1_796_040_000.0]
    committed: list[tuple[Path, int]] = []
    writer = ArchiveWriter(
        tmp_path,
        "spot",
        roll_s=60,
        max_rows=4,
        clock=lambda: now[0],
        on_commit=lambda path, rows: committed.append((path, rows)),
    )
    for n in range(1, 6):  # the fifth row opens a second part (max_rows=4)
        writer.write("trades", "BTC/USD", trade(n))
    assert [rows for _, rows in committed] == [4]
    writer.write("trades", "BTC/USD", trade(6, day=29))  # another day: its own part
    now[0] += 61
    writer.roll_due()
    assert sorted(rows for _, rows in committed) == [1, 1, 4]
    assert writer.buffered_rows() == {}
    assert last_trade_id(tmp_path, "spot", "BTC/USD") == 6


def test_buffers_stay_bounded_by_the_row_group(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path, "spot", row_group_rows=100)
    for n in range(1, 1001):
        writer.write("trades", "BTC/USD", trade(n))
        assert max(writer.buffered_rows().values()) < 100
    writer.close()
    (part,) = layout.committed(tmp_path)
    assert pq.ParquetFile(part).metadata.num_row_groups == 10


def test_memory_and_open_files_stay_bounded_across_many_pairs(tmp_path: Path) -> None:
    writer = ArchiveWriter(
        tmp_path, "spot", row_group_rows=50, max_buffered_rows=400, max_open_files=8
    )
    symbols = [f"S{i:04d}/USD" for i in range(60)]
    for n in range(1, 3001):
        writer.write("trades", symbols[n % 60], trade(n))
        buffered = writer.buffered_rows()
        assert max(buffered.values()) < 50 and sum(buffered.values()) <= 400
        assert writer.open_files <= 8
    writer.close()
    rows = list(run_query(tmp_path, "SELECT trade_id FROM trades"))
    assert sorted(r["trade_id"] for r in rows) == list(range(1, 3001))  # nothing lost


def test_no_archive_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        list(run_query(tmp_path / "nothing", "SELECT 1"))
    ArchiveWriter(tmp_path, "spot").close()
    with pytest.raises(UsageError, match="query failed"):
        list(run_query(tmp_path, "SELECT * FROM trades"))


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from kraken_cli.archive.writer import ArchiveWriter
    writer = ArchiveWriter(Path(sys.argv[1]), "spot", roll_s=0.02, row_group_rows=500,
                           on_commit=lambda path, rows: print(rows, flush=True))
    n = 0
    while True:
        n += 1
        writer.write("trades", "BTC/USD", {"trade_id": n, "time": "2026-11-30T12:00:00Z",
            "price": "64369.1", "volume": "0.5", "side": "buy", "ord_type": "limit"})
        if n % 997 == 0:
            writer.roll_due()
    """
)


@pytest.mark.parametrize("after_commits", [1, 3, 7])
def test_kill_9_leaves_only_whole_files_and_the_next_run_cleans_up(
    tmp_path: Path, after_commits: int
) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    for _ in range(after_commits):  # one line per committed part
        process.stdout.readline()
    time.sleep(0.003 * after_commits)  # kill mid-write of the next part, at varying points
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    ids: list[int] = []
    for part in layout.committed(tmp_path):
        ids += pq.read_table(part).column("trade_id").to_pylist()  # every visible file reads
    assert ids and sorted(ids) == list(range(1, len(ids) + 1))  # a prefix: no hole, no double
    assert last_trade_id(tmp_path, "spot", "BTC/USD") == len(ids)
    ArchiveWriter(tmp_path, "spot").close()  # the next run removes the dead run's temporary
    assert not list(tmp_path.glob(f"**/.*{layout.TMP_SUFFIX}"))
