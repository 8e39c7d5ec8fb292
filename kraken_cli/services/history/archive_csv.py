"""Kraken's downloadable archive CSVs: find the files (folders, ZIP members) and read them.

Two kinds of file, recognised by name and checked by shape (no header in either):
- trades ``<altname>.csv``: ``timestamp,price,amount`` (unix seconds, decimal text);
- OHLCVT ``<altname>_<minutes>.csv``: ``timestamp,open,high,low,close,volume,trades``.

ZIP members are read straight from the archive as a stream of byte chunks (``zipfile`` inflates
as we read); nothing is unpacked to disk and no file is held whole in memory.

Trades chunks are validated whole instead of parsed row by row: with numpy (the ``archive``
extra) by :mod:`~kraken_cli.services.history.archive_vector`, else by the distinct digit shapes
of the chunk's lines (C-speed string methods). Both accept exactly the same rows. When a check
fails, the chunk is re-read line by line to name the exact file, line and reason.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import IO, Final

from kraken_cli.errors import UsageError
from kraken_cli.services.history.archive_vector import Checked, check_rows, keep_freed_memory
from kraken_cli.services.history.prefetch import prefetch

ARCHIVE_MINUTES: Final = (1, 5, 15, 30, 60, 240, 720, 1440)
CHUNK_BYTES: Final = 1 << 20

_NAME = re.compile(r"^([A-Za-z0-9]+?)(?:_(\d+))?\.csv$")
_TS_WIDTH: Final = 10  # unix seconds 2001-09-09 .. 2286-11-20: every archive row
_DIGITS_TO_D: Final = bytes.maketrans(b"0123456789", b"dddddddddd")
_ROW_SHAPE = re.compile(rb"d{10},d+(?:\.d+)?,d+(?:\.d+)?")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_EXPONENT = re.compile(r"[0-9]+(?:\.[0-9]+)?[eE][-+]?[0-9]+")


class ArchiveFormatError(UsageError):
    """A malformed archive row: names the file and the line."""

    def __init__(self, name: str, line: int, reason: str) -> None:
        super().__init__(
            f"{name}, line {line}: {reason}",
            hint="nothing from this file was imported; fix or remove the row and import again",
        )
        self.file = name
        self.line = line


@dataclass(frozen=True)
class ArchiveFile:
    """One CSV to import: where it is, what it holds (``minutes`` None: trades)."""

    name: str
    altname: str
    minutes: int | None
    size: int
    fingerprint: str
    open: Callable[[], IO[bytes]]


def parse_name(filename: str) -> tuple[str, int | None] | None:
    """Return ``(altname, minutes)`` from ``XBTUSD.csv`` / ``XBTUSD_60.csv``; None otherwise."""
    m = _NAME.match(filename)
    if m is None:
        return None
    return m.group(1).upper(), int(m.group(2)) if m.group(2) else None


def discover(paths: Sequence[Path]) -> Iterator[ArchiveFile]:
    """Yield every archive CSV under ``paths`` (files, folders, ZIPs), in path order."""
    for path in paths:
        if path.is_dir():
            for sub in sorted(p for p in path.rglob("*") if p.is_file()):
                if sub.suffix.lower() in (".csv", ".zip"):
                    yield from _one(sub, explicit=False)
        elif path.is_file():
            yield from _one(path, explicit=True)
        else:
            raise UsageError(f"no such file or folder: {path}")


def _one(path: Path, *, explicit: bool) -> Iterator[ArchiveFile]:
    if path.suffix.lower() == ".zip" or (explicit and zipfile.is_zipfile(path)):
        yield from _zip_members(path)
        return
    kind = parse_name(path.name)
    if kind is None:
        if explicit:
            raise UsageError(
                f"{path}: not an archive file name (<PAIR>.csv or <PAIR>_<minutes>.csv)",
                hint="rename it, or give --symbol and a name like XBTUSD.csv",
            )
        return
    st = path.stat()

    def opener() -> IO[bytes]:
        return path.open("rb")

    yield ArchiveFile(
        str(path), kind[0], kind[1], st.st_size, f"{st.st_size}:{st.st_mtime_ns}", opener
    )


def _zip_members(path: Path) -> Iterator[ArchiveFile]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UsageError(f"{path}: not a readable ZIP ({exc})") from None
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            base = info.filename.rsplit("/", 1)[-1]
            kind = parse_name(base)
            if info.is_dir() or kind is None or info.filename.startswith("__MACOSX/"):
                continue

            def opener(info: zipfile.ZipInfo = info) -> IO[bytes]:
                # the member keeps the file open; closing the ZipFile now leaves it to the member
                with zipfile.ZipFile(path) as again:
                    return again.open(info)

            yield ArchiveFile(
                f"{path}:{info.filename}",
                kind[0],
                kind[1],
                info.file_size,
                f"{info.file_size}:{info.CRC:08x}",
                opener,
            )


# -- trades --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TradeChunk:
    """Whole seconds of trade rows, exactly as in the file (``ts,price,amount\\n`` lines)."""

    data: bytes
    first_line: int
    rows: int
    first_s: int
    last_s: int
    final: bool = False  # the file's last chunk


def trade_chunks(
    stream: IO[bytes],
    name: str,
    chunk_bytes: int = CHUNK_BYTES,
    *,
    fast: bool = True,
    read_ahead: int = 0,
) -> Iterator[TradeChunk]:
    """Yield validated chunks that never split a second; raise ArchiveFormatError on a bad row.

    ``fast``: validate with numpy when it is installed (the same verdicts, a few times faster).
    ``read_ahead``: read (and inflate, for a ZIP member) that many blocks ahead in a thread.
    """
    check = _checker(name, fast)
    blocks: Iterator[bytes] = iter(partial(stream.read, chunk_bytes), b"")
    if read_ahead:
        blocks = prefetch(blocks, depth=read_ahead)
    line = 1
    carry = b""
    last_s = -1
    while True:
        block = next(blocks, b"")
        eof = not block
        data = carry + block
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n")
        if eof:
            if data and not data.endswith(b"\n"):
                data += b"\n"
            cut = len(data)
        else:
            cut = data.rfind(b"\n") + 1
        body, carry = data[:cut], data[cut:]
        if line == 1 and body[:1].isalpha():  # tolerate a header line
            skip = body.find(b"\n") + 1
            body, line = body[skip:], 2
        if body:
            body, rows = check(body, line, last_s)
            keep = rows.rows if eof else rows.cut_row
            if keep == 0 and not eof:
                carry = body + carry  # one second fills the whole buffer: read on
                continue
            if keep < rows.rows:
                # the last second may go on in the next block: carry its lines over
                body, carry = body[: rows.cut_offset], body[rows.cut_offset :] + carry
            last_s = rows.last_s if keep == rows.rows else rows.before_cut_s
            yield TradeChunk(body, line, keep, rows.first_s, last_s, eof)
            line += keep
        if eof:
            return


Checker = Callable[[bytes, int, int], tuple[bytes, Checked]]
"""(body, its first line, the previous second) -> (body with plain numbers, its shape)."""


def _checker(name: str, fast: bool) -> Checker:
    """Return the chunk validator: numpy's whole-chunk checks if installed, else pure Python."""
    vector = _vector_check() if fast else None

    def check(body: bytes, first_line: int, prev_s: int) -> tuple[bytes, Checked]:
        if vector is not None and (rows := vector(body, prev_s)) is not None:
            return body, rows
        if b"E" in body or b"e" in body:
            body = _plain_numbers(body)
            if vector is not None and (rows := vector(body, prev_s)) is not None:
                return body, rows
        # a bad row (or no numpy): the pure path accepts the same rows and names the bad one
        return body, _check_trades(body, name, first_line, prev_s)

    return check


