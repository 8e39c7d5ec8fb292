"""The one sink interface every front end writes through, and its stdout implementation.

A :class:`Sink` takes what a use case returns: a batch of records (``krx trades``), one object
(``krx orderbook --format json``), or live records and events one at a time (``krx stream``).
Stdout is the sink today; a Parquet writer (``krx archive``) and an HTTP/SSE response
(``krx serve``) implement the same five methods, so services never learn where data goes.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TextIO, cast

from kraken_cli.errors import OutputError, UsageError
from kraken_cli.output import columns as cols
from kraken_cli.output.formats import FORMATS
from kraken_cli.output.live import (
    WriteRecord,
    WriteRecords,
    csv_writer,
    jsonl_lines_writer,
    jsonl_writer,
    output_error,
    table_writer,
)
from kraken_cli.output.render import render, render_object
from kraken_cli.output.sanitize import for_terminal

if TYPE_CHECKING:
    from kraken_cli.output.views import TableView

Record = Mapping[str, Any]


class Sink(Protocol):
    """Where records go: written at once, in the order given, until ``close``."""

    def write_records(
        self,
        records: Iterable[Record],
        columns: Sequence[str] | None = None,
        *,
        title: str | None = None,
        view: TableView | None = None,
    ) -> int:
        """Write a batch (``columns`` first; a table as ``view``); return how many were written."""
        ...

    def write_object(self, obj: Record) -> None:
        """Write one object (a document rather than rows)."""
        ...

    def write(self, record: Record) -> None:
        """Write one live record now (a stream's data)."""
        ...

    def write_many(self, records: Sequence[Record]) -> None:
        """Write live records now, in order (a stream: those of one message; one write to
        stdout, the same bytes as a ``write`` per record)."""
        ...

    def write_event(self, event: Record) -> None:
        """Report a non-data event of a stream (reconnect, resync, backfill)."""
        ...

    def close(self) -> None:
        """Finish: flush what is buffered (a file sink commits here)."""
        ...


class StreamOnlySink:
    """Base of sinks that take live records only (the archive, serve's live state and feeds):
    a batch or a document sent to one is a usage error."""

    def write_records(
        self,
        records: Iterable[Record],
        columns: Sequence[str] | None = None,
        *,
        title: str | None = None,
        view: TableView | None = None,
    ) -> int:
        """Refuse a batch: this sink takes stream records."""
        raise UsageError(f"{type(self).__name__} takes stream records only")

    def write_object(self, obj: Record) -> None:
        """Refuse a document: this sink takes stream records."""
        raise UsageError(f"{type(self).__name__} takes stream records only")

    def write(self, record: Record) -> None:
        """Take one live record (each sink's own)."""
        raise NotImplementedError

    def write_many(self, records: Sequence[Record]) -> None:
        """Take live records one by one, in order."""
        for record in records:
            self.write(record)


class StdoutSink:
    """Write to stdout in one of :data:`FORMATS`; events to stderr unless ``events_to_stdout``.

    ``kind`` is the channel of the live records (``trade``, ``book``, ...): it picks their
    columns for csv and table; ``picked`` (``--columns``) are exactly the batch's columns.
    Write failures other than a closed pipe raise OutputError.
    """

    def __init__(
        self,
        fmt: str,
        *,
        kind: str | None = None,
        events_to_stdout: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
        picked: Sequence[str] | None = None,
    ) -> None:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}", hint="use one of: " + ", ".join(FORMATS))
        stream = out or sys.stdout
        if stream is None:  # Python's stdout when fd 1 was closed at start (`krx ... >&-`)
            raise OutputError(
                "cannot write to standard output: it is closed",
                hint="send the output to a file or pipe (`> file`, `| less`)",
            )
        self.fmt = fmt
        self.kind = kind
        self.events_to_stdout = events_to_stdout
        self.picked = picked
        self._stream = stream
        self._out = cast(TextIO, _Guarded(stream))  # the renderers' writes, errors mapped
        self._err = err
        #: Write one live record at once (jsonl line, csv row(s) or table row); an attribute,
        #: not a method, so a stream calls the format's writer with no indirection.
        self.write: WriteRecord = self._live_writer()
        #: Write live records at once: jsonl lines with one write, other formats row by row.
        self.write_many: WriteRecords = jsonl_lines_writer(stream) if fmt == "jsonl" else self._each

    # -- batch ---------------------------------------------------------------------------------
    def write_records(
        self,
        records: Iterable[Record],
        columns: Sequence[str] | None = None,
        *,
        title: str | None = None,
        view: TableView | None = None,
    ) -> int:
        """Write a batch of records in the sink's format."""
        return render(
            records,
            self.fmt,
            columns=columns,
            out=self._out,
            title=title,
            view=view,
            picked=self.picked,
        )

    def write_object(self, obj: Record) -> None:
        """Write one object in the sink's format."""
        render_object(obj, self.fmt, out=self._out)

    def write_text(self, chunks: Iterable[str]) -> None:
        """Write a batch already rendered in the sink's format (output/candles.py), then flush."""
        write = self._out.write
        for chunk in chunks:
            write(chunk)
        self._out.flush()

    # -- live (write is set in __init__) --------------------------------------------------------
    def write_event(self, event: Record) -> None:
        """Write an event as a JSON line to stdout (``--events``) or ``krx: event:`` on stderr."""
        if self.events_to_stdout:
            self.write(event)
            return
        from kraken_cli.output.lines import compact_encoder

        err = self._err or sys.stderr
        err.write(f"krx: event: {for_terminal(compact_encoder()(dict(event)))}\n")
        err.flush()

    def close(self) -> None:
        """Flush stdout."""
        self._out.flush()

    def _each(self, records: Sequence[Record]) -> None:
        for record in records:
            self.write(record)

    def _live_writer(self) -> WriteRecord:
        if not self.picked:
            return self._format_writer(cols.STREAM.get(self.kind or "", ()))
        if self.kind in cols.NESTED_STREAM:
            raise UsageError(
                "--columns cannot pick from whole books",
                hint="use --format csv (one row per level) and cut, or jq on jsonl",
            )
        write, one = self._format_writer(tuple(self.picked)), cols.picker(self.picked)
        return lambda record: write(one(record))

    def _format_writer(self, spec: cols.Columns) -> WriteRecord:
        stream = self._stream
        if self.fmt == "jsonl":
            return jsonl_writer(stream)
        from kraken_cli.output.live import text_writer

        if self.fmt == "csv":
            return csv_writer(text_writer(stream), spec, self.kind or "")
        return table_writer(text_writer(stream), spec)


