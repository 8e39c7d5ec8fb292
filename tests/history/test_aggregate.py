"""Aggregation equals a plain Decimal reference for any tape, any intervals, any chunking."""

from __future__ import annotations

import decimal
import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_cli.models.intervals import MONTH
from kraken_cli.models.market import Candle
from kraken_cli.services.history.aggregate import (
    DAY,
    NS,
    Aggregator,
    Precision,
    aggregate,
    aggregate_by_period,
    period_end,
    period_start,
    round_half_even,
)
from kraken_cli.services.history.fill import fill_gaps
from tests.history.reference import reference_candles

decimal.getcontext().prec = 80  # the reference must not round Σp·v

T0 = 1_789_999_980 * NS  # minute-aligned


@st.composite
def tapes(draw: st.DrawFn) -> list[tuple[int, str, str]]:
    """Time-ordered trades with runs of equal timestamps and ragged decimal strings."""
    n = draw(st.integers(0, 120))
    t = T0 + draw(st.integers(0, 10**6)) * NS
    out = []
    for _ in range(n):
        if out and draw(st.integers(0, 3)) == 0:
            pass  # same timestamp as the previous trade
        else:
            t += draw(st.sampled_from([1, 10**6, NS, 37 * NS, 600 * NS, 5000 * NS, 3 * DAY * NS]))
        price = draw(st.integers(1, 10**7))
        vol = draw(st.integers(1, 10**10))
        pdig = draw(st.sampled_from([1, 2, 5]))
        vdig = draw(st.sampled_from([8, 10]))
        out.append((t, _fmt(price * 10 ** (pdig - 1), pdig), _fmt(vol * 10 ** (vdig - 8), vdig)))
    return out


def _fmt(units: int, dp: int) -> str:
    return format(Decimal(units).scaleb(-dp), "f")


PERIODS = [60, 300, 900, 3600, 7200, 14400, DAY, 7 * DAY, 15 * DAY, MONTH]


@settings(max_examples=150, deadline=None)
@given(tapes(), st.lists(st.sampled_from(PERIODS), min_size=1, max_size=4), st.integers(1, 50))
def test_matches_reference_for_any_tape_and_chunking(
    tape: list[tuple[int, str, str]], periods: list[int], chunk: int
) -> None:
    prec = Precision(1, 8)
    got = {p: [] for p in periods}  # type: dict[int, list[Candle]]
    for period, candle in aggregate(tape, periods, prec, chunk=chunk):
        got[period].append(candle)
    for period in periods:
        assert got[period] == reference_candles(tape, period, 1, 8), period


@settings(max_examples=60, deadline=None)
@given(tapes(), st.lists(st.integers(0, 120), max_size=6))
def test_feeding_in_arbitrary_pieces_is_the_same(
    tape: list[tuple[int, str, str]], cuts: list[int]
) -> None:
    out: list[Candle] = []
    agg = Aggregator([60, 3600], lambda p, c: out.append(c) if p == 60 else None, Precision(1, 8))
    bounds = [0, *sorted(c % (len(tape) + 1) for c in cuts), len(tape)]
    for a, b in itertools.pairwise(bounds):
        agg.feed(tape[a:b])
    agg.finish()
    assert out == reference_candles(tape, 60, 1, 8)
    assert agg.trades == len(tape)


def test_finer_digits_mid_stream_rescale_exactly() -> None:
    tape = [(T0, "100.1", "1"), (T0 + 1, "100.123456789", "0.000000001"), (T0 + 2, "99", "2.5")]
    (candles,) = aggregate_by_period(tape, [60]).values()
    assert candles == reference_candles(tape, 60, 9, 9)
    assert str(candles[0].high) == "100.123456789"


def test_kraken_trade_strings_render_at_pair_precision() -> None:
    tape = [(T0, "83930.30000", "0.00005100"), (T0 + 5, "83935.40000", "0.00551352")]
    (c,) = aggregate_by_period(tape, [3600], Precision(1, 8))[3600]
    assert (str(c.open), str(c.close), str(c.volume)) == ("83930.3", "83935.4", "0.00556452")
    assert str(c.vwap) == "83935.4"  # 83935.3530... rounds to one decimal like Kraken's samples


def test_out_of_order_trades_are_refused() -> None:
    with pytest.raises(ValueError, match="order"):
        list(aggregate([(T0 + 120 * NS, "1", "1"), (T0, "1", "1")], [60]))


def test_week_is_epoch_aligned_thursday_and_month_is_calendar() -> None:
    t = 1_790_359_841  # 2026-09-25 (a Friday)
    assert period_start(t, 7 * DAY) == 1_790_208_000  # Thursday 2026-09-24 00:00Z
    assert period_start(t, MONTH) == 1_788_220_800  # 2026-09-01 00:00Z
    assert period_end(1_788_220_800, MONTH) == 1_790_812_800  # 2026-10-01 00:00Z
    assert period_start(0, 7 * DAY) == 0  # 1970-01-01 was a Thursday


def test_round_half_even() -> None:
    assert [round_half_even(n, 2) for n in (1, 3, 5, 7)] == [0, 2, 2, 4]
    assert round_half_even(7, 3) == 2


def test_fill_gaps_emits_flat_candles_at_previous_close() -> None:
    tape = [(T0, "10.0", "1.00"), (T0 + 180 * NS, "11.0", "2.00")]
    candles = list(fill_gaps(aggregate_by_period(tape, [60])[60], 60, until=T0 // NS + 300))
    assert [c.time - T0 // NS for c in candles] == [0, 60, 120, 180, 240]
    flat = candles[1]
    assert (flat.open, flat.vwap, flat.count, str(flat.volume)) == (
        Decimal("10.0"),
        Decimal("10.0"),
        0,
        "0.00",
    )
