"""Where imported archive trades (no id, whole seconds) meet REST trades: no gap, no duplicate."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kraken_cli.services.history.archive_csv import discover
from kraken_cli.services.history.importer import import_archives
from kraken_cli.services.history.seam import splice
from kraken_cli.services.history.store import StoredTrade, TradeStore
from tests.history.test_import import FULL

NS = 1_000_000_000
ROWS = [line.split(",") for line in FULL.read_text().splitlines()]


def _rest_page(first: int) -> tuple[list[StoredTrade], int, int]:
    """REST trades for the archive rows from ``first`` on, as if a download began mid-second.

    Times inside a second are spread by position; the page proves ``(lo, hi]`` complete, ``lo``
    just before the first REST trade (so the archive row before it in that second is not REST's).
    """
    out = []
    for i, (ts, price, volume) in enumerate(ROWS[first:], start=first):
        position = sum(1 for r in ROWS[:i] if r[0] == ts)
        t = int(ts) * NS + (position + 1) * 100_000_000
        out.append(StoredTrade(90_000 + i, t, price, volume, "b", "l"))
    return out, out[0].time_ns - 1, out[-1].time_ns


@pytest.mark.parametrize("rest_first", [True, False])
def test_rest_and_archive_make_one_tape(tmp_path: Path, rest_first: bool) -> None:
    first = 103  # shares its second with row 102
    assert ROWS[102][0] == ROWS[103][0]
    page, lo, hi = _rest_page(first)
    with TradeStore(tmp_path / "t.sqlite") as store:
        if rest_first:
            store.add_page("BCHEUR", page, lo, hi)
        import_archives(store, discover([FULL]), lambda f: "BCHEUR")
        if not rest_first:
            store.add_page("BCHEUR", page, lo, hi)
        tape = list(store.iter_trades("BCHEUR", 0, 2**62))
    # every archive trade exactly once, in order; the REST ones with their exact times
    assert [(p, v) for _, p, v in tape] == [(p, v) for _, p, v in ROWS]
    assert sum(Decimal(v) for _, _, v in tape) == sum(Decimal(v) for _, _, v in ROWS)
    assert [t for t, _, _ in tape[first:]] == [t.time_ns for t in page]
    assert tape[first - 1][0] == int(ROWS[102][0]) * NS  # the archive's own row of that second


def test_rest_download_starts_where_the_archive_ends(tmp_path: Path) -> None:
    with TradeStore(tmp_path / "t.sqlite") as store:
        import_archives(store, discover([FULL]), lambda f: "BCHEUR")
        start, end = int(ROWS[0][0]) * NS, (int(ROWS[-1][0]) + 3600) * NS
        # no gap and no overlap: only what follows the archive's last second is missing
        assert store.missing("BCHEUR", start - 1, end) == [((int(ROWS[-1][0]) + 1) * NS - 1, end)]


def test_splice_keeps_the_archive_when_rest_does_not_match() -> None:
    archive = [(5 * NS, "1.0", "2"), (5 * NS, "1.1", "3")]
    matched = [(5 * NS + 7, "1.10", "3.0")]
    assert splice(matched, archive) == [archive[0], matched[0]]
    assert splice([(5 * NS + 7, "9", "9")], archive) == archive
