"""krx archive's progress on stderr: one summary a minute, every part only with --debug."""

from __future__ import annotations

from pathlib import Path

from kraken_cli.cli.archive_cmd import CommitReport
from tests.support.fakes import FakeClock


def test_parts_are_summed_between_reports() -> None:
    clock, lines = FakeClock(), []
    report = CommitReport(60, clock=clock, write=lines.append)
    report(Path("a.parquet"), 5)  # the first part is reported at once
    for n in range(10):
        clock.advance(5)
        report(Path(f"b{n}.parquet"), 100)
    clock.advance(20)  # 70 s since the first report
    report(Path("c.parquet"), 7)
    assert lines == [
        "krx: archived 5 rows: a.parquet\n",
        "krx: archived 1007 rows in 11 parts (latest: c.parquet)\n",
    ]


def test_debug_reports_every_part() -> None:
    lines: list[str] = []
    report = CommitReport(0, clock=FakeClock(), write=lines.append)
    report(Path("a.parquet"), 1)
    report(Path("b.parquet"), 2)
    assert lines == ["krx: archived 1 rows: a.parquet\n", "krx: archived 2 rows: b.parquet\n"]