def check_stream_format(fmt: str, kinds: Collection[str], *, events_to_stdout: bool) -> None:
    """Refuse (exit 2, with a hint) a format a stream of ``kinds`` cannot be written in.

    jsonl takes everything. csv and table need one record kind with a column spec; csv
    flattens book lines to one row per level, a live table cannot show them. json is one
    document, which an endless stream never finishes.
    """
    if fmt == "jsonl":
        return
    if fmt == "json":
        raise UsageError(
            "a stream is endless and --format json is one document",
            hint="use --format jsonl (one JSON object per line) or csv",
        )
    if events_to_stdout:
        raise UsageError(
            f"--events writes JSON event lines among the data; --format {fmt} cannot hold them",
            hint="use --format jsonl with --events (without it events go to stderr)",
        )
    if not kinds:
        return  # nothing planned: the stream itself says what is missing
    if len(kinds) > 1:
        mixed = ", ".join(sorted(kinds))
        raise UsageError(
            f"--format {fmt} needs one kind of record; this stream has {mixed}",
            hint="run one `krx stream CHANNEL` per channel, or use --format jsonl",
        )
    (kind,) = kinds
    if kind not in cols.STREAM:
        raise UsageError(f"{kind} records have no flat {fmt} shape", hint="use --format jsonl")
    if fmt == "table" and kind in cols.NESTED_STREAM:
        raise UsageError(
            "a live table cannot show whole books",
            hint="use --format csv (one row per level) or jsonl; `krx orderbook` for a table",
        )


class _Guarded:
    """Stdout for the batch renderers: a write error becomes OutputError, EPIPE stays."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise output_error(exc, self.stream.fileno()) from exc

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise output_error(exc, self.stream.fileno()) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)  # isatty, fileno, encoding: for rich's Console
