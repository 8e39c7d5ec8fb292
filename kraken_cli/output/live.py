"""Live record writers: one record in, one line (or a few) out at once, for endless streams.

Lines go straight to stdout's file descriptor, one ``os.write`` each, or one for all the
records of a WebSocket message (no TextIOWrapper buffer to flush); a reader that left raises
BrokenPipeError (the app exits 0 for ``| head``); any other write error (closed stdout,
``/dev/full``) becomes an :class:`OutputError`. jsonl is the hot path of ``krx stream
trades``: its encoder is built once and the writer is a closure.
"""

from __future__ import annotations

import errno
import os
import select
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from kraken_cli.errors import OutputError
from kraken_cli.output.cells import cell_text, columns_of
from kraken_cli.output.columns import NESTED_STREAM
from kraken_cli.output.lines import LineEncoder
from kraken_cli.output.sanitize import csv_safe, for_terminal

Record = Mapping[str, Any]
WriteText = Callable[[str], None]
WriteRecord = Callable[[Record], None]
WriteRecords = Callable[[Sequence[Record]], None]


def output_error(exc: OSError, fd: int) -> OutputError:
    """Map a failed write to stdout (``fd``) to an OutputError; ``fd`` now goes to /dev/null.

    Diverting keeps the interpreter's final flush of buffered text from failing again.
    """
    detail = "it is closed" if exc.errno == errno.EBADF else (exc.strerror or str(exc))
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass
    return OutputError(
        f"cannot write to standard output: {detail}",
        hint="send the output to a file or pipe that accepts it (stdout closed or full?)",
    )


def text_writer(out: TextIO) -> WriteText:
    """Return ``text -> None`` writing to ``out``'s descriptor with one ``os.write`` per call."""
    return _writer(out, _same)


def jsonl_writer(out: TextIO) -> WriteRecord:
    """Return ``record -> None``: one compact JSON line per record (the stream's hot path)."""
    return _writer(out, LineEncoder())


def jsonl_lines_writer(out: TextIO) -> WriteRecords:
    """Return ``records -> None``: their JSON lines with one ``os.write`` (a stream's message)."""
    line: Callable[[Any], str] = LineEncoder()
    join = "".join

    def lines(records: Sequence[Record]) -> str:
        return join(map(line, records))

    return _writer(out, lines)


def _same(text: str) -> str:
    return text


def _writer(out: TextIO, render: Callable[[Any], str]) -> Callable[[Any], None]:
    """Return ``item -> None`` writing ``render(item)`` to ``out`` at once."""
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1  # a captured stdout (tests): no descriptor
    if fd < 0:

        def write_captured(item: Any) -> None:
            out.write(render(item))
            out.flush()

        return write_captured
    try:
        out.flush()  # anything buffered before must come first
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise output_error(exc, fd) from exc
    os_write = os.write

    def write_fd(item: Any) -> None:
        data = render(item).encode()
        try:
            done = os_write(fd, data)
        except BlockingIOError:
            done = 0  # a non-blocking stdout whose pipe is full
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise output_error(exc, fd) from exc
        if done != len(data):
            _write_rest(fd, data, done)

    return write_fd


def _write_rest(fd: int, data: bytes, done: int) -> None:
    """Write ``data[done:]``: finish a partial write, waiting while a non-blocking fd is full."""
    view = memoryview(data)
    while done < len(data):
        try:
            done += os.write(fd, view[done:])
        except BlockingIOError:
            select.select([], [fd], [])
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise output_error(exc, fd) from exc


def csv_writer(write_text: WriteText, columns: tuple[str, ...], kind: str) -> WriteRecord:
    """Return ``record -> None``: a header before the first record, then one row per record.

    The header is ``columns`` plus the first record's other keys; later keys outside it are
    left out (csv has one header). A book record becomes one row per level, ``side`` bid|ask.
    """
    import csv  # csv output only (start-up, issue 17)

    sheet = csv.writer(_Forward(write_text), lineterminator="\n")
    header: list[str] = []
    nested = kind in NESTED_STREAM

    def write_csv(record: Record) -> None:
        if not header:
            header.extend(columns_of(_flat_keys(record) if nested else record, columns))
            sheet.writerow([csv_safe(key) for key in header])
        for row in _level_rows(record) if nested else (record,):
            sheet.writerow([csv_safe(cell_text(row.get(key))) for key in header])

    return write_csv


def table_writer(write_text: WriteText, columns: tuple[str, ...]) -> WriteRecord:
    """Return ``record -> None``: an aligned text table, header once, a row per record.

    Widths come from the header and the first row; a longer value widens its row instead of
    being cut (a number is never truncated). Numbers align right. Cells are sanitised.
    """
    layout: list[tuple[str, int, bool]] = []  # (key, width, numeric)

    def write_row(record: Record) -> None:
        cells = {key: for_terminal(cell_text(value)) for key, value in record.items()}
        if not layout:
            for key in columns_of(record, columns):
                text = cells.get(key, "")
                layout.append((key, max(len(key), len(text)), _looks_numeric(text)))
            write_text(_line([(for_terminal(k), w, n) for k, w, n in layout]))
        write_text(_line([(cells.get(k, ""), w, n) for k, w, n in layout]))

    return write_row


def _line(cells: list[tuple[str, int, bool]]) -> str:
    parts = [text.rjust(width) if numeric else text.ljust(width) for text, width, numeric in cells]
    return "  ".join(parts).rstrip() + "\n"


def _looks_numeric(text: str) -> bool:
    return bool(text) and text.lstrip("+-").replace(".", "", 1).isdigit()


def _flat_keys(record: Record) -> dict[str, Any]:
    """Return the keys a flattened book row has: the record's, ``side/price/volume`` for levels."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key in ("bids", "asks"):
            flat.setdefault("side", None)
            flat.setdefault("price", None)
            flat.setdefault("volume", None)
        else:
            flat[key] = value
    return flat


def _level_rows(record: Record) -> list[dict[str, Any]]:
    """Return one row per book level: the record's scalar fields + ``side, price, volume``."""
    base = {k: v for k, v in record.items() if k not in ("bids", "asks")}
    rows = []
    for side, key in (("bid", "bids"), ("ask", "asks")):
        for level in record.get(key) or ():
            price, volume = level[0], level[1]
            rows.append({**base, "side": side, "price": price, "volume": volume})
    return rows


class _Forward:
    """A file-like ``write`` for csv.writer (it writes each row with a single call)."""

    def __init__(self, write_text: WriteText) -> None:
        self.write = write_text
