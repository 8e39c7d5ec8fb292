"""Kraken Futures candles from the charts API: paging on ``more_candles``, h2/month aggregated."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from kraken_cli.client.futures_rest import FuturesRest
from kraken_cli.errors import BadIntervalError, ProtocolError, UsageError
from kraken_cli.models.futures_market import parse_chart_candle
from kraken_cli.models.intervals import MONTH, Interval, parse_interval
from kraken_cli.models.market import Candle
from kraken_cli.models.numbers import WireDecimal, reply_of

#: Interval minutes -> charts resolution served natively.
NATIVE = {1: "1m", 5: "5m", 15: "15m", 30: "30m", 60: "1h", 240: "4h", 720: "12h"}
NATIVE |= {1440: "1d", 10080: "1w"}
#: Intervals the charts API lacks -> the finer native resolution they are built from.
AGGREGATED = {120: 60, MONTH: 1440}
TICK_TYPES = ("trade", "mark", "spot")
#: Safety cap on chart pages per request range.
MAX_PAGES = 500


def chart_plan(interval: Interval | str) -> tuple[Interval, str, bool]:
    """Return (interval, native resolution to fetch, whether to aggregate)."""
    iv = parse_interval(interval) if isinstance(interval, str) else interval
    if iv.minutes in NATIVE:
        return iv, NATIVE[iv.minutes], False
    if iv.minutes in AGGREGATED:
        return iv, NATIVE[AGGREGATED[iv.minutes]], True
    raise BadIntervalError(
        f"Kraken Futures charts do not serve {iv.name}",
        hint="use min1 min5 min15 min30 h1 h2 h4 day week month",
    )


def chart_candles(
    client: FuturesRest,
    symbol: str,
    interval: Interval | str,
    start: datetime,
    end: datetime,
    tick_type: str = "trade",
) -> list[Candle]:
    """Return the candles opening in [start, end), oldest first (forming ones included)."""
    if tick_type not in TICK_TYPES:
        raise UsageError(f"unknown tick type {tick_type!r}", hint="trade | mark | spot")
    iv, resolution, aggregate = chart_plan(interval)
    rows = list(_pages(client, tick_type, symbol, resolution, start, end))
    if aggregate:
        rows = aggregate_candles(rows, iv)
    lo, hi = chart_opens(iv, start, end)
    return [c for c in rows if lo <= c.time < hi]


def chart_opens(interval: Interval, start: datetime, end: datetime) -> tuple[int, int]:
    """Return ``[lo, hi)``: the open times of the candles :func:`chart_candles` gives.

    Native resolutions: candles opening at or after ``start``; aggregated ones (h2, month):
    from the one holding ``start``.
    """
    lo, hi = int(start.timestamp()), int(end.timestamp())
    opened = interval.open_time(lo)
    if interval.minutes in AGGREGATED or opened == lo:
        return opened, hi
    return interval.next_open(opened), hi


def chart_candle(candle: Candle) -> Candle:
    """Return a candle built from trades as the charts API's record: numbers as plain text.

    Charts send prices without trailing zeros (``"84406"``) and no vwap or count; a candle
    from trades keeps its exact numbers without trailing zeros (whatever the range, so the
    same candle is the same bytes) and its trade count; vwap stays null (rounding it needs the
    tick size, an ``instruments`` call).
    """
    return Candle(
        candle.symbol,
        candle.time,
        _plain(candle.open),
        _plain(candle.high),
        _plain(candle.low),
        _plain(candle.close),
        None,
        _plain(candle.volume),
        candle.count,
    )


def _plain(value: Decimal) -> WireDecimal:
    text = format(value, "f")
    return WireDecimal(text.rstrip("0").rstrip(".") if "." in text else text)


def _pages(
    client: FuturesRest, tick_type: str, sym: str, resolution: str, start: datetime, end: datetime
) -> Iterator[Candle]:
    step = parse_interval(resolution).seconds
    frm, to = int(start.timestamp()), int(end.timestamp())
    frm -= frm % step
    seen: set[int] = set()
    for _ in range(MAX_PAGES):
        page = client.charts(tick_type, sym, resolution, frm, to)
        with reply_of("charts"):
            got = [parse_chart_candle(sym, raw) for raw in _list(page.get("candles"))]
        got = [c for c in got if c.time not in seen]
        for candle in got:
            seen.add(candle.time)
            yield candle
        if not page.get("more_candles") or not got:
            return
        nxt = max(c.time for c in got) + step
        if nxt <= frm:
            raise ProtocolError("charts", f"more_candles without progress past {frm}")
        frm = nxt
        if frm >= to:
            return
    raise UsageError(
        f"the range needs more than {MAX_PAGES} pages of futures candles",
        hint="narrow --since/--until or use a longer interval",
    )


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError(f"candles are {type(value).__name__}, not a list")
    return value


def aggregate_candles(rows: Sequence[Candle], iv: Interval) -> list[Candle]:
    """Fold finer candles into ``iv`` buckets: first open, max high, min low, last close, Σ."""
    out: list[Candle] = []
    for row in sorted(rows, key=lambda c: c.time):
        bucket = iv.open_time(row.time)
        if out and out[-1].time == bucket:
            cur = out[-1]
            out[-1] = replace(
                cur,
                high=max(cur.high, row.high),
                low=min(cur.low, row.low),
                close=row.close,
                volume=WireDecimal(str(cur.volume + row.volume)),
            )
        else:
            out.append(replace(row, time=bucket))
    return out
