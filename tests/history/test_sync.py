"""Downloading into the store: no gap, no duplicate, resumable, cached, for any page cuts."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kraken_cli.models.market import Candle
from kraken_cli.services.history.aggregate import Precision
from kraken_cli.services.history.candle_sources import trade_candles
from kraken_cli.services.history.candles import HistoryProgress, sync_trades
from kraken_cli.services.history.store import StoredTrade, TradeStore
from tests.history.fakes import NS, FakeTrades, make_tape
from tests.history.reference import reference_candles

PAIR = "XXBTZUSD"


def _store(tmp: Path) -> TradeStore:
    return TradeStore(tmp / "trades.sqlite")


def _stored(store: TradeStore, start: int, end: int) -> list[tuple[int, str, str]]:
    return list(store.iter_trades(PAIR, start, end))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10**6),
    page_size=st.integers(1, 50),
    inclusive=st.booleans(),
    mode=st.sampled_from(["cut", "trim", "short"]),
    lo=st.integers(0, 299),
    hi=st.integers(0, 300),
)
def test_any_paging_gives_exactly_the_tape(
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    page_size: int,
    inclusive: bool,
    mode: str,
    lo: int,
    hi: int,
) -> None:
    tape = make_tape(300, seed)
    # no client can page losslessly through a run of equal timestamps longer than a page
    page_size = max(page_size, _longest_run(tape) + 1)
    lo, hi = sorted((lo, hi))
    start = tape[lo].time_ns
    end = tape[hi].time_ns if hi < len(tape) else tape[-1].time_ns + 1
    api = FakeTrades(
        tape,
        seed=seed,
        inclusive=inclusive,
        page_size=page_size,
        trim=mode == "trim",
        short=mode == "short",
    )
    with _store(tmp_path_factory.mktemp("s")) as store:
        sync_trades(store, PAIR, start, end, api, page_size=page_size)
        want = [(t.time_ns, t.price, t.volume) for t in tape if start <= t.time_ns < end]
        assert _stored(store, start, end) == want
        got: dict[int, list[Candle]] = {60: [], 3600: []}
        a, b = -(-start // NS), end // NS
        for period, candle in trade_candles(store, PAIR, [60, 3600], a, b, Precision(1, 8)):
            got[period].append(candle)
        inside = [w for w in want if a * NS <= w[0] < b * NS]
        assert got[60] == reference_candles(inside, 60, 1, 8)
        assert got[3600] == reference_candles(inside, 3600, 1, 8)
        calls = api.calls
        sync_trades(store, PAIR, start, end, api, page_size=page_size)
        assert api.calls == calls  # a repeated query is served from the store


def _longest_run(tape: list[StoredTrade]) -> int:
    best = run = 1
    for a, b in itertools.pairwise(tape):
        run = run + 1 if a.time_ns == b.time_ns else 1
        best = max(best, run)
    return best


def test_interrupted_download_resumes_without_gap_or_duplicate(tmp_path: Path) -> None:
    tape = make_tape(2000, 5)
    start, end = tape[0].time_ns, tape[-1].time_ns + 1
    api = FakeTrades(tape, seed=3, page_size=100, fail_after=7)
    with _store(tmp_path) as store:
        with pytest.raises(ConnectionError):
            sync_trades(store, PAIR, start, end, api, page_size=100)
        partial = store.coverage(PAIR)
        assert len(partial) == 1 and partial[0][0] == start - 1
        api.fail_after = None
        sync_trades(store, PAIR, start, end, api, page_size=100)
        # the resumed download starts where the committed coverage stopped
        assert api.sinces[7] == partial[0][1]
        assert _stored(store, start, end) == [(t.time_ns, t.price, t.volume) for t in tape]
        assert store.coverage(PAIR) == [(start - 1, store.coverage(PAIR)[0][1])]


def test_wider_range_fetches_only_what_is_missing(tmp_path: Path) -> None:
    tape = make_tape(3000, 9)
    mid_a, mid_b = tape[1000].time_ns, tape[2000].time_ns
    api = FakeTrades(tape, page_size=1000)
    with _store(tmp_path) as store:
        sync_trades(store, PAIR, mid_a, mid_b, api)
        first = api.sinces[:]
        sync_trades(store, PAIR, tape[0].time_ns, tape[-1].time_ns + 1, api)
        later = api.sinces[len(first) :]
        # nothing requested again inside the covered middle
        cov_hi = store.coverage(PAIR)[0][1]
        assert not [s for s in later if mid_a <= s < mid_b - NS and s < cov_hi - NS]
        assert len(_stored(store, 0, 2**63 - 1)) == 3000


def test_progress_reports_reach_the_end(tmp_path: Path) -> None:
    tape = make_tape(500, 2)
    seen: list[HistoryProgress] = []
    with _store(tmp_path) as store:
        sync_trades(
            store,
            PAIR,
            tape[0].time_ns,
            tape[-1].time_ns + 1,
            FakeTrades(tape, page_size=100),
            progress=seen.append,
            page_size=100,
        )
    assert seen[-1].finished and seen[-1].trades == 500
    assert seen[-2].done_ns <= seen[-2].total_ns


def test_precision_of_stored_strings_is_kept(tmp_path: Path) -> None:
    tape = make_tape(50, 1)
    with _store(tmp_path) as store:
        sync_trades(store, PAIR, tape[0].time_ns, tape[-1].time_ns + 1, FakeTrades(tape))
        (p, v) = next(iter(store.iter_full(PAIR, 0, 2**62)))[2:4]
        assert (p, v) == (tape[0].price, tape[0].volume)
        got = list(trade_candles(store, PAIR, [60], 0, 2**33, Precision(1, 8)))
        assert sum(c.count for _, c in got) == 50
