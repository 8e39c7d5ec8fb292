"""Unit tests of the deterministic tape, Trades paging and OHLC aggregation (no server)."""

from __future__ import annotations

import itertools
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_cli.sandbox.market import PAIRS
from kraken_cli.sandbox.ohlc import aggregate, ohlc
from kraken_cli.sandbox.tape import HOUR, Tape
from kraken_cli.sandbox.wire import NS

STARTED = 1_790_000_123 * NS  # a fixed "now" keeps these tests independent of the clock


def make(seed: int = 1, key: str = "XXBTZUSD", live_rate: float = 2.0) -> Tape:
    return Tape(PAIRS[key], seed, STARTED, 8, 20, live_rate)


def test_same_seed_same_tape_different_seed_different_tape() -> None:
    now = STARTED + 120 * NS
    a = list(make(1).iter_after(0, now))
    b = list(make(1).iter_after(0, now))
    c = list(make(2).iter_after(0, now))
    assert a == b and a != c
    assert a[0].trade_id == 1
    assert [t.trade_id for t in a] == list(range(1, len(a) + 1))


def test_buckets_are_order_independent() -> None:
    forward, backward = make(), make()
    last = forward.last_bucket(STARTED + 60 * NS)
    one = [forward.bucket(i) for i in range(last + 1)]
    two = [backward.bucket(i) for i in reversed(range(last + 1))][::-1]
    assert one == two


def test_tape_shape() -> None:
    tape = make()
    trades = list(tape.iter_after(0, STARTED))
    assert trades[0].ns >= tape.origin_ns and trades[-1].ns < STARTED
    assert all(a.ns <= b.ns for a, b in itertools.pairwise(trades))
    assert max(Counter(t.ns for t in trades).values()) >= 2  # some trades share a timestamp
    assert any(t.ns % NS for t in trades)  # sub-second parts
    assert {t.side for t in trades} == {"b", "s"} and {t.otype for t in trades} == {"m", "l"}
    mean_gap = (trades[-1].ns - trades[0].ns) / len(trades) / NS
    assert 8 < mean_gap < 40


def test_live_trades_continue_the_sequence() -> None:
    tape = make()
    historic = list(tape.iter_after(0, STARTED))
    live = list(tape.iter_after(STARTED - 1, STARTED + 30 * NS))
    assert 20 < len(live) < 110  # ~2 per second
    assert live[0].trade_id == historic[-1].trade_id + 1
    assert make(live_rate=0).last_trade(STARTED + 3600 * NS) == historic[-1]


def walk(tape: Tape, since: int, count: int, now: int) -> list[int]:
    ids: list[int] = []
    while True:
        page, last = tape.page(since, count, now)
        if not page:
            return ids
        assert len(page) <= count or len({t.ns for t in page}) == 1
        ids += [t.trade_id for t in page]
        since = last


@settings(max_examples=25, deadline=None)
@given(count=st.integers(min_value=1, max_value=1000), start_h=st.integers(0, 190))
def test_paging_has_no_gap_and_no_duplicate(count: int, start_h: int) -> None:
    tape = make(key="XDGUSD")
    now = STARTED + 20 * NS
    since = tape.origin_ns + start_h * HOUR
    ids = walk(tape, since, count, now)
    expected = [t.trade_id for t in tape.iter_after(since, now)]
    assert ids == expected


def test_page_never_splits_a_timestamp_group() -> None:
    tape = make()
    now = STARTED
    trades = list(tape.iter_after(0, now))
    groups = Counter(t.ns for t in trades)
    index = next(i for i, t in enumerate(trades) if i > 10 and groups[t.ns] >= 2)
    ns = trades[index].ns
    # a page that would end inside the group (after its first trade) stops before it instead
    page, last = tape.page(trades[index - 3].ns, 3, now)
    assert [t.trade_id for t in page] == [trades[index - 2].trade_id, trades[index - 1].trade_id]
    rest, _ = tape.page(last, 1000, now)
    assert [t.ns for t in rest[: groups[ns]]] == [ns] * groups[ns]
    assert page[-1].trade_id + 1 == rest[0].trade_id
    # a group larger than the page is returned whole rather than split
    whole, _ = tape.page(trades[index - 1].ns, 1, now)
    assert len(whole) == groups[ns]


def test_recent_and_default_page() -> None:
    tape = make()
    page, last = tape.page(None, 1000, STARTED)
    assert len(page) == 1000 and last == page[-1].ns and page[-1].ns < STARTED


def test_ohlc_from_tape() -> None:
    tape = make()
    now = STARTED + 5 * NS
    candles, last = ohlc(tape, 60, None, now)
    width = 3600 * NS
    assert len(candles) <= 720
    assert candles[-1].open_ns == now // width * width
    assert last == candles[-1].open_ns // NS - 3600
    committed = candles[-2]
    trades = [t for t in tape.iter_after(0, now) if t.ns // width * width == committed.open_ns]
    assert committed.count == len(trades)
    assert committed.open == trades[0].price and committed.close == trades[-1].price
    assert committed.high == max(t.price for t in trades)
    assert committed.volume == sum(t.volume for t in trades)


def test_ohlc_omits_empty_intervals_but_keeps_forming() -> None:
    tape = make(live_rate=0)
    now = STARTED + 7200 * NS  # two hours after the tape stopped
    candles, _ = ohlc(tape, 1, None, now)
    assert candles[-1].open_ns == now // (60 * NS) * 60 * NS and candles[-1].count == 0
    assert all(c.count > 0 for c in candles[:-1])
    assert aggregate(tape, 1, STARTED, now) == []


def test_window_stats_match_brute_force() -> None:
    from kraken_cli.sandbox.ohlc import stats

    tape = make()
    now = STARTED + 25 * NS
    for start in (now - 86400 * NS, now - 3 * HOUR - 123 * NS, now - 5 * NS):
        got = stats(tape, start, now)
        trades = [t for t in tape.iter_after(start - 1, now)]
        assert got.count == len(trades)
        assert (got.open, got.last) == (trades[0].price, trades[-1].price)
        assert got.high == max(t.price for t in trades) and got.low == min(t.price for t in trades)
        assert got.volume == sum(t.volume for t in trades)
        assert got.pv == sum(t.price * t.volume for t in trades)


def test_high_live_rate_generates_small_buckets_lazily() -> None:
    tape = make(live_rate=100_000)
    assert tape.live_bucket == 5_000_000  # 5 ms holds ~500 trades
    assert make().live_bucket == 10 * NS  # the default rate keeps 10 s buckets (same tape)
    historic_last = make(live_rate=0).last_trade(STARTED)
    assert historic_last is not None
    live = list(tape.iter_after(STARTED - 1, STARTED + NS // 10))
    assert 5_000 < len(live) < 25_000  # ~100,000/s for 0.1 s
    assert [t.trade_id for t in live] == list(
        range(historic_last.trade_id + 1, historic_last.trade_id + 1 + len(live))
    )
    assert len(tape._cache) <= 25  # only the buckets read were generated
