"""The sandbox's futures tape: minute trades before the start, live slots after, one tape that
REST ``history`` pages and the WS feed's windows cut the same way."""

from __future__ import annotations

from itertools import pairwise

from kraken_cli.sandbox.futures.market import BY_SYMBOL, LIVE_SEQ, FuturesMarket

START = 1_796_000_000_000
C = BY_SYMBOL["PF_ETHUSD"]


def test_live_tape_joins_the_minute_tape_and_pages_consistently() -> None:
    market = FuturesMarket(5, started_ms=START, live_rate=20)
    now = START + 30_000
    whole = market.trades_between(C, START - 600_000, now)  # oldest first
    assert [t.time_ms for t in whole] == sorted(t.time_ms for t in whole)
    live = [t for t in whole if t.time_ms >= START]
    assert len({t.uid for t in whole}) == len(whole)
    assert all(t.seq >= LIVE_SEQ for t in live) and len(whole) - len(live) == 10
    assert 600 <= len(live) <= 900  # 20 slots a second, a quarter of them two fills
    shared = [a for a, b in pairwise(live) if a.time_ms == b.time_ms]
    assert shared  # fills sharing one millisecond exist
    # REST history: newest first, strictly before lastTime, pages of 100
    paged, before = [], now + 1
    while len(paged) < len(whole):
        page = market.trades_before(C, before)
        paged += [t for t in page if t not in paged]
        before = page[-1].time_ms + 1  # the client's overlap: uid tells repeats apart
    assert list(reversed(paged))[-len(whole) :] == whole
    # the WS feed sends per window; windows joined give the tape once
    cut = [market.trades_between(C, a, b) for a, b in ((START - 1, START + 9_999),
                                                         (START + 9_999, now))]  # fmt: skip
    assert cut[0] + cut[1] == live


def test_without_a_live_rate_the_tape_is_one_trade_a_minute() -> None:
    market = FuturesMarket(5)
    minute = START - START % 60_000
    trades = market.trades_between(C, minute, minute + 600_000)
    assert len(trades) == 10 and all(t.seq < LIVE_SEQ for t in trades)
