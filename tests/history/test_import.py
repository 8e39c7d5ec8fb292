"""``krx history import`` on Kraken's real archive rows: every trade kept exactly once."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from kraken_cli.services.history.aggregate import NS
from kraken_cli.services.history.archive_csv import ArchiveFile, ArchiveFormatError, discover
from kraken_cli.services.history.archive_store import TRADES
from kraken_cli.services.history.importer import ImportProgress, import_archives
from kraken_cli.services.history.store import TradeStore

ARCHIVE = Path(__file__).resolve().parents[1] / "fixtures" / "archive"
FULL = ARCHIVE / "BCHEUR.csv"
INCREMENTAL = ARCHIVE / "incremental_q2" / "BCHEUR.csv"
NAMES = {"BCHEUR": "BCHEUR", "XBTUSD": "XXBTZUSD", "ETHUSD": "XETHZUSD"}


def _name(f: ArchiveFile) -> str:
    return NAMES[f.altname]


def _rows(*paths: Path) -> list[tuple[int, str, str]]:
    out = []
    for path in paths:
        for line in path.read_text().splitlines():
            ts, price, volume = line.split(",")
            out.append((int(ts) * NS, price, volume))
    return out


def _import(store: TradeStore, *paths: Path, **kw: object) -> list:  # type: ignore[type-arg]
    return import_archives(store, discover(list(paths)), _name, **kw)  # type: ignore[arg-type]


def _stored(store: TradeStore, pair: str = "BCHEUR") -> list[tuple[int, str, str]]:
    return list(store.iter_trades(pair, 0, 2**62))


def test_full_and_incremental_keep_all_634_trades_exactly(tmp_path: Path) -> None:
    expected = _rows(FULL, INCREMENTAL)
    assert len(expected) == 634 and len({t for t, _, _ in expected}) == 340
    with TradeStore(tmp_path / "t.sqlite") as store:
        results = _import(store, ARCHIVE)
        trades = [r for r in results if r.kind == TRADES]
        assert [(r.rows, r.added) for r in trades] == [(148, 148), (486, 486)]
        stored = _stored(store)
        # every row, in file order (trades sharing a second keep their order), same text
        assert stored == expected
        total = sum(Decimal(v) for _, _, v in stored)
        assert total == sum(Decimal(v) for _, _, v in expected) == Decimal("1461.89091704")


def test_reimport_is_a_no_op_even_under_another_name(tmp_path: Path) -> None:
    with TradeStore(tmp_path / "t.sqlite") as store:
        _import(store, FULL, INCREMENTAL)
        again = _import(store, FULL, INCREMENTAL)
        assert [r.skipped for r in again] == [True, True]
        copy = tmp_path / "copy" / "BCHEUR.csv"
        copy.parent.mkdir()
        shutil.copy(FULL, copy)
        (renamed,) = _import(store, copy)
        assert (renamed.skipped, renamed.rows, renamed.added) == (False, 148, 0)
        assert len(_stored(store)) == 634


@pytest.mark.parametrize("order", ["mid-full-inc", "inc-mid-full", "full-inc-mid", "inc-full-mid"])
def test_overlapping_archives_never_double_a_trade(tmp_path: Path, order: str) -> None:
    lines = FULL.read_text().splitlines() + INCREMENTAL.read_text().splitlines()
    # a file across the seam of the two, cut inside seconds at both ends
    mid = tmp_path / "mid" / "BCHEUR.csv"
    mid.parent.mkdir()
    mid.write_text("\n".join(lines[103:300]) + "\n")
    assert lines[102].split(",")[0] == lines[103].split(",")[0]
    assert lines[299].split(",")[0] == lines[300].split(",")[0]
    files = {"full": FULL, "inc": INCREMENTAL, "mid": mid}
    with TradeStore(tmp_path / "t.sqlite") as store:
        results = _import(store, *(files[k] for k in order.split("-")))
        assert sum(r.added for r in results) == 634
        assert _stored(store) == _rows(FULL, INCREMENTAL)


def test_a_zip_with_folders_imports_the_same(tmp_path: Path) -> None:
    bundle = tmp_path / "kraken.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(FULL, "master_q4/BCHEUR.csv")
        z.write(INCREMENTAL, "incremental_q2/BCHEUR.csv")
        z.write(ARCHIVE / "XBTUSD_1440.csv", "master_q4/XBTUSD_1440.csv")
        z.writestr("__MACOSX/master_q4/._BCHEUR.csv", b"\x00junk")
    with TradeStore(tmp_path / "t.sqlite") as store:
        results = _import(store, bundle)
        assert sorted((r.file.split(":")[-1], r.rows) for r in results) == [
            ("incremental_q2/BCHEUR.csv", 486),
            ("master_q4/BCHEUR.csv", 148),
            ("master_q4/XBTUSD_1440.csv", 2722),
        ]
        assert _stored(store) == _rows(FULL, INCREMENTAL)


def test_malformed_row_names_file_and_line_and_imports_nothing_of_it(tmp_path: Path) -> None:
    lines = INCREMENTAL.read_text().splitlines()
    lines[400] = lines[400].replace(",", ";", 1)
    bad = tmp_path / "BCHEUR.csv"
    bad.write_text("\n".join(lines) + "\n")
    with TradeStore(tmp_path / "t.sqlite") as store:
        _import(store, FULL)
        with pytest.raises(ArchiveFormatError) as info:
            # small chunks: earlier chunks of the bad file were committed, then undone
            _import(store, bad, chunk_bytes=512)
        assert info.value.line == 401 and str(bad) in info.value.message
        assert "expected 3 fields" in info.value.message
        assert _stored(store) == _rows(FULL)
        assert store.archive.ranges(store.archive.pid("BCHEUR"), TRADES) == [
            (1672531436, 1672615188)
        ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("1672620536,90.07.1,1.1", "bad price"),
        ("1672620536,90.07,", "bad amount"),
        ("167262053,90.07,1.1", "bad timestamp"),
        ("1672620000,90.07,1.1", "goes back in time"),
    ],
)
def test_each_malformed_shape_is_named(tmp_path: Path, row: str, reason: str) -> None:
    lines = INCREMENTAL.read_text().splitlines()
    lines.insert(10, row)
    bad = tmp_path / "BCHEUR.csv"
    bad.write_text("\n".join(lines) + "\n")
    with TradeStore(tmp_path / "t.sqlite") as store, pytest.raises(ArchiveFormatError) as info:
        _import(store, bad)
    assert info.value.line == 11 and reason in info.value.message


def test_interrupted_import_resumes_without_gap_or_duplicate(tmp_path: Path) -> None:
    reports: list[ImportProgress] = []

    def stop_after_two_chunks(event: ImportProgress) -> None:
        reports.append(event)
        if len(reports) == 2:
            raise KeyboardInterrupt

    with TradeStore(tmp_path / "t.sqlite") as store:
        with pytest.raises(KeyboardInterrupt):
            _import(store, INCREMENTAL, chunk_bytes=2048, progress=stop_after_two_chunks)
        kept = len(_stored(store))
        assert 0 < kept < 486 and kept == reports[-1].rows
        (resumed,) = _import(store, INCREMENTAL, chunk_bytes=2048)
        assert (resumed.rows, resumed.added) == (486, 486 - kept)
        assert _stored(store) == _rows(INCREMENTAL)
        assert _import(store, INCREMENTAL)[0].skipped


def test_ohlcvt_rows_are_stored_as_written(tmp_path: Path) -> None:
    with TradeStore(tmp_path / "t.sqlite") as store:
        (result,) = _import(store, ARCHIVE / "ETHUSD_1440.csv")
        assert (result.kind, result.rows) == ("m1440", 2058)
        pid = store.archive.pid("XETHZUSD")
        rows = list(store.archive.candles(pid, 1440, 0, 2**40))
        assert len(rows) == 2058
        # the archive writes 400 as "4E+2": kept as the same number, in plain notation
        assert rows[52] == (1443744000, "0.66601", "0.66601", "0.66467", "0.66467", "400", 3)


def test_a_trades_name_with_ohlcvt_rows_is_refused(tmp_path: Path) -> None:
    wrong = tmp_path / "XBTUSD.csv"
    shutil.copy(ARCHIVE / "XBTUSD_1440.csv", wrong)
    with TradeStore(tmp_path / "t.sqlite") as store, pytest.raises(Exception) as info:
        _import(store, wrong)
    assert "7 fields, not 3" in str(info.value)


def test_an_unreachable_pair_list_is_a_clear_usage_error() -> None:
    from kraken_cli.errors import NetworkError, UsageError
    from kraken_cli.services.history_import import pair_namer

    class Offline:
        def resolve(self, text: str) -> object:
            raise NetworkError("cannot reach api.kraken.com")

    (f,) = discover([FULL])
    name = pair_namer(Offline(), "https://api.kraken.com", None)  # type: ignore[arg-type]
    with pytest.raises(UsageError) as info:
        name(f)
    assert "cannot resolve 'BCHEUR'" in info.value.message
    assert info.value.hint is not None and "krx symbols" in info.value.hint


def test_a_new_store_has_16k_pages_and_an_older_one_keeps_its_own(tmp_path: Path) -> None:
    older = tmp_path / "older.sqlite"
    with sqlite3.connect(older) as db:  # a store made before 16 KB pages
        db.execute("PRAGMA page_size=4096")
        db.execute("PRAGMA journal_mode=WAL")
    db.close()
    for path, pages in ((tmp_path / "new.sqlite", 16384), (older, 4096)):
        with TradeStore(path) as store:
            _import(store, FULL, INCREMENTAL)
            assert store._db.execute("PRAGMA page_size").fetchone()[0] == pages
            assert _stored(store) == _rows(FULL, INCREMENTAL)
