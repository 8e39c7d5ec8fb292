"""numpy's whole-chunk validation of trade rows gives the pure path's verdicts, row for row."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kraken_cli.errors import UsageError
from kraken_cli.services.history.archive_csv import (
    ArchiveFormatError,
    _check_trades,
    _plain_numbers,
    discover,
    trade_chunks,
)
from kraken_cli.services.history.archive_vector import check_rows
from kraken_cli.services.history.importer import import_archives
from kraken_cli.services.history.store import TradeStore

pytest.importorskip("numpy")

ARCHIVE = Path(__file__).resolve().parents[1] / "fixtures" / "archive"

_DIGITS = st.text("0123456789", min_size=1, max_size=30)
_DECIMAL = st.one_of(_DIGITS, st.builds(lambda a, b: f"{a}.{b}", _DIGITS, _DIGITS))
#: what Decimal accepts, or nearly, that the archive reader must treat one way on both paths
_ODD = st.sampled_from(
    [
        "",
        " 1.5",
        "1.5 ",
        "+1.5",
        "-1.5",
        ".5",
        "5.",
        "1.2.3",
        "1..2",
        "4E+2",
        "1e-8",
        "1E8",
        "1.5E-3",
        "E5",
        "1e",
        "NaN",
        "Infinity",
        "0x10",
        "1_000",
        "١٢",
        "1/2",
        "00000.000000",
        "0" * 40 + "." + "9" * 60,
    ]
)
_EXPONENT = st.sampled_from(["4E+2", "1e-8", "1E8", "1.5E-3", "2.50000000E+3"])
_STAMP_ODD = st.sampled_from(["", "12345", "0" * 11, "\uff11" * 10, "16725314.6", " 1672531436"])


@st.composite
def _bodies(draw: st.DrawFn) -> bytes:
    """Rows in time order, runs sharing a second; in one body of three, a few malformed fields."""
    broken = draw(st.integers(0, 2)) == 0
    number = st.one_of(_DECIMAL, _EXPONENT) if draw(st.integers(0, 3)) == 0 else _DECIMAL

    def odd() -> bool:  # about one field in 16 of a broken body
        return broken and draw(st.integers(0, 15)) == 0

    ts = draw(st.integers(1_000_000_000, 9_999_999_000))
    lines = []
    for _ in range(draw(st.integers(1, 40))):
        ts += -1 if odd() else draw(st.sampled_from([0, 0, 1, 2, 1000]))
        fields = [draw(_STAMP_ODD) if odd() else str(ts)]
        fields += [draw(_ODD if odd() else number) for _ in range(3 if odd() else 2)]
        lines.append(",".join(fields))
    if odd():
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["", ",", "a,b,c"])))
    return ("\n".join(lines) + "\n").encode()


def _pure(body: bytes, prev: int) -> object:
    try:
        return _check_trades(body, "X.csv", 1, prev)
    except ArchiveFormatError:
        return "bad"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_bodies(), st.sampled_from([-1, 0, 1_500_000_000, 9_999_999_999]))
def test_check_rows_accepts_exactly_what_the_pure_path_accepts(body: bytes, prev: int) -> None:
    if b"E" in body or b"e" in body:
        assert check_rows(body, prev) is None  # exponents are written out, then checked again
        body = _plain_numbers(body)
    pure = _pure(body, prev)
    assert check_rows(body, prev) == (None if pure == "bad" else pure)


def _outcome(data: bytes, chunk: int, fast: bool) -> object:
    try:
        return [
            (c.data, c.first_line, c.rows, c.first_s, c.last_s, c.final)
            for c in trade_chunks(io.BytesIO(data), "X.csv", chunk, fast=fast)
        ]
    except ArchiveFormatError as exc:
        return exc.line, exc.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_bodies(), st.integers(8, 400), st.booleans())
def test_both_paths_read_the_same_chunks_or_name_the_same_line(
    body: bytes, chunk: int, crlf: bool
) -> None:
    data = body.replace(b"\n", b"\r\n") if crlf else body
    assert _outcome(data, chunk, fast=True) == _outcome(data, chunk, fast=False)


def _store_rows(path: Path, fast: bool, chunk: int) -> tuple[list[tuple[object, ...]], ...]:
    with TradeStore(path) as store:
        import_archives(
            store,
            discover([ARCHIVE]),
            lambda f: f.altname,
            chunk_bytes=chunk,
            fast=fast,
        )
        db = store._db  # the whole archive side, as stored
        blocks = db.execute(
            "SELECT pair, import_id, first_s, last_s, rank, rows, data FROM archive_blocks "
            "ORDER BY id"
        ).fetchall()
        coverage = db.execute("SELECT * FROM archive_coverage ORDER BY rowid").fetchall()
        imports = db.execute("SELECT * FROM archive_imports ORDER BY id").fetchall()
        pid = store.archive.pid("BCHEUR")
        trades = list(store.archive.trades(pid, 0, 2**62))
    return blocks, coverage, imports, trades


@pytest.mark.parametrize("chunk", [512, 1 << 20])
def test_the_real_sample_rows_make_the_same_store_on_both_paths(tmp_path: Path, chunk: int) -> None:
    fast = _store_rows(tmp_path / "fast.sqlite", True, chunk)
    pure = _store_rows(tmp_path / "pure.sqlite", False, chunk)
    assert fast == pure
    assert len(fast[3]) == 634  # every BCHEUR trade of the full and the incremental file


def _import_outcome(tmp: Path, name: str, data: bytes, chunk: int, fast: bool) -> object:
    folder = tmp / name
    folder.mkdir()
    (folder / "XBTUSD.csv").write_bytes(data)
    with TradeStore(folder / "t.sqlite") as store:
        try:
            import_archives(
                store,
                discover([folder / "XBTUSD.csv"]),
                lambda f: "XBTUSD",
                chunk_bytes=chunk,
                fast=fast,
            )
        except UsageError as exc:  # a malformed row, or a first row of the wrong shape
            error: object = (getattr(exc, "line", None), exc.message.replace(str(folder), ""))
        else:
            error = None
        pid = store.archive.pid("XBTUSD")
        return error, list(store.archive.trades(pid, 0, 2**62)), store.archive.ranges(pid, "trades")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_bodies(), st.integers(16, 300))
def test_generated_files_make_the_same_store_or_the_same_error(
    tmp_path_factory: pytest.TempPathFactory, body: bytes, chunk: int
) -> None:
    tmp = tmp_path_factory.mktemp("both")
    fast = _import_outcome(tmp, "fast", body, chunk, fast=True)
    assert fast == _import_outcome(tmp, "pure", body, chunk, fast=False)
    error, trades, _ = fast
    if error is not None:
        assert trades == []  # nothing of a file with a malformed row stays
