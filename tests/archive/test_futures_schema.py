"""One schema for every market: futures rows (``trade_uid``, ``seq``, no checksum) next to spot
rows, parts written before those columns read by ``krx query`` and rewritten by compaction,
futures resume points read back, futures books proven by ``seq`` continuity."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kraken_cli.archive import compact, layout
from kraken_cli.archive.books import book_rows, verify
from kraken_cli.archive.query import run_query
from kraken_cli.archive.schema import SCHEMAS
from kraken_cli.archive.sink import ArchiveSink
from kraken_cli.archive.writer import ArchiveWriter, last_trade_uids
from tests.archive.test_writer import trade

DAY = date(2026, 11, 29)


def futures_trade(n: int, ms: int, uid: str | None = None) -> dict[str, Any]:
    return {
        "channel": "trade",
        "symbol": "PF_XBTUSD",
        "trade_id": None,
        "trade_uid": uid or f"uid-{n}",
        "time": f"2026-11-29T10:00:{ms // 1000:02d}.{ms % 1000:03d}Z",
        "price": f"84000.{n}",
        "volume": "0.0010",
        "side": "buy",
        "ord_type": "market",
        "seq": 500 + n,
    }


def _old_part(root: Path) -> Path:
    """A spot trades part as written before ``trade_uid`` and ``seq`` existed."""
    old = pa.schema([f for f in SCHEMAS["trades"] if f.name not in ("trade_uid", "seq")])
    writer = ArchiveWriter(root, "spot")
    writer.write("trades", "BTC/USD", trade(1, day=29))
    writer.close()
    (path,) = layout.committed(root, "**/*.parquet")
    pq.write_table(pq.read_table(path).select(old.names).cast(old), path)
    return path


def test_futures_and_spot_trades_share_one_schema_and_old_parts_still_read(
    tmp_path: Path,
) -> None:
    _old_part(tmp_path)
    writer = ArchiveWriter(tmp_path, "futures")
    for n in range(3):
        writer.write("trades", "PF_XBTUSD", futures_trade(n, 1000 + n))
    writer.close()
    new = [p for p in layout.committed(tmp_path, "**/*.parquet") if "market=futures" in str(p)]
    assert pq.read_schema(new[0]).remove_metadata().equals(SCHEMAS["trades"])
    rows = list(run_query(tmp_path, "SELECT market, trade_id, trade_uid, seq FROM trades"))
    spot = [r for r in rows if r["market"] == "spot"]
    assert spot == [{"market": "spot", "trade_id": 1, "trade_uid": None, "seq": None}]
    futures = sorted((r["trade_uid"], r["seq"]) for r in rows if r["market"] == "futures")
    assert futures == [("uid-0", 500), ("uid-1", 501), ("uid-2", 502)]
    assert all(r["trade_id"] is None for r in rows if r["market"] == "futures")


def test_compact_writes_the_current_schema_over_old_parts(tmp_path: Path) -> None:
    _old_part(tmp_path)
    writer = ArchiveWriter(tmp_path, "spot")
    writer.write("trades", "BTC/USD", trade(2, day=29))
    writer.close()
    (done,) = compact.compact_tree(tmp_path, DAY)
    assert done["parts"] == 2
    merged = Path(str(done["path"]))
    assert pq.read_schema(merged).remove_metadata().equals(SCHEMAS["trades"])
    assert pq.read_table(merged).column("trade_id").to_pylist() == [1, 2]


def test_a_lone_old_compacted_file_is_rewritten_once(tmp_path: Path) -> None:
    path = _old_part(tmp_path)
    compacted = path.with_name("compacted-old.parquet")
    path.rename(compacted)
    (done,) = compact.compact_tree(tmp_path, DAY)
    assert done["parts"] == 1  # rewritten to the current schema
    assert [d["parts"] for d in compact.compact_tree(tmp_path, DAY)] == [0]


def test_futures_parts_compact_in_time_order(tmp_path: Path) -> None:
    for n in (5, 1, 3):  # parts written out of time order
        writer = ArchiveWriter(tmp_path, "futures")
        writer.write("trades", "PF_XBTUSD", futures_trade(n, 1000 * n))
        writer.close()
    (done,) = compact.compact_tree(tmp_path, DAY)
    uids = pq.read_table(Path(str(done["path"]))).column("trade_uid").to_pylist()
    assert uids == ["uid-1", "uid-3", "uid-5"]


def test_futures_resume_point_is_the_last_time_with_every_uid_at_it(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path, "futures", max_rows=2)
    for n, ms in enumerate((100, 200, 300, 300, 300)):
        writer.write("trades", "PF_XBTUSD", futures_trade(n, ms))
    writer.close()
    assert last_trade_uids(tmp_path, "futures", "PF_XBTUSD") == (
        "2026-11-29T10:00:00.300000Z",
        ("uid-2", "uid-3", "uid-4"),
    )
    sink = ArchiveSink(ArchiveWriter(tmp_path, "futures"), decimals={}, depth=None)
    assert sink.resume_points(["PF_XBTUSD"]) == {}  # no trade_id to resume from
    assert sink.resume_uids(["PF_XBTUSD"])["PF_XBTUSD"][1] == ("uid-2", "uid-3", "uid-4")
    assert last_trade_uids(tmp_path, "futures", "PF_ETHUSD") is None


def _book(kind: str, seq: int, bids: list[list[str]], asks: list[list[str]]) -> dict[str, Any]:
    return {"time": "2026-11-29T10:00:00.000Z", "type": kind, "bids": bids, "asks": asks,
            "checksum": None, "seq": seq}  # fmt: skip


def test_a_futures_book_is_proven_by_seq_continuity() -> None:
    messages = [
        _book("snapshot", 10, [["100.0", "1"], ["99.5", "2"]], [["101.0", "1"]]),
        _book("update", 11, [["100.0", "0.0"]], []),
        _book("update", 12, [], [["101.5", "3"]]),
    ]
    rows = [
        row
        for n, msg in enumerate(messages)
        for row in book_rows(msg, n, depth=None, price_decimals=None, lot_decimals=None)
    ]
    assert all(r["seq"] is not None and r["checksum"] is None for r in rows)
    assert verify(rows).ok
    broken = [r for r in rows if r["message"] != 1]  # seq 11 lost
    assert verify(broken).mismatches == (2,)
    resnapshot = [*broken, *book_rows(_book("snapshot", 20, [["1", "1"]], []), 3, depth=None,
                                      price_decimals=None, lot_decimals=None)]  # fmt: skip
    assert verify(resnapshot).mismatches == (2,)  # a snapshot starts the count again
