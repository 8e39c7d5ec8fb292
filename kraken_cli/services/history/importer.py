"""``krx history import``: Kraken's archive CSVs into the trade store, every row kept.

Per file: a chunk of whole seconds at a time, each chunk committed with the coverage it proves
in one transaction (Ctrl-C loses at most the chunk in flight; running the import again resumes).
A malformed row anywhere in a file undoes every chunk that file committed, so a file is either
imported whole or not at all. A file already imported (same name, size and CRC/mtime) is skipped;
any other file whose seconds are already covered is compared row by row with what is stored and
only the new seconds are added, so overlapping full and incremental archives never double a
trade, and a differing row is an error rather than a guess.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kraken_cli.errors import UsageError
from kraken_cli.services.history.archive_csv import (
    ARCHIVE_MINUTES,
    CHUNK_BYTES,
    ArchiveFile,
    ArchiveFormatError,
    TradeChunk,
    ohlcvt_rows,
    sniff_fields,
    split_rows,
    trade_chunks,
)
from kraken_cli.services.history.archive_store import TRADES, ArchiveStore, candle_source
from kraken_cli.services.history.overlap import merge_chunk
from kraken_cli.services.history.prefetch import prefetch
from kraken_cli.services.history.store import TradeStore

CANDLE_BATCH = 50_000


@dataclass(frozen=True)
class ImportProgress:
    """Rows and bytes done in the file being imported."""

    file: str
    rows: int
    done_bytes: int
    total_bytes: int
    elapsed_s: float
    finished: bool = False


ImportCallback = Callable[[ImportProgress], None]


@dataclass(frozen=True)
class FileResult:
    """What one file contributed (``kind``: ``trades`` or ``m<minutes>``)."""

    file: str
    pair: str
    kind: str
    rows: int
    added: int
    skipped: bool
    first_s: int | None
    last_s: int | None


def import_archives(
    store: TradeStore,
    files: Iterable[ArchiveFile],
    pair_name: Callable[[ArchiveFile], str],
    *,
    progress: ImportCallback | None = None,
    clock: Callable[[], float] = time.monotonic,
    chunk_bytes: int = CHUNK_BYTES,
    fast: bool = True,
) -> list[FileResult]:
    """Import every file in order; return one result per file.

    ``fast``: validate trade rows with numpy when installed (same verdicts, same store).
    """
    results = []
    for f in files:
        _check_shape(f)
        pair = pair_name(f)
        job = _FileJob(store.archive, f, pair, progress, clock, chunk_bytes, fast)
        results.append(job.run_trades() if f.minutes is None else job.run_candles(f.minutes))
    return results


def _check_shape(f: ArchiveFile) -> None:
    if f.minutes is not None and f.minutes not in ARCHIVE_MINUTES:
        raise UsageError(
            f"{f.name}: {f.minutes}-minute candles are not an archive interval",
            hint="Kraken's OHLCVT archive has " + ", ".join(map(str, ARCHIVE_MINUTES)),
        )
    with f.open() as fh:
        fields = sniff_fields(fh)
    want = 3 if f.minutes is None else 7
    if fields not in (0, want):
        kind = "a trades file (<PAIR>.csv)" if f.minutes is None else "an OHLCVT file"
        raise UsageError(
            f"{f.name}: named like {kind} but its rows have {fields} fields, not {want}",
            hint="trades: timestamp,price,amount; OHLCVT <PAIR>_<minutes>.csv: "
            "timestamp,open,high,low,close,volume,trades",
        )


class _FileJob:
    """One file's import: records, chunk transactions, undo on a malformed row."""

    def __init__(
        self,
        archive: ArchiveStore,
        f: ArchiveFile,
        pair: str,
        progress: ImportCallback | None,
        clock: Callable[[], float],
        chunk_bytes: int,
        fast: bool,
    ) -> None:
        self.archive, self.f, self.pair = archive, f, pair
        self.chunk_bytes, self.fast = chunk_bytes, fast
        self.progress, self.clock = progress, clock
        self.started = clock()
        self.rows = self.added = self.done_bytes = 0
        self.first: int | None = None
        self.last: int | None = None

    def _begin(self, source: str) -> int | None:
        """Return the import id, or None when this exact file was imported before."""
        with self.archive.transaction():
            self.pid = self.archive.pid(self.pair, create=True) or 0
            record = self.archive.start_import(self.pid, self.f.name, self.f.fingerprint, source)
        return None if record.state == "done" else record.id

    def _result(self, kind: str, skipped: bool = False) -> FileResult:
        if self.progress is not None and not skipped:
            self._report(finished=True)
        return FileResult(
            self.f.name, self.pair, kind, self.rows, self.added, skipped, self.first, self.last
        )

    def _report(self, finished: bool = False) -> None:
        if self.progress is not None:
            elapsed = self.clock() - self.started
            self.progress(
                ImportProgress(
                    self.f.name, self.rows, self.done_bytes, self.f.size, elapsed, finished
                )
            )

    def _guarded(self, import_id: int, body: Callable[[], None]) -> None:
        try:
            body()
        except ArchiveFormatError:
            with self.archive.transaction():
                self.archive.undo_import(import_id)
            raise
        with self.archive.transaction():
            self.archive.progress_import(import_id, 0, done=True)

    # -- trades --------------------------------------------------------------------------------
    def run_trades(self) -> FileResult:
        import_id = self._begin(TRADES)
        if import_id is None:
            return self._result(TRADES, skipped=True)
        self._guarded(import_id, lambda: self._trades(import_id))
        return self._result(TRADES)

    def _trades(self, import_id: int) -> None:
        cursor: int | None = None  # end of this file's coverage so far (seconds, exclusive)
        with self.f.open() as fh:
            # later chunks are read and validated while chunk N is written (SQLite frees the
            # GIL); eight in flight (8 MB) ride out the writes that stall on a busy disk
            # a ZIP member inflates in its own thread (zlib frees the GIL) while rows are checked
            chunks = trade_chunks(fh, self.f.name, self.chunk_bytes, fast=self.fast, read_ahead=2)
            for chunk in prefetch(chunks, depth=8):
                with self.archive.transaction():
                    self._trade_chunk(import_id, chunk, cursor)
                    self.archive.progress_import(import_id, chunk.rows)
                cursor = chunk.last_s + 1
                self.first = chunk.first_s if self.first is None else self.first
                self.last = chunk.last_s
                self.rows += chunk.rows
                self.done_bytes += len(chunk.data)
                self._report()

    def _trade_chunk(self, import_id: int, chunk: TradeChunk, cursor: int | None) -> None:
        lo, hi = chunk.first_s, chunk.last_s + 1
        stored = [(a, b) for a, b in self.archive.ranges(self.pid, TRADES) if a < hi and b > lo]
        # the file has no trade between the previous chunk and this one: covered too
        start = lo if cursor is None else min(cursor, lo)
        if not stored:
            span = chunk.first_s, chunk.last_s
            self.archive.add_block(self.pid, import_id, chunk.data, span, rows=chunk.rows)
            self.archive.cover(self.pid, TRADES, import_id, start, hi)
            self.added += chunk.rows
            return
        self.added += merge_chunk(
            self.archive,
            self.pid,
            import_id,
            split_rows(chunk.data),
            stored,
            chunk.first_line,
            self._mismatch,
            {s for s, at_edge in ((lo, cursor is None), (chunk.last_s, chunk.final)) if at_edge},
        )
        self.archive.cover(self.pid, TRADES, import_id, start, hi)

    def _mismatch(self, line: int, s0: int, s1: int, here: int, stored: int) -> Exception:
        return ArchiveFormatError(
            self.f.name,
            line,
            f"the trades of seconds {s0}..{s1} differ from the archive trades already stored "
            f"for {self.pair} ({here} rows here, {stored} stored)",
        )

    # -- OHLCVT --------------------------------------------------------------------------------
    def run_candles(self, minutes: int) -> FileResult:
        source = candle_source(minutes)
        import_id = self._begin(source)
        if import_id is None:
            return self._result(source, skipped=True)
        self._guarded(import_id, lambda: self._candles(import_id, minutes))
        return self._result(source)

    def _candles(self, import_id: int, minutes: int) -> None:
        step = minutes * 60
        batch: list[tuple[object, ...]] = []
        cursor: int | None = None
        with self.f.open() as fh:
            for line, row in ohlcvt_rows(fh, self.f.name):
                if row[0] % step:
                    raise ArchiveFormatError(
                        self.f.name, line, f"{row[0]} is not a {minutes}-minute open time"
                    )
                batch.append(row)
                if len(batch) >= CANDLE_BATCH:
                    cursor = self._candle_batch(import_id, minutes, batch, cursor)
            if batch:
                self._candle_batch(import_id, minutes, batch, cursor)

    def _candle_batch(
        self, import_id: int, minutes: int, batch: list[tuple[object, ...]], cursor: int | None
    ) -> int:
        first, last = int(str(batch[0][0])), int(str(batch[-1][0]))
        hi = last + minutes * 60
        with self.archive.transaction():
            self.added += self.archive.add_candles(self.pid, minutes, import_id, batch)
            start = first if cursor is None else cursor
            self.archive.cover(self.pid, candle_source(minutes), import_id, start, hi)
            self.archive.progress_import(import_id, len(batch))
        self.first = first if self.first is None else self.first
        self.last = last
        self.rows += len(batch)
        self.done_bytes = min(self.f.size, self.done_bytes + 48 * len(batch))
        batch.clear()
        self._report()
        return hi
