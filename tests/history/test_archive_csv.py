"""The archive CSV reader: chunks of whole seconds, tolerant of line endings, strict on rows."""

from __future__ import annotations

import io
import sys

import pytest

from kraken_cli.services.history.archive_csv import (
    ArchiveFormatError,
    _vector_check,
    parse_name,
    split_rows,
    trade_chunks,
)

ROWS = [
    b"1672531436,90.540000,1.10448420",
    b"1672531436,90.450000,1.00000000",
    b"1672531436,90.360000,0.28600000",
    b"1672531437,90.300000,2",
    b"1672531440,90.3,1E-8",
]


def _read(data: bytes, chunk: int = 1 << 20) -> list[list[bytes]]:
    out: list[list[bytes]] = []
    for c in trade_chunks(io.BytesIO(data), "X.csv", chunk):
        out += split_rows(c.data)
    return out


def test_line_endings_header_and_last_newline_do_not_matter() -> None:
    want = _read(b"\n".join(ROWS) + b"\n")
    assert len(want) == 5 and want[-1] == [b"1672531440", b"90.3", b"0.00000001"]
    assert _read(b"\r\n".join(ROWS)) == want
    assert _read(b"timestamp,price,volume\n" + b"\n".join(ROWS)) == want


def test_chunks_never_split_a_second_and_keep_every_row() -> None:
    data = b"\n".join(ROWS) + b"\n"
    chunks = list(trade_chunks(io.BytesIO(data), "X.csv", 40))
    assert [c.rows for c in chunks] == [3, 1, 1]
    assert [c.first_line for c in chunks] == [1, 4, 5]
    assert chunks[-1].final and not chunks[0].final


def test_a_bad_row_is_named_by_line() -> None:
    data = b"\n".join([*ROWS[:3], b"1672531437,,1", ROWS[4]]) + b"\n"
    with pytest.raises(ArchiveFormatError) as info:
        _read(data)
    assert info.value.line == 4 and "bad price ''" in info.value.message


def test_names() -> None:
    assert parse_name("XBTUSD.csv") == ("XBTUSD", None)
    assert parse_name("xdgusd_1440.csv") == ("XDGUSD", 1440)
    assert parse_name("README.md") is None


def test_without_numpy_the_pure_path_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"\n".join(ROWS) + b"\n"
    want = _read(data)
    monkeypatch.setitem(sys.modules, "numpy", None)  # `import numpy` raises ImportError
    assert _vector_check() is None
    assert _read(data) == want
