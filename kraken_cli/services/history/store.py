"""The local store of raw public trades per pair (SQLite, WAL) and of the ranges known complete.

A trade is kept exactly as Kraken sent it: price and volume strings, ``trade_id`` (the primary
key per pair, so a trade can never be stored twice), time as integer nanoseconds.

Coverage is kept in the Trades cursor's own space: a row ``(lo, hi)`` means "every trade with
``lo < time_ns <= hi`` is in the store". A downloaded page and the coverage it proves are written
in ONE transaction, so an interrupted download (Ctrl-C, crash, network loss) leaves either the
whole page with its coverage or neither: resuming never leaves a gap and never duplicates.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, NamedTuple

from kraken_cli.errors import ConfigError
from kraken_cli.models.trade_rows import TradeRow
from kraken_cli.services.history.aggregate import NS
from kraken_cli.services.history.archive_store import ARCHIVE_SCHEMA, TRADES, ArchiveStore, union
from kraken_cli.services.history.seam import merge_sources

SCHEMA_VERSION: Final = 1
PAGE_BYTES: Final = 16384

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pairs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS trades (
    pair INTEGER NOT NULL,
    trade_id INTEGER NOT NULL,
    time_ns INTEGER NOT NULL,
    price TEXT NOT NULL,
    volume TEXT NOT NULL,
    side TEXT NOT NULL,
    ord_type TEXT NOT NULL,
    misc TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (pair, trade_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trades_by_time ON trades (pair, time_ns);
CREATE TABLE IF NOT EXISTS coverage (
    pair INTEGER NOT NULL,
    lo INTEGER NOT NULL,
    hi INTEGER NOT NULL,
    PRIMARY KEY (pair, lo)
) WITHOUT ROWID;
"""


#: Cheap reads that touch every table's root page and columns (no full scan).
_PROBES = (
    "SELECT key, value FROM meta LIMIT 1",
    "SELECT id, name FROM pairs LIMIT 1",
    "SELECT pair, trade_id, time_ns, price, volume, side, ord_type, misc FROM trades LIMIT 1",
    "SELECT pair, lo, hi FROM coverage LIMIT 1",
)
#: The files SQLite keeps for one database.
STORE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def corrupt_store(path: Path, exc: BaseException) -> ConfigError:
    """Return the error for a store SQLite cannot use (damaged, foreign or locked)."""
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return ConfigError(
            f"the trade store {path} is locked by another process",
            hint="wait for the other krx to finish, then try again",
        )
    return ConfigError(
        f"the trade store {path} is unreadable: {exc}",
        hint="run `krx cache clear` to delete it; trades are downloaded again when needed",
    )


def delete_store_files(path: Path) -> list[Path]:
    """Delete the store and its WAL/SHM/journal files, whatever their state; return them."""
    removed = []
    for suffix in STORE_SUFFIXES:
        part = Path(str(path) + suffix)
        if part.exists() or part.is_symlink():
            part.unlink()
            removed.append(part)
    return removed


class StoredTrade(NamedTuple):
    """One public trade as stored: exact strings, ns time, Kraken's per-pair trade_id."""

    trade_id: int
    time_ns: int
    price: str
    volume: str
    side: str  # "b" | "s"
    ord_type: str  # "m" | "l"
    misc: str = ""


@dataclass(frozen=True)
class PairSummary:
    """What the store holds for one pair (``krx cache info``)."""

    pair: str
    trades: int
    first_ns: int | None
    last_ns: int | None
    covered: tuple[tuple[int, int], ...]