def _vector_check() -> Callable[[bytes, int], Checked | None] | None:
    # no linear algebra here: without this OpenBLAS starts a thread per core at import, and
    # they spin idle for a while (3 % of an import's CPU, taken from the reader and the writer)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        import numpy  # noqa: F401
    except ImportError:
        return None
    keep_freed_memory()
    return check_rows


def _check_trades(body: bytes, name: str, first_line: int, prev_s: int) -> Checked:
    """Return the chunk's shape; per-line C-speed checks, exact diagnosis on failure.

    Every digit becomes ``d``: a chunk of tens of thousands of rows has only a handful of
    distinct row shapes (``dddddddddd,dddd.ddddd,d.dddddddd`` ...), and only those are matched
    against the row pattern. The timestamp has 10 digits (fixed width: text order is time order).
    """
    lines = body.split(b"\n")
    lines.pop()  # body ends with a newline
    shapes = set(map(bytes.translate, lines, repeat(_DIGITS_TO_D)))
    if all(_ROW_SHAPE.fullmatch(shape) for shape in shapes):
        stamps = list(map(itemgetter(slice(0, _TS_WIDTH)), lines))
        if stamps == sorted(stamps) and int(stamps[0]) >= prev_s:
            cut = _second_start(stamps)
            offset = len(body) - sum(len(x) + 1 for x in lines[cut:])
            before = int(stamps[cut - 1]) if cut else -1
            return Checked(len(lines), int(stamps[0]), int(stamps[-1]), cut, offset, before)
    _diagnose(lines, name, first_line, prev_s)
    raise AssertionError("unreachable: _diagnose raises")  # pragma: no cover


