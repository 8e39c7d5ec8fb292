"""Which candles a request gets: open time in [since, until), the still-forming one only on request.

One rule for every source (spot OHLC, trade history, futures charts): a candle opening at or
after ``forming_from`` is still forming and is left out unless ``partial``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from kraken_cli.models.intervals import Interval
from kraken_cli.models.market import Candle


def forming_by_clock(interval: Interval, now: int) -> int:
    """Return the open time of the candle forming at ``now`` (unix s)."""
    return interval.open_time(now)


def forming_by_ohlc(candles: Sequence[Candle], last: int | None) -> int | None:
    """Return the first forming open time from Kraken's OHLC ``last`` (the last committed row).

    Without ``last`` the final row is taken to be the forming one.
    """
    if last is not None:
        return last + 1
    return max((c.time for c in candles), default=None)


def select_candles(
    candles: Iterable[Candle],
    since_ts: int | None,
    until_ts: int | None,
    *,
    forming_from: int | None,
    partial: bool = False,
) -> Iterator[Candle]:
    """Yield candles sorted and deduped by open time, in [since, until), forming ones if partial."""
    seen: set[int] = set()
    for candle in sorted(candles, key=lambda c: c.time):
        if candle.time in seen:
            continue
        seen.add(candle.time)
        if not partial and forming_from is not None and candle.time >= forming_from:
            continue
        if since_ts is not None and candle.time < since_ts:
            continue
        if until_ts is not None and candle.time >= until_ts:
            continue
        yield candle
