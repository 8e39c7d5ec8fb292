"""``krx candles --fill``: flat candles for intervals without trades (the default omits them).

A flat candle repeats the previous close as open/high/low/close/vwap with volume 0 and count 0
(``aggregate.fill_gaps``). Gaps before the first candle of the range stay empty: there is no
previous close to repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kraken_cli.models.intervals import MONTH as MONTH_MINUTES
from kraken_cli.models.intervals import Interval
from kraken_cli.models.market import Candle
from kraken_cli.services import aggregate


def fill_candles(
    candles: Iterable[Candle], interval: Interval, symbol: str, until: int | None
) -> Iterator[Candle]:
    """Yield ``candles`` with a flat candle in each empty interval before ``until`` (open, s)."""
    period = aggregate.MONTH if interval.minutes == MONTH_MINUTES else interval.seconds
    bare = (
        aggregate.Candle(c.time, c.open, c.high, c.low, c.close, c.vwap, c.volume, c.count)
        for c in candles
    )
    for c in aggregate.fill_gaps(bare, period, until=until):
        yield Candle(symbol, c.time, c.open, c.high, c.low, c.close, c.vwap, c.volume, c.count)
