"""A real Kraken book (1 snapshot + 40 updates, live 2026) archived and rebuilt: every checksum."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds

from kraken_cli.archive.books import book_rows, verify
from kraken_cli.archive.writer import ArchiveWriter

SAMPLE = Path(__file__).parents[1] / "fixtures" / "samples" / "ws-v2-book-sequence-raw-2026.json"


def _records() -> list[dict[str, object]]:
    records = []
    for message in json.loads(SAMPLE.read_text(), parse_float=str):
        (data,) = message["data"]
        records.append(
            {
                "type": message["type"],
                "time": data.get("timestamp", "2026-07-19T17:54:39Z"),
                "bids": [[lv["price"], lv["qty"]] for lv in data["bids"]],
                "asks": [[lv["price"], lv["qty"]] for lv in data["asks"]],
                "checksum": data["checksum"],
            }
        )
    return records


def _rows() -> list[dict[str, object]]:
    return [
        row
        for n, record in enumerate(_records())
        for row in book_rows(record, n, depth=10, price_decimals=1, lot_decimals=8)
    ]


def test_an_archived_real_book_rebuilds_and_passes_all_41_checksums(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path, "spot", row_group_rows=64)
    for row in _rows():
        writer.write("book", "BTC/USD", row)
    writer.close()
    table = ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table()
    rows = sorted(table.to_pylist(), key=lambda r: r["message"])
    verdict = verify(rows)
    assert verdict.messages == 41 and verdict.ok, verdict.mismatches


def test_a_changed_level_is_caught(tmp_path: Path) -> None:
    rows = _rows()
    rows[15] = {**rows[15], "volume": "0.5"}
    verdict = verify(rows)
    assert not verdict.ok and verdict.mismatches[0] == rows[15]["message"]
