"""Crash-safe Parquet writers: one open part per channel, symbol and day; roll by time and rows.

Rows are buffered per part up to one row group, appended to the part's hidden temporary file,
and the part is renamed to its final name when it rolls (its period ends, it reaches
``max_rows``, the day changes) or the archive closes.

Memory is bounded whatever the number of pairs or the speed of the disk: each part buffers at
most ``row_group_rows`` rows, all parts together at most ``max_buffered_rows`` (past it the
largest buffers are written out early), and at most ``max_open_files`` parts hold an open file
(past it the least recently written part is committed early). There is no queue between the
socket and the file: a slow disk slows ``write``, which slows the reading of the socket.
Small row groups written early are merged into large ones by ``krx archive compact``.

``kill -9`` at any moment leaves only complete visible files; the temporary part of the run that
died is removed by the next run, which resumes trades from the last committed ``trade_id``
(REST backfill fills the gap).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from kraken_cli.archive import layout
from kraken_cli.archive.schema import SCHEMAS, column_range, parse_time, table

ROLL_S = 3600.0
MAX_ROWS = 5_000_000
ROW_GROUP_ROWS = 20_000
#: ~100 MB of row dicts at most, however many pairs are archived.
MAX_BUFFERED_ROWS = 150_000
MAX_OPEN_FILES = 256


@lru_cache(maxsize=64)
def _utc_day(text: str) -> date:
    return date.fromisoformat(text)


def day_of(moment: Any) -> date:
    """Return the UTC day of a row's time (RFC3339 ``...Z`` text read without a full parse)."""
    if type(moment) is str and moment.endswith("Z"):
        return _utc_day(moment[:10])
    return parse_time(moment).date()


class PartWriter:
    """One part being written: a hidden file that becomes visible only when committed."""

    def __init__(self, directory: Path, channel: str, opened: datetime):
        self.channel = channel
        self.opened = opened
        self.final = directory / layout.part_name(opened)
        self.tmp = layout.temporary(self.final)
        self.rows = 0
        self._buffer: list[Mapping[str, Any]] = []
        self._file: pq.ParquetWriter | None = None

    def add(self, row: Mapping[str, Any]) -> None:
        """Buffer one row (the archive writer decides when the buffer is written)."""
        self._buffer.append(row)
        self.rows += 1

    def flush(self) -> None:
        """Append the buffered rows to the temporary file as one row group."""
        if not self._buffer:
            return
        if self._file is None:
            self.tmp.parent.mkdir(parents=True, exist_ok=True)
            self._file = pq.ParquetWriter(self.tmp, SCHEMAS[self.channel], compression="zstd")
        self._file.write_table(table(self.channel, self._buffer))
        self._buffer.clear()

    def commit(self) -> Path | None:
        """Finish the file and make it visible (write, fsync, rename, fsync the directory)."""
        self.flush()
        if self._file is None:
            return None
        self._file.close()
        self._file = None
        with open(self.tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.tmp, self.final)
        layout.fsync_dir(self.final.parent)
        return self.final

    @property
    def buffered(self) -> int:
        """Rows held in memory (not yet in the file)."""
        return len(self._buffer)


