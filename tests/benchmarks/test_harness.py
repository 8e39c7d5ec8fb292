"""The `make bench` harness: results travel as tagged lines and add up to one summary table."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from tests.support.env import REPO_ROOT


@pytest.fixture(autouse=True)
def bench_on_path() -> Iterator[None]:
    # the benchmarks import their helpers as top-level modules (run as scripts from bench/)
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    yield
    sys.path.remove(str(REPO_ROOT / "bench"))


def test_a_time_passes_at_or_under_its_ratio_target() -> None:
    from _util import Result

    assert Result("ticker", 100.0, 50.0, "ms", 2.0).passed
    assert not Result("ticker", 101.0, 50.0, "ms", 2.0).passed
    assert Result("ticker", 100.0, 50.0, "ms", 2.0).target_text() == "<= 2.00x floor"


def test_a_rate_passes_at_or_over_its_ratio_target() -> None:
    from _util import Result

    rate = Result("trades", 80_000, 100_000, "msgs/s", 0.8, higher_is_better=True)
    assert rate.passed
    assert rate.ratio == pytest.approx(0.8)
    assert rate.target_text() == ">= 0.80x floor"


def test_without_a_floor_the_target_bounds_the_figure() -> None:
    from _util import Result

    memory = Result("peak RSS", 120.0, None, "MB", 150)
    assert memory.ratio is None
    assert memory.passed
    assert memory.target_text() == "<= 150 MB"


def test_a_reported_result_is_read_back_whole(capsys: pytest.CaptureFixture[str]) -> None:
    from _util import Result, parse_result, report

    sent = [Result("a", 1.5, 1.0, "ms", 2.0), Result("b", 3.0, 1.0, "ms", 2.0)]
    assert report(sent) is False
    lines = capsys.readouterr().out.splitlines()
    assert [parse_result(line) for line in lines] == sent
    assert parse_result("| a table row |") is None


def test_the_summary_names_a_bench_that_failed_without_figures() -> None:
    from _util import Result
    from run_all import summary_rows

    assert summary_rows("serve", 1, []) == [
        ["serve", "(no figures reported)", "", "", "", "", "FAIL (exit 1)"]
    ]
    row = summary_rows("startup", 0, [Result("krx ticker", 90.0, 50.0, "ms", 2.0)])[0]
    assert row == ["startup", "krx ticker", "90 ms", "50 ms", "1.80x", "<= 2.00x floor", "pass"]