class TradeStore:
    """SQLite store of trades and coverage; one instance per process (not thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # autocommit mode: transactions are explicit (BEGIN IMMEDIATE ... COMMIT)
        self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        try:
            # a new store only (an existing file keeps its own): 16 KB pages write the archive's
            # 1 MB trade blocks with a quarter of the 4 KB default's page writes
            self._db.execute(f"PRAGMA page_size={PAGE_BYTES}")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.executescript(ARCHIVE_SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            for probe in _PROBES:  # a damaged or foreign file fails here, not mid-command
                self._db.execute(probe).fetchall()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise corrupt_store(path, exc) from exc
        self._pair_ids: dict[str, int] = {}
        #: id-less trades and OHLCVT candles from Kraken's archive CSVs (same file)
        self.archive = ArchiveStore(
            self._db, lambda pair, create: self._pair_id(pair, create=create)
        )

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> TradeStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pairs ---------------------------------------------------------------------------------
    def _pair_id(self, pair: str, *, create: bool) -> int | None:
        cached = self._pair_ids.get(pair)
        if cached is not None:
            return cached
        row = self._db.execute("SELECT id FROM pairs WHERE name = ?", (pair,)).fetchone()
        if row is None:
            if not create:
                return None
            cur = self._db.execute("INSERT INTO pairs (name) VALUES (?)", (pair,))
            pid = int(cur.lastrowid or 0)
        else:
            pid = int(row[0])
        self._pair_ids[pair] = pid
        return pid

    def pairs(self) -> list[str]:
        """Return the pairs the store knows, by name."""
        return [r[0] for r in self._db.execute("SELECT name FROM pairs ORDER BY name")]

    # -- writing -------------------------------------------------------------------------------
    def add_page(self, pair: str, trades: Sequence[TradeRow], lo: int, hi: int) -> int:
        """Store a page and mark ``(lo, hi]`` complete, atomically; return trades newly added."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            pid = int(self._pair_id(pair, create=True) or 0)
            before = db.total_changes
            # the pair id is an int of ours: inlined, the rows go to SQLite as they are
            db.executemany(
                f"INSERT OR IGNORE INTO trades VALUES ({pid}, ?, ?, ?, ?, ?, ?, ?)", trades
            )
            added = db.total_changes - before
            if hi > lo:
                self._merge_coverage(pid, lo, hi)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return added

    def _merge_coverage(self, pid: int | None, lo: int, hi: int) -> None:
        rows = self._db.execute(
            "SELECT lo, hi FROM coverage WHERE pair = ? AND lo <= ? AND hi >= ?", (pid, hi, lo)
        ).fetchall()
        for a, b in rows:
            lo, hi = min(lo, a), max(hi, b)
        self._db.executemany(
            "DELETE FROM coverage WHERE pair = ? AND lo = ?", [(pid, a) for a, _ in rows]
        )
        self._db.execute("INSERT INTO coverage VALUES (?, ?, ?)", (pid, lo, hi))

    def clear(self, pair: str | None = None) -> int:
        """Forget one pair's trades and coverage (all pairs with None); return trades removed."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            if pair is None:
                removed = db.execute("SELECT COUNT(*) FROM trades").fetchone()[0]
                db.execute("DELETE FROM trades")
                db.execute("DELETE FROM coverage")
                self.archive.clear(None)
                db.execute("DELETE FROM pairs")
            else:
                pid = self._pair_id(pair, create=False)
                if pid is None:
                    db.execute("COMMIT")
                    return 0
                removed = db.execute("SELECT COUNT(*) FROM trades WHERE pair = ?", (pid,))
                removed = removed.fetchone()[0]
                db.execute("DELETE FROM trades WHERE pair = ?", (pid,))
                db.execute("DELETE FROM coverage WHERE pair = ?", (pid,))
                self.archive.clear(pid)
                db.execute("DELETE FROM pairs WHERE id = ?", (pid,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._pair_ids.clear()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("VACUUM")
        return int(removed)

    # -- reading -------------------------------------------------------------------------------
    def coverage(self, pair: str) -> list[tuple[int, int]]:
        """Return the ``(lo, hi]`` ranges known complete, ascending."""
        pid = self._pair_id(pair, create=False)
        if pid is None:
            return []
        rows = self._db.execute(
            "SELECT lo, hi FROM coverage WHERE pair = ? ORDER BY lo", (pid,)
        ).fetchall()
        return [(int(a), int(b)) for a, b in rows]

    def covered(self, pair: str) -> list[tuple[int, int]]:
        """Return the ``(lo, hi]`` ranges complete from REST or the archive, merged."""
        pid = self._pair_id(pair, create=False)
        # archive seconds [a, b) hold the trades with a*1e9 <= t < b*1e9: (a*1e9-1, b*1e9-1]
        archive = [(a * NS - 1, b * NS - 1) for a, b in self.archive.ranges(pid, TRADES)]
        return union(self.coverage(pair) + archive)

    def missing(self, pair: str, lo: int, hi: int) -> list[tuple[int, int]]:
        """Return the parts of ``(lo, hi]`` not known complete, as ``(a, b]`` ranges."""
        gaps: list[tuple[int, int]] = []
        cursor = lo
        for a, b in self.covered(pair):
            if b <= cursor:
                continue
            if a >= hi:
                break
            if a > cursor:
                gaps.append((cursor, a))
            cursor = max(cursor, b)
            if cursor >= hi:
                break
        if cursor < hi:
            gaps.append((cursor, hi))
        return gaps

    def iter_trades(self, pair: str, start_ns: int, end_ns: int) -> Iterator[tuple[int, str, str]]:
        """Yield ``(time_ns, price, volume)`` for ``start_ns <= time < end_ns`` in trade order."""
        pid = self._pair_id(pair, create=False)
        if pid is None:
            return iter(())
        # a separate cursor streams rows; nothing is materialised. The cursor itself is the
        # iterator (no generator in between: this runs once per trade of a candle query).
        rest: Iterator[tuple[int, str, str]] = self._db.execute(
            "SELECT time_ns, price, volume FROM trades "
            "WHERE pair = ? AND time_ns >= ? AND time_ns < ? ORDER BY time_ns, trade_id",
            (pid, start_ns, end_ns),
        )
        if not self.archive.ranges(pid, TRADES):
            return rest
        return merge_sources(rest, self.archive.trades(pid, start_ns, end_ns))

    def iter_full(self, pair: str, start_ns: int, end_ns: int) -> Iterator[StoredTrade]:
        """Yield whole stored trades for ``start_ns <= time < end_ns`` in trade order."""
        pid = self._pair_id(pair, create=False)
        if pid is None:
            return
        for row in self._db.execute(
            "SELECT trade_id, time_ns, price, volume, side, ord_type, misc FROM trades "
            "WHERE pair = ? AND time_ns >= ? AND time_ns < ? ORDER BY time_ns, trade_id",
            (pid, start_ns, end_ns),
        ):
            yield StoredTrade(*row)

    def summary(self) -> list[PairSummary]:
        """Return per-pair trade counts, time span and coverage."""
        out = []
        for name in self.pairs():
            pid = self._pair_id(name, create=False)
            count, first, last = self._db.execute(
                "SELECT COUNT(*), MIN(time_ns), MAX(time_ns) FROM trades WHERE pair = ?", (pid,)
            ).fetchone()
            out.append(PairSummary(name, int(count), first, last, tuple(self.coverage(name))))
        return out

    def size_bytes(self) -> int:
        """Return the bytes the store takes on disk (database, WAL and shared-memory files)."""
        total = 0
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                total += p.stat().st_size
        return total


def iso_ns(ns: int | None) -> str | None:
    """Render a nanosecond time as ISO-8601 UTC seconds (None stays None)."""
    if ns is None:
        return None
    return datetime.fromtimestamp(ns // 1_000_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def summary_records(store: TradeStore) -> list[dict[str, Any]]:
    """Return ``krx cache info``'s rows: each pair's trades, span, coverage, share of disk, sources.

    ``bytes`` splits the file's size by trade count, so the rows add up to the file.
    ``sources``: ``rest`` (trades downloaded from Kraken), ``archive`` (imported trades),
    ``archive-m<minutes>`` (imported OHLCVT candles), each with its complete ranges.
    """
    summary = [_with_archive(store, s) for s in store.summary()]
    size = store.size_bytes()
    total = sum(s.trades for s, _ in summary)
    return [
        {
            "pair": s.pair,
            "trades": s.trades,
            "first": iso_ns(s.first_ns),
            "last": iso_ns(s.last_ns),
            "covered": "; ".join(f"{iso_ns(lo + 1)}..{iso_ns(hi)}" for lo, hi in s.covered),
            "bytes": size * s.trades // total if total else 0,
            "sources": sources,
        }
        for s, sources in summary
    ]


def _with_archive(store: TradeStore, s: PairSummary) -> tuple[PairSummary, str]:
    """Add a pair's imported trades to its summary; describe which source covers what."""
    pid = store.archive.pid(s.pair)
    count, first_s, last_s = store.archive.count_trades(pid)
    if count and first_s is not None and last_s is not None:
        firsts = [t for t in (s.first_ns, first_s * 1_000_000_000) if t is not None]
        lasts = [t for t in (s.last_ns, last_s * 1_000_000_000) if t is not None]
        s = replace(s, trades=s.trades + count, first_ns=min(firsts), last_ns=max(lasts))
        s = replace(s, covered=tuple(store.covered(s.pair)))
    parts = [f"rest {iso_ns(lo + 1)}..{iso_ns(hi)}" for lo, hi in store.coverage(s.pair)]
    for source, lo, hi in store.archive.describe(pid):
        label = "archive" if source == "trades" else f"archive-{source}"
        parts.append(f"{label} {iso_ns(lo * 1_000_000_000)}..{iso_ns(hi * 1_000_000_000 - 1)}")
    return s, "; ".join(parts)
