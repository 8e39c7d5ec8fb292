"""Which candles a request gets: open time in [since, until), the still-forming one only on request.

One rule for every source (spot OHLC, trade history, futures charts): a candle opening at or
after ``forming_from`` is still forming and is left out unless ``partial``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from kraken_cli.models.intervals import Interval
from kraken_cli.models.market import Candle
from kraken_cli.models.times import iso_from_unix
from kraken_cli.services.explain import FILTERED, FORMING, HISTORY_STARTS, Note


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


#: How much later than the asked start the first candle may open before krx says history
#: starts later (a quiet hour is not worth a note; a pair listed last week is).
_LATE_START_S = 86400


def candle_notes(
    symbol: str,
    interval: Interval,
    since_ts: int | None,
    until_ts: int | None,
    now: int,
    *,
    partial: bool,
    first: Candle | None,
) -> list[Note]:
    """Explain an empty or short candle result: forming candle left out, later history start."""

    forming = forming_by_clock(interval, now)
    if first is not None:
        if since_ts is None or first.time - since_ts <= max(interval.seconds, _LATE_START_S):
            return []
        return [
            Note(
                HISTORY_STARTS,
                f"history starts at {iso_from_unix(first.time)} for {symbol}: no trades between"
                f" the asked start {iso_from_unix(since_ts)} and then",
            )
        ]
    in_range = (since_ts is None or since_ts <= forming) and (
        until_ts is None or until_ts > forming
    )
    if not partial and in_range:
        only = since_ts is not None and since_ts >= forming
        lead = (
            "the only candle in the range" if only else "no complete candle in the range; the last"
        )
        return [
            Note(
                FORMING,
                f"{lead} ({interval.name} opening {iso_from_unix(forming)}) is still forming and"
                " left out: add --partial to include it",
            )
        ]
    return [
        Note(
            FILTERED,
            f"no trades for {symbol} in the range, so no candles (intervals without trades have"
            " none; --fill adds flat ones)",
        )
    ]