@dataclass
class ArchiveWriter:
    """Route rows to parts by channel, symbol and day; roll parts; commit on close."""

    root: Path
    market: str
    roll_s: float = ROLL_S
    max_rows: int = MAX_ROWS
    row_group_rows: int = ROW_GROUP_ROWS
    max_buffered_rows: int = MAX_BUFFERED_ROWS
    max_open_files: int = MAX_OPEN_FILES
    clock: Callable[[], float] = time.time
    on_commit: Callable[[Path, int], None] | None = None
    _parts: dict[tuple[str, str], PartWriter] = field(default_factory=dict)
    _days: dict[tuple[str, str], date] = field(default_factory=dict)
    #: rows in every part's buffer, and the parts with an open file (least recent first)
    _buffered: int = 0
    _open: dict[tuple[str, str], None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from kraken_cli.archive.compact import recover_tree

        recover_tree(self.root)  # before the leftovers: a decided compaction is finished
        layout.remove_leftovers(self.root)

    def write(self, channel: str, symbol: str, row: Mapping[str, Any]) -> None:
        """Archive one row of ``channel`` for ``symbol`` (its ``time`` picks the day)."""
        day = day_of(row["time"])
        key = (channel, symbol)
        part = self._parts.get(key)
        if part is not None and (self._days[key] != day or part.rows >= self.max_rows):
            self._commit(key)
            part = None
        if part is None:
            opened = datetime.fromtimestamp(self.clock(), UTC)
            directory = layout.partition_dir(self.root, self.market, channel, symbol, day)
            part = self._parts[key] = PartWriter(directory, channel, opened)
            self._days[key] = day
        part.add(row)
        self._buffered += 1
        if part.buffered >= self.row_group_rows:
            self._flush(key, part)
        elif self._buffered > self.max_buffered_rows:
            self._relieve()

    def roll_due(self) -> None:
        """Commit every part whose roll period has ended (call it now and then)."""
        now = self.clock()
        for key, part in list(self._parts.items()):
            if now - part.opened.timestamp() >= self.roll_s:
                self._commit(key)

    def close(self) -> None:
        """Commit every open part (SIGINT/SIGTERM land here: nothing written is lost)."""
        for key in list(self._parts):
            self._commit(key)

    def buffered_rows(self) -> dict[tuple[str, str], int]:
        """Rows in memory per (channel, symbol): the archive's memory is bounded by these."""
        return {key: part.buffered for key, part in self._parts.items()}

    @property
    def open_files(self) -> int:
        """Parts with an open temporary file."""
        return len(self._open)

    def _flush(self, key: tuple[str, str], part: PartWriter) -> None:
        """Write a part's buffer out, keeping the open files under ``max_open_files``."""
        if key not in self._open:
            while len(self._open) >= self.max_open_files:
                self._commit(next(iter(self._open)))  # the least recently written part
        self._buffered -= part.buffered
        part.flush()
        self._open.pop(key, None)
        self._open[key] = None  # now the most recent

    def _relieve(self) -> None:
        """Write out the largest buffers until half the budget is free."""
        for key, part in sorted(self._parts.items(), key=lambda kv: -kv[1].buffered):
            if self._buffered <= self.max_buffered_rows // 2:
                return
            self._flush(key, part)

    def _commit(self, key: tuple[str, str]) -> None:
        part = self._parts.pop(key)
        self._days.pop(key, None)
        self._open.pop(key, None)
        self._buffered -= part.buffered
        final = part.commit()
        if final is not None and self.on_commit is not None:
            self.on_commit(final, part.rows)


def last_trade(root: Path, market: str, symbol: str) -> tuple[int, str] | None:
    """Return the last committed trade of a symbol as ``(trade_id, RFC3339 time)``.

    Read from the files' statistics (no data pages): the highest ``trade_id`` and the latest
    ``time``, which belong to the same trade because trades are archived in id order.
    """
    base = root / f"exchange={layout.EXCHANGE}" / f"market={market}" / "channel=trades"
    best: tuple[int, datetime] | None = None
    for path in layout.committed(base / f"symbol={layout.symbol_key(symbol)}", "*/*.parquet"):
        ids, times = column_range(path, "trade_id"), column_range(path, "time")
        if ids is not None and times is not None and (best is None or ids[1] > best[0]):
            best = (ids[1], times[1])
    if best is None:
        return None
    last_id, moment = best
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # stored as UTC
    return last_id, moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def last_trade_uids(root: Path, market: str, symbol: str) -> tuple[str, tuple[str, ...]] | None:
    """Return the last committed trade time of a symbol and the ``trade_uid`` of every trade
    at that time, as ``(RFC3339 time, uids)``: futures trades have no ordered id, so a restart
    resumes after that time, skipping those uids (several trades may share a millisecond)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    base = root / f"exchange={layout.EXCHANGE}" / f"market={market}" / "channel=trades"
    latest: dict[Path, datetime] = {}
    for path in layout.committed(base / f"symbol={layout.symbol_key(symbol)}", "*/*.parquet"):
        times = column_range(path, "time")
        if times is not None:
            latest[path] = times[1]
    if not latest:
        return None
    moment = max(latest.values())
    files = [str(path) for path, when in latest.items() if when == moment]
    stamp = pa.scalar(moment, pa.timestamp("us", tz="UTC"))
    rows = ds.dataset(files, format="parquet", schema=SCHEMAS["trades"]).to_table(
        columns=["trade_uid"], filter=ds.field("time") == stamp
    )
    uids = tuple(sorted(str(u) for u in rows.column("trade_uid").to_pylist() if u is not None))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z"), uids


def last_trade_id(root: Path, market: str, symbol: str) -> int | None:
    """Return the highest committed ``trade_id`` of a symbol."""
    found = last_trade(root, market, symbol)
    return None if found is None else found[0]