def _second_start(stamps: list[bytes]) -> int:
    """Return the index of the first row of the last second (rows are in time order)."""
    last = stamps[-1]
    i = len(stamps) - 1
    while i > 0 and stamps[i - 1] == last:
        i -= 1
    return i


def _diagnose(lines: list[bytes], name: str, first_line: int, prev_s: int) -> None:
    """Raise ArchiveFormatError for the first bad line (slow path, only after a failed check)."""
    last = prev_s
    for i, raw in enumerate(lines):
        fields = raw.decode("ascii", "replace").split(",")
        where = first_line + i
        if len(fields) != 3:
            raise ArchiveFormatError(name, where, f"expected 3 fields, found {len(fields)}")
        ts = fields[0]
        if not ts.isdigit() or len(ts) != _TS_WIDTH:
            raise ArchiveFormatError(name, where, f"bad timestamp {ts!r} (unix seconds)")
        for label, text in (("price", fields[1]), ("amount", fields[2])):
            if not _NUMBER.fullmatch(text):
                raise ArchiveFormatError(name, where, f"bad {label} {text!r} (decimal text)")
        if int(ts) < last:
            raise ArchiveFormatError(name, where, f"timestamp {ts} goes back in time")
        last = int(ts)
    raise ArchiveFormatError(name, first_line, "unreadable rows")


def plain(text: str) -> str:
    """Return a number's text without exponent (the archive writes ``4E+2`` for 400)."""
    return format(Decimal(text), "f") if _EXPONENT.fullmatch(text) else text


def _plain_numbers(body: bytes) -> bytes:
    out = []
    for line in body.decode("ascii", "replace").split("\n"):
        out.append(",".join(plain(f) for f in line.split(",")))
    return "\n".join(out).encode("ascii", "replace")


def split_rows(body: bytes) -> list[list[bytes]]:
    """Return the ``[ts, price, amount]`` fields of each row of a validated chunk."""
    return [line.split(b",") for line in body.split(b"\n")[:-1]]


# -- OHLCVT --------------------------------------------------------------------------------------
OhlcvtRow = tuple[int, str, str, str, str, str, int]
"""(open time s, open, high, low, close, volume, trades) with the file's exact number text."""


def ohlcvt_rows(stream: IO[bytes], name: str) -> Iterator[tuple[int, OhlcvtRow]]:
    """Yield ``(line, row)`` for each OHLCVT row; raise ArchiveFormatError on a bad one."""
    last = -1
    for n, raw in enumerate(stream, start=1):
        text = raw.decode("ascii", "replace").strip()
        if not text or (n == 1 and text[:1].isalpha()):
            continue
        fields = text.split(",")
        if len(fields) != 7:
            raise ArchiveFormatError(name, n, f"expected 7 fields, found {len(fields)}")
        fields = [plain(f) for f in fields]
        ts, count = fields[0], fields[6]
        if not ts.isdigit():
            raise ArchiveFormatError(name, n, f"bad timestamp {ts!r} (unix seconds)")
        if not count.isdigit():
            raise ArchiveFormatError(name, n, f"bad trade count {count!r}")
        for text_value in fields[1:6]:
            if not _NUMBER.fullmatch(text_value):
                raise ArchiveFormatError(name, n, f"bad number {text_value!r}")
        if int(ts) <= last:
            raise ArchiveFormatError(name, n, f"timestamp {ts} is not after the previous row")
        last = int(ts)
        o, h, lo, c, v = fields[1:6]
        if not _ohlc_consistent(o, h, lo, c):
            raise ArchiveFormatError(name, n, "high/low do not bound open and close")
        yield n, (last, o, h, lo, c, v, int(count))


def _ohlc_consistent(o: str, h: str, lo: str, c: str) -> bool:
    try:
        do, dh, dl, dc = (Decimal(x) for x in (o, h, lo, c))
    except InvalidOperation:
        return False
    return dl <= min(do, dc) and max(do, dc) <= dh


def sniff_fields(stream: IO[bytes]) -> int:
    """Return the number of fields of the first data row (0 for an empty file)."""
    for raw in stream:
        text = raw.strip()
        if text and not text[:1].isalpha():
            return text.count(b",") + 1
    return 0
