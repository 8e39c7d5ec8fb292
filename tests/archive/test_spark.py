"""Spark (local mode) reads the archive unchanged: the path to a cluster.

``spark.read.parquet(DIR)`` discovers the Hive partitions and reads the exact decimal columns.
Slow (a JVM starts): marked slow, run in CI.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from kraken_cli.archive.writer import ArchiveWriter

pytestmark = pytest.mark.slow
pyspark = pytest.importorskip("pyspark")


@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a JVM")
def test_spark_reads_the_archive_with_partitions_and_exact_decimals(tmp_path: Path) -> None:
    from pyspark.sql import SparkSession

    writer = ArchiveWriter(tmp_path, "spot")
    for n in range(1, 101):
        writer.write(
            "trades",
            "BTC/USD" if n % 2 else "ETH/USD",
            {
                "trade_id": n,
                "time": f"2026-11-{29 + n % 2}T12:00:00Z",
                "price": "64369.10000",
                "volume": "0.00000001",
                "side": "buy",
                "ord_type": "limit",
            },
        )
    writer.close()
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("krx-archive-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    try:
        frame = spark.read.parquet(str(tmp_path))
        assert {"exchange", "market", "channel", "symbol", "date"} <= set(frame.columns)
        assert dict(frame.dtypes)["price"] == "decimal(38,18)"
        rows = frame.groupBy("symbol").agg({"volume": "sum", "trade_id": "count"}).collect()
        totals = {r["symbol"]: (r["sum(volume)"], r["count(trade_id)"]) for r in rows}
        assert totals == {
            "BTC-USD": (Decimal("0.00000050"), 50),
            "ETH-USD": (Decimal("0.00000050"), 50),
        }
    finally:
        spark.stop()
