"""The archive side of the trade store: id-less trades and OHLCVT candles from Kraken's CSVs.

Same SQLite file as :mod:`kraken_cli.services.history.store`, separate tables, so REST trades
(which have Kraken trade ids) and archive trades (which have none) never share a key space:

- ``archive_blocks``: trades exactly as in the file, whole seconds per block, one BLOB of
  ``ts,price,amount`` lines. A trade's identity is (second, position within that second), which
  the block order keeps: an import never re-sorts, so order within a second is the file's.
  Storing blocks instead of one row per trade is what lets an import keep up with the file.
- ``archive_candles``: OHLCVT rows per (pair, minutes, open time), numbers as the file's text.
- ``archive_coverage``: per source (``trades`` or ``m<minutes>``) and per import, the half-open
  second ranges ``[lo, hi)`` known complete. The pair's coverage is the union of its rows, so
  undoing one file (a malformed row) is deleting that file's rows.
- ``archive_imports``: one row per imported file (name + size/CRC fingerprint); ``done`` files
  are skipped outright, ``partial`` ones (Ctrl-C) resume: their committed chunks are verified
  and skipped by coverage.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from kraken_cli.services.history.aggregate import NS

TRADES: Final = "trades"

ARCHIVE_SCHEMA = """
CREATE TABLE IF NOT EXISTS archive_imports (
    id INTEGER PRIMARY KEY,
    pair INTEGER NOT NULL,
    name TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    rows INTEGER NOT NULL DEFAULT 0,
    UNIQUE (pair, name, fingerprint)
);
CREATE TABLE IF NOT EXISTS archive_blocks (
    id INTEGER PRIMARY KEY,
    pair INTEGER NOT NULL,
    import_id INTEGER NOT NULL,
    first_s INTEGER NOT NULL,
    last_s INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS archive_blocks_by_time ON archive_blocks (pair, last_s);
CREATE TABLE IF NOT EXISTS archive_candles (
    pair INTEGER NOT NULL,
    minutes INTEGER NOT NULL,
    time INTEGER NOT NULL,
    open TEXT NOT NULL,
    high TEXT NOT NULL,
    low TEXT NOT NULL,
    close TEXT NOT NULL,
    volume TEXT NOT NULL,
    count INTEGER NOT NULL,
    import_id INTEGER NOT NULL,
    PRIMARY KEY (pair, minutes, time)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS archive_coverage (
    pair INTEGER NOT NULL,
    source TEXT NOT NULL,
    import_id INTEGER NOT NULL,
    lo INTEGER NOT NULL,
    hi INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS archive_coverage_by_pair ON archive_coverage (pair, source);
"""

Range = tuple[int, int]
ArchiveTrade = tuple[int, str, str]
"""(time in ns, price text, volume text): the aggregator's trade tuple."""


@dataclass(frozen=True)
class ImportRecord:
    """What the store remembers of one imported file."""

    id: int
    state: str
    rows: int


def union(ranges: list[Range]) -> list[Range]:
    """Return half-open ranges merged where they overlap or touch, ascending."""
    out: list[Range] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def subtract(ranges: list[Range], holes: list[Range]) -> list[Range]:
    """Return the parts of ``ranges`` outside ``holes`` (both ascending, disjoint)."""
    out: list[Range] = []
    for lo, hi in ranges:
        cur = lo
        for a, b in holes:
            if b <= cur or a >= hi:
                continue
            if a > cur:
                out.append((cur, a))
            cur = max(cur, b)
        if cur < hi:
            out.append((cur, hi))
    return out


class ArchiveStore:
    """Archive tables on the trade store's connection (the caller owns transactions)."""

    def __init__(self, db: sqlite3.Connection, pair_id: Callable[[str, bool], int | None]) -> None:
        self._db = db
        self._pair_id = pair_id

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one write transaction: all of it is committed, or none."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def pid(self, pair: str, *, create: bool = False) -> int | None:
        """Return the store's id of ``pair`` (None when unknown and not ``create``)."""
        return self._pair_id(pair, create)

    # -- imports -------------------------------------------------------------------------------
    def find_import(self, pid: int, name: str, fingerprint: str) -> ImportRecord | None:
        """Return the record of a file imported (or started) before."""
        row = self._db.execute(
            "SELECT id, state, rows FROM archive_imports "
            "WHERE pair = ? AND name = ? AND fingerprint = ?",
            (pid, name, fingerprint),
        ).fetchone()
        return ImportRecord(int(row[0]), str(row[1]), int(row[2])) if row else None

    def start_import(self, pid: int, name: str, fingerprint: str, source: str) -> ImportRecord:
        """Return the file's record, creating a ``partial`` one."""
        found = self.find_import(pid, name, fingerprint)
        if found is not None:
            return found
        cur = self._db.execute(
            "INSERT INTO archive_imports (pair, name, fingerprint, source, state) "
            "VALUES (?, ?, ?, ?, 'partial')",
            (pid, name, fingerprint, source),
        )
        return ImportRecord(int(cur.lastrowid or 0), "partial", 0)

    def progress_import(self, import_id: int, rows: int, *, done: bool = False) -> None:
        """Count rows handled for an import; mark it done at the end."""
        self._db.execute(
            "UPDATE archive_imports SET rows = rows + ?, state = ? WHERE id = ?",
            (rows, "done" if done else "partial", import_id),
        )

    def undo_import(self, import_id: int) -> None:
        """Forget everything one file added (a malformed row was found further on)."""
        for table in ("archive_blocks", "archive_candles", "archive_coverage"):
            self._db.execute(f"DELETE FROM {table} WHERE import_id = ?", (import_id,))
        self._db.execute("DELETE FROM archive_imports WHERE id = ?", (import_id,))

    # -- coverage ------------------------------------------------------------------------------
    def ranges(self, pid: int | None, source: str) -> list[Range]:
        """Return the ``[lo, hi)`` second ranges ``source`` covers for a pair, merged."""
        if pid is None:
            return []
        rows = self._db.execute(
            "SELECT lo, hi FROM archive_coverage WHERE pair = ? AND source = ?", (pid, source)
        ).fetchall()
        return union([(int(a), int(b)) for a, b in rows])

    def cover(self, pid: int, source: str, import_id: int, lo: int, hi: int) -> None:
        """Record ``[lo, hi)`` complete for ``source``, extending the import's touching row."""
        cur = self._db.execute(
            "UPDATE archive_coverage SET hi = max(hi, ?), lo = min(lo, ?) "
            "WHERE pair = ? AND source = ? AND import_id = ? AND lo <= ? AND hi >= ?",
            (hi, lo, pid, source, import_id, hi, lo),
        )
        if cur.rowcount == 0:
            self._db.execute(
                "INSERT INTO archive_coverage VALUES (?, ?, ?, ?, ?)",
                (pid, source, import_id, lo, hi),
            )

    def sources(self, pid: int | None) -> list[str]:
        """Return the sources with coverage for a pair (``trades``, ``m1`` ... ``m1440``)."""
        if pid is None:
            return []
        rows = self._db.execute(
            "SELECT DISTINCT source FROM archive_coverage WHERE pair = ?", (pid,)
        ).fetchall()
        return sorted((str(r[0]) for r in rows), key=_source_order)

    def describe(self, pid: int | None) -> list[tuple[str, int, int]]:
        """Return ``(source, lo, hi)`` second ranges per archive source (``krx cache info``)."""
        return [(s, lo, hi) for s in self.sources(pid) for lo, hi in self.ranges(pid, s)]

    # -- trades --------------------------------------------------------------------------------
    def add_block(
        self,
        pid: int,
        import_id: int,
        data: bytes,
        span: tuple[int, int],
        *,
        rows: int | None = None,
        rank: int = 0,
    ) -> None:
        """Store trade rows of seconds ``span`` (first, last); the caller records coverage.

        ``rows``: how many lines ``data`` holds, when the caller knows (else they are counted).
        Blocks are read in (first second, rank, last second, insertion) order; ``rank`` -1 puts
        rows added to the start of an already stored second before that second's stored rows.
        """
        count = data.count(b"\n") if rows is None else rows
        self._db.execute(
            "INSERT INTO archive_blocks (pair, import_id, first_s, last_s, rank, rows, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (pid, import_id, *span, rank, count, data),
        )

    def trade_rows(self, pid: int | None, start_s: int, end_s: int) -> Iterator[list[bytes]]:
        """Yield ``[ts, price, amount]`` byte fields for rows with ``start <= ts < end``."""
        if pid is None:
            return
        # order the small block list first, then read one block (about 1 MB) at a time
        blocks = self._db.execute(
            "SELECT id, first_s, last_s FROM archive_blocks "
            "WHERE pair = ? AND last_s >= ? AND first_s < ? ORDER BY first_s, rank, last_s, id",
            (pid, start_s, end_s),
        ).fetchall()
        for block_id, first, last in blocks:
            (data,) = self._db.execute(
                "SELECT data FROM archive_blocks WHERE id = ?", (block_id,)
            ).fetchone()
            rows = (line.split(b",") for line in data.split(b"\n")[:-1])
            if first >= start_s and last < end_s:
                yield from rows
            else:
                yield from (r for r in rows if start_s <= int(r[0]) < end_s)

    def trades(self, pid: int | None, start_ns: int, end_ns: int) -> Iterator[ArchiveTrade]:
        """Yield ``(time_ns, price, volume)`` for archive trades with ``start <= t < end``."""
        start_s = -(-start_ns // NS)
        end_s = -(-end_ns // NS)
        for ts, price, vol in self.trade_rows(pid, start_s, end_s):
            yield int(ts) * NS, price.decode(), vol.decode()

    def count_trades(self, pid: int | None) -> tuple[int, int | None, int | None]:
        """Return (rows, first second, last second) of a pair's archive trades."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(rows), 0), MIN(first_s), MAX(last_s) FROM archive_blocks "
            "WHERE pair = ?",
            (pid,),
        ).fetchone()
        return int(row[0]), row[1], row[2]

    # -- candles -------------------------------------------------------------------------------
    def add_candles(
        self, pid: int, minutes: int, import_id: int, rows: list[tuple[object, ...]]
    ) -> int:
        """Store OHLCVT rows ``(time, o, h, l, c, v, n)``; keep rows already there; return added."""
        before = self._db.total_changes
        self._db.executemany(
            "INSERT OR IGNORE INTO archive_candles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(pid, minutes, *r, import_id) for r in rows],
        )
        return self._db.total_changes - before

    def candles(
        self, pid: int | None, minutes: int, start_s: int, end_s: int
    ) -> Iterator[tuple[int, str, str, str, str, str, int]]:
        """Yield ``(time, o, h, l, c, v, n)`` with ``start <= time < end``, ascending."""
        if pid is None:
            return
        yield from self._db.execute(
            "SELECT time, open, high, low, close, volume, count FROM archive_candles "
            "WHERE pair = ? AND minutes = ? AND time >= ? AND time < ? ORDER BY time",
            (pid, minutes, start_s, end_s),
        )

    def clear(self, pid: int | None) -> None:
        """Delete a pair's archive rows (every pair's with None)."""
        tables = ("archive_blocks", "archive_candles", "archive_coverage", "archive_imports")
        for table in tables:
            if pid is None:
                self._db.execute(f"DELETE FROM {table}")
            else:
                self._db.execute(f"DELETE FROM {table} WHERE pair = ?", (pid,))


def candle_source(minutes: int) -> str:
    """Return the coverage source name of archive candles of ``minutes``."""
    return f"m{minutes}"


def _source_order(source: str) -> tuple[int, int]:
    return (0, 0) if source == TRADES else (1, int(source[1:]))
