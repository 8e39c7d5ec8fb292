"""krx archive compact: one file per symbol-day, the same rows in archive order, readable by
DuckDB; running it again changes nothing; a crash at any step leaves every row visible once
(or, between two renames, briefly hidden) and the next run finishes the job."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from kraken_cli.archive import compact, layout
from kraken_cli.archive.query import run_query
from kraken_cli.archive.writer import ArchiveWriter, last_trade_id
from tests.archive.test_writer import trade
from tests.support.env import krx_env

DAY = date(2026, 11, 29)


def _archive(root: Path, trades: int = 45) -> None:
    """Write trades of two symbols on DAY in parts of 10 rows, the parts shuffled in name."""
    writer = ArchiveWriter(root, "spot", max_rows=10, row_group_rows=4)
    for n in range(1, trades + 1):
        writer.write("trades", "BTC/USD", trade(n, day=29))
        writer.write("trades", "ETH/USD", trade(1000 + n, day=29))
    writer.write("trades", "BTC/USD", trade(9000, day=30))  # another day: left alone
    writer.close()


def _ids(root: Path, symbol: str = "BTC/USD") -> list[int]:
    sql = f"SELECT trade_id FROM trades WHERE symbol = '{symbol}' AND date = '2026-11-29'"
    return [r["trade_id"] for r in run_query(root, sql)]


def _parts(root: Path, symbol: str = "BTC-USD", day: date = DAY) -> list[Path]:
    return sorted(layout.committed(root, f"**/symbol={symbol}/date={day}/*.parquet"))


def test_compact_merges_a_day_into_one_file_in_trade_order(tmp_path: Path) -> None:
    _archive(tmp_path)
    assert len(_parts(tmp_path)) == 5
    done = list(compact.compact_tree(tmp_path, DAY))
    assert {(d["symbol"], d["parts"], d["rows"]) for d in done} == {
        ("BTC-USD", 5, 45),
        ("ETH-USD", 5, 45),
    }
    (merged,) = _parts(tmp_path)
    assert merged.name.startswith("compacted-")
    ids = pq.read_table(merged, columns=["trade_id"]).column(0).to_pylist()
    assert ids == list(range(1, 46))  # archive order, whatever the part names
    assert sorted(_ids(tmp_path)) == list(range(1, 46))  # DuckDB reads it, once each
    assert len(_parts(tmp_path, day=date(2026, 11, 30))) == 1
    assert last_trade_id(tmp_path, "spot", "BTC/USD") == 9000  # resume still sees the stats
    assert not list(tmp_path.glob("**/.*"))  # nothing hidden left behind


def test_compact_again_is_a_no_op(tmp_path: Path) -> None:
    _archive(tmp_path)
    list(compact.compact_tree(tmp_path, DAY))
    before = {p: p.stat().st_mtime_ns for p in layout.committed(tmp_path)}
    again = list(compact.compact_tree(tmp_path, DAY))
    assert {d["parts"] for d in again} == {0}
    assert {p: p.stat().st_mtime_ns for p in layout.committed(tmp_path)} == before


def test_new_parts_after_a_compaction_are_merged_with_it(tmp_path: Path) -> None:
    _archive(tmp_path)
    list(compact.compact_tree(tmp_path, DAY))
    writer = ArchiveWriter(tmp_path, "spot")
    writer.write("trades", "BTC/USD", trade(46, day=29))
    writer.close()
    (done,) = [d for d in compact.compact_tree(tmp_path, DAY) if d["symbol"] == "BTC-USD"]
    assert done["parts"] == 2 and done["rows"] == 46
    assert sorted(_ids(tmp_path)) == list(range(1, 47))


@pytest.mark.parametrize("hidden", [0, 2, 5])
def test_a_crash_after_the_merge_is_decided_is_finished_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hidden: int
) -> None:
    _archive(tmp_path)
    directory = _parts(tmp_path)[0].parent
    gone: list[int] = []

    def crash(ready: Path) -> None:  # killed inside _finish, after hiding ``hidden`` sources
        for part in sorted(layout.committed(directory, "*.parquet"))[:hidden]:
            gone.extend(pq.read_table(part, columns=["trade_id"]).column(0).to_pylist())
            part.rename(part.with_name(f".{part.name}{compact.REPLACED}"))
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(compact, "_finish", crash)
        with pytest.raises(KeyboardInterrupt):
            compact.compact_dir(directory)
    visible = _ids(tmp_path)
    assert sorted(visible + gone) == list(range(1, 46))  # hidden for a moment, never doubled
    compact.recover_tree(tmp_path)  # what the next archive or compact run does first
    assert sorted(_ids(tmp_path)) == list(range(1, 46))
    assert len(_parts(tmp_path)) == 1 and not list(directory.glob(".*"))


def test_a_crash_during_the_merge_leaves_the_parts_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _archive(tmp_path)
    directory = _parts(tmp_path)[0].parent
    real = compact._merge

    def crash(parts: list[Path], tmp: Path, order: Any) -> int:
        real(parts, tmp, order)
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(compact, "_merge", crash)
        with pytest.raises(KeyboardInterrupt):
            compact.compact_dir(directory)
    assert sorted(_ids(tmp_path)) == list(range(1, 46)) and len(_parts(tmp_path)) == 5
    list(compact.compact_tree(tmp_path, DAY))
    assert sorted(_ids(tmp_path)) == list(range(1, 46)) and not list(directory.glob(".*"))


def test_cli_compact_past_days_and_bad_date(tmp_path: Path) -> None:
    _archive(tmp_path / "a")
    env = krx_env(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "archive", "compact", str(tmp_path / "a"),
         "--format", "json"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert '"parts": 5' in run.stdout or '"parts":5' in run.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "kraken_cli", "archive", "compact", str(tmp_path / "a"),
         "--date", "29-11-2026"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
