"""The candle fast path writes exactly what the general renderer writes, in every format."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_cli.models.market import Candle
from kraken_cli.output.candles import BATCH, write_candles
from kraken_cli.output.columns import CANDLE
from kraken_cli.output.sink import StdoutSink
from kraken_cli.output.views import CANDLE_VIEW
from kraken_cli.services.history.aggregate import NS, Precision, aggregate
from kraken_cli.services.history.fill import fill_gaps

FORMATS = ("jsonl", "csv", "json", "table")
T0 = 1_789_999_980  # minute-aligned


def general(fmt: str, candles: list[Candle], picked: list[str] | None = None) -> str:
    """What ``krx candles`` wrote before the fast path: a record dict per candle."""
    out = io.StringIO()
    sink = StdoutSink(fmt, out=out, picked=picked)
    sink.write_records((c.to_record() for c in candles), CANDLE, view=CANDLE_VIEW)
    return out.getvalue()


def fast(fmt: str, candles: list[Candle], picked: list[str] | None = None) -> tuple[str, int]:
    out = io.StringIO()
    count = write_candles(StdoutSink(fmt, out=out, picked=picked), iter(candles), view=CANDLE_VIEW)
    return out.getvalue(), count


def built(trades: list[tuple[int, str, str]], symbol: str, prec: Precision) -> list[Candle]:
    return [c for _, c in aggregate(trades, [60], prec, symbol=symbol)]


@st.composite
def histories(draw: st.DrawFn) -> list[Candle]:
    """Candles from trades (ragged digits, gaps filled or not), OHLC Decimals and archive rows."""
    symbol = draw(st.sampled_from(["BTC/USD", "XBT/EUR", 'we"ird,=sym', "=cmd", "ü/€", "a\tb"]))
    prec = draw(st.sampled_from([Precision(1, 8), Precision(), Precision(0, 2)]))
    t, trades = T0 * NS, []
    for _ in range(draw(st.integers(0, 40))):
        t += draw(st.sampled_from([1, NS, 61 * NS, 3600 * NS]))
        pdig, vdig = draw(st.sampled_from([0, 1, 5])), draw(st.sampled_from([0, 3, 8]))
        price = draw(st.integers(1, 10**9))
        vol = draw(st.integers(0, 10**10))
        trades.append((t, _text(price, pdig), _text(vol, vdig)))
    candles = built(trades, symbol, prec)
    if draw(st.booleans()):
        candles = list(fill_gaps(candles, 60))  # flat candles: dataclasses.replace copies
    extra = Candle(symbol, t // NS + 600, *[Decimal("1.50")] * 4, None, Decimal("0"), None)
    ohlc = Candle(symbol, t // NS + 660, *[Decimal("2.1")] * 5, Decimal("3.00000000"), 7)
    return candles + draw(st.sampled_from([[], [extra], [ohlc, extra]]))


def _text(units: int, digits: int) -> str:
    return format(Decimal(units).scaleb(-digits), "f")


@settings(max_examples=120, deadline=None)
@given(histories(), st.sampled_from(FORMATS))
def test_fast_path_is_byte_for_byte_the_general_path(candles: list[Candle], fmt: str) -> None:
    text, count = fast(fmt, candles)
    assert text == general(fmt, candles)
    assert count == len(candles)


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_range_and_many_batches(fmt: str) -> None:
    assert fast(fmt, [])[0] == general(fmt, [])
    trades = [(T0 * NS + i * 7 * NS, f"{100 + i % 13}.10000", "0.50000000") for i in range(9000)]
    candles = built(trades, "BTC/USD", Precision(1, 8))
    assert len(candles) > 2 * BATCH
    assert fast(fmt, candles) == (general(fmt, candles), len(candles))


def test_picked_columns_take_the_general_path() -> None:
    candles = built([(T0 * NS, "1.5", "2")], "BTC/USD", Precision())
    for fmt in FORMATS:
        picked = ["time", "close"]
        assert fast(fmt, candles, picked)[0] == general(fmt, candles, picked)


def test_a_replaced_candle_renders_its_new_fields() -> None:
    (candle,) = built([(T0 * NS, "1.5", "2")], "BTC/USD", Precision())
    moved = replace(candle, time=T0 + 60, close=Decimal("9.9"))
    assert '"close":"9.9"' in fast("jsonl", [moved])[0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failure_midway_writes_what_came_before_it_as_before(fmt: str) -> None:
    trades = [(T0 * NS + i * 60 * NS, "1.5", "2") for i in range(5)]
    candles = built(trades, "BTC/USD", Precision())

    def failing() -> Iterator[Candle]:
        yield from candles
        raise RuntimeError("network down")

    outs = []
    for write in (
        lambda sink: write_candles(sink, failing(), view=CANDLE_VIEW),
        lambda sink: sink.write_records((c.to_record() for c in failing()), CANDLE),
    ):
        out = io.StringIO()
        with pytest.raises(RuntimeError):
            write(StdoutSink(fmt, out=out))
        outs.append(out.getvalue())
    assert outs[0] == outs[1]
