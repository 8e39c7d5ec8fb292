"""``krx candles --fill``: flat candles for intervals without trades (the default omits them).

A flat candle repeats the previous close as open/high/low/close/vwap with volume 0 and count 0
(:func:`fill_gaps`). Gaps before the first candle of the range stay empty: there is no
previous close to repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from decimal import Decimal

from kraken_cli.models.intervals import Interval
from kraken_cli.models.market import Candle
from kraken_cli.services.history.aggregate import period_end


def fill_candles(
    candles: Iterable[Candle], interval: Interval, until: int | None
) -> Iterator[Candle]:
    """Yield ``candles`` with a flat candle in each empty interval before ``until`` (open, s)."""
    yield from fill_gaps(candles, interval.seconds, until=until)


def fill_gaps(candles: Iterable[Candle], period: int, until: int | None = None) -> Iterator[Candle]:
    """Insert a flat candle (previous close, volume 0, count 0, vwap = close) in each gap.

    ``period`` is seconds, or MONTH for calendar months. With ``until`` (s, exclusive) flat
    candles also follow the last candle up to it.
    """
    prev: Candle | None = None
    for candle in candles:
        if prev is not None:
            t = period_end(prev.time, period)
            while t < candle.time:
                yield _flat(prev, t)
                t = period_end(t, period)
        yield candle
        prev = candle
    if prev is not None and until is not None:
        t = period_end(prev.time, period)
        while t < until:
            yield _flat(prev, t)
            t = period_end(t, period)


def _flat(prev: Candle, t: int) -> Candle:
    c = prev.close
    exponent = prev.volume.as_tuple().exponent
    zero = Decimal(0).scaleb(exponent) if isinstance(exponent, int) else Decimal(0)
    return replace(prev, time=t, open=c, high=c, low=c, close=c, vwap=c, volume=zero, count=0)
