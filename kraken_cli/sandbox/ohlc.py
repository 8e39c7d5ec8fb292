"""Candles and ticker statistics computed from the trade tape (so candles and trades agree).

Empty intervals: a *committed* interval with no trade is omitted (Kraken's thin markets show
gaps; PROTOCOL §1.6 leaves zero-volume rows unconfirmed). The *forming* interval is always the
last row, as Kraken documents; when it has no trade yet it is emitted with open = high = low =
close = vwap = the previous close, volume 0 and count 0.
https://docs.kraken.com/api/docs/rest-api/get-ohlc-data
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from kraken_cli.sandbox.tape import Tape, Trade
from kraken_cli.sandbox.wire import NS, units_text

INTERVALS = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)
MAX_ROWS = 720


@dataclass
class Candle:
    """Aggregate of the trades of one interval (prices/volumes in units)."""

    open_ns: int
    open: int
    high: int
    low: int
    close: int
    pv: int = 0
    volume: int = 0
    count: int = 0

    def add(self, trade: Trade) -> None:
        """Fold one trade into the candle."""
        self.high = max(self.high, trade.price)
        self.low = min(self.low, trade.price)
        self.close = trade.price
        self.pv += trade.price * trade.volume
        self.volume += trade.volume
        self.count += 1

    def vwap_units(self) -> Decimal:
        """Return the VWAP in price units (close when there is no volume)."""
        if not self.volume:
            return Decimal(self.close)
        return Decimal(self.pv) / Decimal(self.volume)


def vwap_text(value_units: Decimal, decimals: int) -> str:
    """Render a VWAP given in price units at the pair's precision."""
    rounded = int(value_units.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    return units_text(rounded, decimals)


def aggregate(tape: Tape, interval_min: int, start_ns: int, now_ns: int) -> list[Candle]:
    """Aggregate trades in ``[start_ns, now_ns]`` into candles (empty intervals omitted)."""
    width = interval_min * 60 * NS
    candles: list[Candle] = []
    current: Candle | None = None
    for trade in tape.iter_after(start_ns - 1, now_ns):
        open_ns = trade.ns // width * width
        if current is None or current.open_ns != open_ns:
            current = Candle(open_ns, trade.price, trade.price, trade.price, trade.price)
            candles.append(current)
        current.add(trade)
    return candles


def ohlc(
    tape: Tape, interval_min: int, since_s: int | None, now_ns: int
) -> tuple[list[Candle], int]:
    """Return (≤720 candles ending with the forming one, ``last`` committed open time)."""
    width = interval_min * 60 * NS
    forming = now_ns // width * width
    start = forming - (MAX_ROWS - 1) * width
    if since_s is not None:
        start = max(start, since_s * NS // width * width)
    start = min(start, forming)
    candles = aggregate(tape, interval_min, start, now_ns)
    if not candles or candles[-1].open_ns != forming:
        close = candles[-1].close if candles else tape.price_units(now_ns)
        candles.append(Candle(forming, close, close, close, close))
    return candles, (forming - width) // NS


def candle_row(tape: Tape, candle: Candle) -> list[object]:
    """Render a REST OHLC row: [time, open, high, low, close, vwap, volume, count]."""
    pd, ld = tape.pair.pair_decimals, tape.pair.lot_decimals
    return [
        candle.open_ns // NS,
        units_text(candle.open, pd),
        units_text(candle.high, pd),
        units_text(candle.low, pd),
        units_text(candle.close, pd),
        vwap_text(candle.vwap_units(), pd),
        units_text(candle.volume, ld),
        candle.count,
    ]


@dataclass
class Stats:
    """Rolling statistics over a window: open, high, low, last, volume, vwap, count."""

    open: int
    high: int
    low: int
    last: int
    last_volume: int
    volume: int
    pv: int
    count: int


def _fold(out: Stats | None, trade: Trade) -> Stats:
    if out is None:
        return Stats(trade.price, trade.price, trade.price, trade.price, trade.volume,
                     trade.volume, trade.price * trade.volume, 1)  # fmt: skip
    out.high = max(out.high, trade.price)
    out.low = min(out.low, trade.price)
    out.last = trade.price
    out.last_volume = trade.volume
    out.volume += trade.volume
    out.pv += trade.price * trade.volume
    out.count += 1
    return out


def _merge(out: Stats | None, part: Stats) -> Stats:
    if out is None:
        return Stats(**part.__dict__)
    out.high = max(out.high, part.high)
    out.low = min(out.low, part.low)
    out.last, out.last_volume = part.last, part.last_volume
    out.volume += part.volume
    out.pv += part.pv
    out.count += part.count
    return out


def _summary(tape: Tape, index: int) -> Stats | None:
    """Return the (cached) statistics of a whole bucket; bucket contents never change."""
    key = ("stats", index)
    if key not in tape.memo:
        out: Stats | None = None
        for trade in tape.bucket(index):
            out = _fold(out, trade)
        tape.memo[key] = out
    cached: Stats | None = tape.memo[key]
    return cached


def stats(tape: Tape, start_ns: int, now_ns: int) -> Stats:
    """Compute statistics of trades in ``[start_ns, now_ns]`` (last price if none).

    Whole buckets inside the window use cached summaries, so a 24 h window costs a few dozen
    merges plus the two partial buckets at its edges.
    """
    out: Stats | None = None
    index = tape.bucket_of(max(start_ns, tape.origin_ns))
    last = tape.last_bucket(now_ns)
    while index <= last:
        begin, end = tape.bounds(index)
        if begin >= start_ns and end <= now_ns:
            part = _summary(tape, index)
            if part is not None:
                out = _merge(out, part)
        else:
            for trade in tape.bucket(index):
                if start_ns <= trade.ns <= now_ns:
                    out = _fold(out, trade)
        index += 1
    if out is None:
        latest = tape.last_trade(now_ns)
        price = latest.price if latest else tape.price_units(now_ns)
        volume = latest.volume if latest else 0
        return Stats(price, price, price, price, volume, 0, 0, 0)
    return out
