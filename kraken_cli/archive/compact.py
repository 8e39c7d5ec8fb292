"""``krx archive compact``: a day's parts merged into one file per channel, symbol and day.

Crash-safe at every step, and a reader never sees a row twice:

1. the merged rows go to a hidden ``.compacted-*.parquet.tmp`` (a crash leaves only that,
   which the next run deletes);
2. complete and fsynced, it is renamed to a hidden ``.ready`` name that lists its sources in
   its metadata (from here on the compaction is decided: recovery finishes it);
3. each source part is renamed to a hidden ``.replaced`` name, then the ``.ready`` file to its
   final visible name, then the ``.replaced`` parts are deleted.

Between 3's renames the day's rows are briefly invisible, never doubled. Parts are merged in
the order of their first row (trade id, book message, time), so the file is in archive order;
row groups are rebuilt at a size engines like, in the channel's current schema (a part written
before a column was added gets that column as nulls). Without ``--date`` only days before today
(UTC) are compacted: a running archive still adds parts to today.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kraken_cli.archive import layout
from kraken_cli.archive.schema import SCHEMAS, column_range, conform

#: Rows per row group of a compacted file (DuckDB and Spark read ~100k-1M row groups well).
ROW_GROUP_ROWS = 250_000
PREFIX = "compacted-"
READY = ".ready"
REPLACED = ".replaced"
SOURCES_KEY = b"krx.compacted_from"
#: The columns a channel's rows are ordered by, the first a part has values of (futures
#: trades have no ``trade_id``: their parts order by time).
ORDER = {
    "trades": ("trade_id", "time"),
    "book": ("message",),
    "ticker": ("time",),
    "candles": ("time",),
}


@dataclass(frozen=True)
class Compacted:
    """One symbol-day's outcome: how many parts became one file (0 when already compact)."""

    channel: str
    symbol: str
    date: str
    parts: int
    rows: int
    path: str


def day_dirs(root: Path, day: date | None) -> Iterator[Path]:
    """Yield the partition directories of ``day`` (None: every day before today, UTC)."""
    today = datetime.now(UTC).date()
    pattern = f"date={day.isoformat()}" if day else "date=*"
    base = root / f"exchange={layout.EXCHANGE}"
    for directory in sorted(base.glob(f"market=*/channel=*/symbol=*/{pattern}")):
        when = date.fromisoformat(directory.name.removeprefix("date="))
        if directory.is_dir() and (day is not None or when < today):
            yield directory


def compact_tree(root: Path, day: date | None) -> Iterator[dict[str, object]]:
    """Compact every symbol-day of ``day`` (None: every day before today); yield each outcome."""
    from dataclasses import asdict

    from kraken_cli.errors import UsageError

    if not root.is_dir():
        raise UsageError(f"no archive at {root}", hint="krx archive DIR SYMBOL... writes one")
    for directory in day_dirs(root, day):
        done = compact_dir(directory)
        if done is not None:
            yield asdict(done)


def compact_dir(directory: Path, *, tag: Callable[[], str] | None = None) -> Compacted | None:
    """Merge the visible parts of one symbol-day into one file; None when there is nothing."""
    recover(directory)
    channel = directory.parent.parent.name.removeprefix("channel=")
    symbol = directory.parent.name.removeprefix("symbol=")
    parts = sorted(layout.committed(directory, "*.parquet"))
    if not parts:
        return None
    if len(parts) == 1 and parts[0].name.startswith(PREFIX) and _current(parts[0], channel):
        rows = pq.ParquetFile(parts[0]).metadata.num_rows
        return Compacted(channel, symbol, directory.name[5:], 0, rows, str(parts[0]))
    final = directory / f"{PREFIX}{(tag or _tag)()}.parquet"
    rows = _merge(parts, layout.temporary(final), channel)
    ready = _ready_name(final)
    os.replace(layout.temporary(final), ready)
    layout.fsync_dir(directory)
    _finish(ready)
    return Compacted(channel, symbol, directory.name[5:], len(parts), rows, str(final))


def recover_tree(root: Path) -> int:
    """Finish or clean every interrupted compaction below ``root``; return how many."""
    found = {p.parent for p in root.glob(f"**/.{PREFIX}*")}
    for directory in found:
        recover(directory)
    return len(found)


def recover(directory: Path) -> None:
    """Finish a compaction that was decided (``.ready`` exists) or clean one that was not."""
    for ready in directory.glob(f".{PREFIX}*{READY}"):
        _finish(ready)
    for stale in directory.glob(f".*{REPLACED}"):
        stale.unlink(missing_ok=True)  # its rows are in the visible compacted file
    for tmp in directory.glob(f".{PREFIX}*{layout.TMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)


def _finish(ready: Path) -> None:
    directory = ready.parent
    meta = pq.ParquetFile(ready).schema_arrow.metadata or {}
    sources = json.loads(meta.get(SOURCES_KEY, b"[]"))
    hidden = []
    for name in sources:
        source = directory / name
        if source.exists():
            target = directory / f".{name}{REPLACED}"
            os.replace(source, target)
            hidden.append(target)
    layout.fsync_dir(directory)
    os.replace(ready, directory / ready.name[1 : -len(READY)])
    layout.fsync_dir(directory)
    for target in hidden:
        target.unlink(missing_ok=True)


def _ready_name(final: Path) -> Path:
    return final.with_name(f".{final.name}{READY}")


def _tag() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:10]}"


def _current(path: Path, channel: str) -> bool:
    """Whether a file already has the channel's current schema (else compaction rewrites it)."""
    schema = SCHEMAS.get(channel)
    return schema is None or pq.ParquetFile(path).schema_arrow.remove_metadata().equals(schema)


def _merge(parts: list[Path], tmp: Path, channel: str) -> int:
    """Write every row of ``parts`` (in archive order) to ``tmp``; fsync; return the rows."""
    order = ORDER.get(channel)
    if order is not None:
        parts = sorted(parts, key=lambda p: _first(p, order))
    files = [pq.ParquetFile(p) for p in parts]
    current = SCHEMAS.get(channel)
    schema = current if current is not None else files[0].schema_arrow.remove_metadata()
    names = json.dumps([p.name for p in parts]).encode()
    schema = schema.with_metadata({SOURCES_KEY: names})
    rows, buffer, buffered = 0, [], 0
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for file in files:
            for batch in file.iter_batches(batch_size=65_536):
                buffer.append(conform(batch, schema))
                buffered += batch.num_rows
                if buffered >= ROW_GROUP_ROWS:
                    rows += _write(writer, buffer, schema)
                    buffer, buffered = [], 0
        rows += _write(writer, buffer, schema)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    return rows


def _write(writer: pq.ParquetWriter, batches: list[pa.RecordBatch], schema: pa.Schema) -> int:
    if not batches:
        return 0
    table = pa.Table.from_batches(batches).replace_schema_metadata(schema.metadata)
    writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
    return int(table.num_rows)


def _first(path: Path, columns: tuple[str, ...]) -> tuple[int, Any]:
    """Order key of a part: its smallest value of the first of ``columns`` it has statistics
    of (files without statistics last)."""
    for rank, column in enumerate(columns):
        found = column_range(path, column)
        if found:
            return (rank, found[0])
    return (len(columns), 0)
