"""The public trade tape of one pair: a pure, lazily generated function of (seed, pair).

Time is cut into buckets: whole clock hours of history (from ``started - history_days``,
floored to the hour, up to ``started``), then live buckets after ``started``: 10 s long, or
shorter at a high ``live_rate`` so that one holds ~500 trades (start-up and each ticker step
then generate only a few small buckets, whatever the rate: a 100,000 trades/s tape is cheap
until somebody reads it). Each
bucket's trades come from an RNG seeded by (seed, pair, bucket start, bucket length, rate), so a
bucket can be generated on its own, in any order, and always gives the same trades. Only bucket
*counts* are needed up front (for the per-pair ``trade_id`` sequence that starts at 1).

Prices follow a smooth deterministic "anchor" curve of absolute time plus a Brownian bridge
inside each bucket, so consecutive buckets join without jumps. About a quarter of the trades
share the exact timestamp of the previous one (one taker order hitting several makers), which is
what makes the ``Trades`` cursor subtle: a page never ends inside such a group.

Prices are integer counts of 10**-pair_decimals, volumes of 10**-lot_decimals; floats are used
only to draw random numbers, never to carry a price.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from collections import OrderedDict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from kraken_cli.sandbox.market import Pair
from kraken_cli.sandbox.wire import NS

HOUR = 3600 * NS
LIVE_BUCKET = 10 * NS  # the longest live bucket
LIVE_BUCKET_TRADES = 500  # mean trades per live bucket at a high live rate
_CACHE_BUCKETS = 4096
_PERIODS_H = (3.0, 13.0, 47.0, 173.0)
_AMPLITUDES = (0.002, 0.006, 0.015, 0.03)


class Trade(NamedTuple):
    """One public trade: time (ns), price/volume units, side b|s, order type m|l, id."""

    ns: int
    price: int
    volume: int
    side: str
    otype: str
    trade_id: int


def _seed_int(*parts: object) -> int:
    text = ":".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def live_bucket_ns(live_rate: float) -> int:
    """Return the live bucket length: 10 s, or whole ms holding ~500 trades at a high rate."""
    if live_rate <= 0:
        return LIVE_BUCKET
    ms = int(LIVE_BUCKET_TRADES * 1000 / live_rate)
    return max(1, min(LIVE_BUCKET // 1_000_000, ms)) * 1_000_000


class Tape:
    """Deterministic trade tape of one pair; see the module docstring for the model."""

    def __init__(
        self,
        pair: Pair,
        seed: int,
        started_ns: int,
        history_days: float,
        trade_interval_s: float,
        live_rate: float,
    ) -> None:
        self.pair = pair
        self.seed = seed
        self.started_ns = started_ns
        self.trade_interval_s = max(trade_interval_s, 0.01)
        self.live_rate = max(live_rate, 0.0)
        self.live_bucket = live_bucket_ns(self.live_rate)
        self.origin_ns = (started_ns - int(history_days * 86400 * NS)) // HOUR * HOUR
        self._starts: list[int] = list(range(self.origin_ns, started_ns, HOUR))
        self._hist = len(self._starts)
        self._ref = float(pair.ref_price)
        self._typ_vol = float(pair.typical_volume)
        rng = random.Random(_seed_int(seed, pair.key, "phases"))
        self._phases = [rng.uniform(0, 2 * math.pi) for _ in _PERIODS_H]
        self._cache: OrderedDict[int, list[Trade]] = OrderedDict()
        #: derived per-bucket results (e.g. statistics) that other modules cache here
        self.memo: dict[tuple[str, int], Any] = {}
        # first_id[i] = trade_id of the first trade of bucket i; extended lazily for live buckets
        self._first_id: list[int] = [1]
        for index in range(self._hist):
            self._first_id.append(self._first_id[-1] + self._count(index))

    # -- bucket geometry -------------------------------------------------------------------
    def _bounds(self, index: int) -> tuple[int, int, float]:
        """Return (start, end, mean trades) of bucket ``index`` (end exclusive)."""
        if index < self._hist:
            start = self._starts[index]
            return start, min(start + HOUR, self.started_ns), HOUR / NS / self.trade_interval_s
        start = self.started_ns + (index - self._hist) * self.live_bucket
        return start, start + self.live_bucket, self.live_rate * self.live_bucket / NS

    def bounds(self, index: int) -> tuple[int, int]:
        """Return (start, end) of bucket ``index``; its trades have start <= ns < end."""
        start, end, _mean = self._bounds(index)
        return start, end

    def _rng(self, index: int) -> random.Random:
        start, _end, mean = self._bounds(index)
        length = HOUR if index < self._hist else self.live_bucket
        return random.Random(_seed_int(self.seed, self.pair.key, start, length, mean))

    @staticmethod
    def _draw_count(rng: random.Random, mean: float) -> int:
        if mean <= 0:
            return 0
        activity = math.exp(rng.gauss(0.0, 0.5)) if mean > 50 else 1.0
        m = mean * activity
        return max(0, round(rng.gauss(m, math.sqrt(m))))

    def _count(self, index: int) -> int:
        start, end, mean = self._bounds(index)
        if index < self._hist and end - start < HOUR:
            return len(self._generate(index))
        return self._draw_count(self._rng(index), mean)

    def bucket_of(self, ns: int) -> int:
        """Return the bucket index holding ``ns`` (may be past the last generated one)."""
        if ns < self.started_ns:
            return max(0, bisect.bisect_right(self._starts, ns) - 1)
        if self.live_rate <= 0:
            return self._hist
        return self._hist + (ns - self.started_ns) // self.live_bucket

    def last_bucket(self, now_ns: int) -> int:
        """Return the highest bucket index that may hold trades visible at ``now_ns``."""
        if self.live_rate <= 0 or now_ns < self.started_ns:
            return min(self.bucket_of(now_ns), self._hist - 1)
        return self.bucket_of(now_ns)

    def first_id(self, index: int) -> int:
        """Return the trade_id of the first trade of bucket ``index``."""
        while len(self._first_id) <= index:
            self._first_id.append(self._first_id[-1] + self._count(len(self._first_id) - 1))
        return self._first_id[index]

    # -- generation -------------------------------------------------------------------------
    def anchor(self, ns: int) -> float:
        """Return the smooth reference price at ``ns`` (deterministic in absolute time)."""
        hours = ns / HOUR
        log = sum(
            amp * math.sin(2 * math.pi * hours / period + phase)
            for amp, period, phase in zip(_AMPLITUDES, _PERIODS_H, self._phases, strict=True)
        )
        return self._ref * math.exp(log)

    def _generate(self, index: int) -> list[Trade]:
        start, end, mean = self._bounds(index)
        length = HOUR if index < self._hist else self.live_bucket
        rng = self._rng(index)
        n = self._draw_count(rng, mean)
        if n == 0:
            return []
        scale = 10**self.pair.pair_decimals
        a0, a1 = self.anchor(start) * scale, self.anchor(start + length) * scale
        step = a0 * 0.00005 * math.sqrt(length / NS / n)
        walk = [0.0]
        for _ in range(n):
            walk.append(walk[-1] + rng.gauss(0.0, step))
        offsets = sorted(rng.randrange(length // 100) * 100 for _ in range(n))
        lot = 10**self.pair.lot_decimals
        trades: list[Trade] = []
        ns = start
        side, otype, price = "b", "m", 1
        for k in range(n):
            grouped = k > 0 and rng.random() < 0.25
            if grouped:
                move = rng.choice((0, 0, 1))
                price = max(1, price + (move if side == "b" else -move))
            else:
                ns = start + offsets[k]
                frac = (k + 1) / n
                price = max(1, round(a0 + (a1 - a0) * frac + walk[k + 1] - walk[n] * frac))
                side = "b" if rng.random() < 0.5 else "s"
                otype = "m" if rng.random() < 0.7 else "l"
            volume = max(1, round(self._typ_vol * math.exp(rng.gauss(-0.7, 1.2)) * lot))
            if ns >= end:
                break
            trades.append(Trade(ns, price, volume, side, otype, 0))
        # callers guarantee first_id[index] exists (the constructor builds it in order)
        base = self._first_id[index]
        return [t._replace(trade_id=base + i) for i, t in enumerate(trades)]

    def bucket(self, index: int) -> list[Trade]:
        """Return the trades of bucket ``index`` (cached, LRU)."""
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        self.first_id(index)
        trades = self._generate(index)
        self._cache[index] = trades
        if len(self._cache) > _CACHE_BUCKETS:
            self._cache.popitem(last=False)
        return trades

    # -- queries ----------------------------------------------------------------------------
    def iter_after(self, after_ns: int, now_ns: int) -> Iterator[Trade]:
        """Yield trades with ``after_ns < ns <= now_ns``, ascending."""
        if now_ns < self.origin_ns:
            return
        index = self.bucket_of(max(after_ns, self.origin_ns))
        last = self.last_bucket(now_ns)
        while index <= last:
            for trade in self.bucket(index):
                if trade.ns > now_ns:
                    return
                if trade.ns > after_ns:
                    yield trade
            index += 1

    def iter_before(self, now_ns: int) -> Iterator[Trade]:
        """Yield trades with ``ns <= now_ns``, newest first."""
        index = self.last_bucket(now_ns)
        while index >= 0:
            for trade in reversed(self.bucket(index)):
                if trade.ns <= now_ns:
                    yield trade
            index -= 1

    def recent(self, count: int, now_ns: int) -> list[Trade]:
        """Return the last ``count`` trades visible at ``now_ns``, ascending."""
        out: list[Trade] = []
        for trade in self.iter_before(now_ns):
            out.append(trade)
            if len(out) >= count:
                break
        out.reverse()
        return out

    def last_trade(self, now_ns: int) -> Trade | None:
        """Return the newest visible trade."""
        return next(self.iter_before(now_ns), None)

    def page(self, since_ns: int | None, count: int, now_ns: int) -> tuple[list[Trade], int]:
        """Return one Trades page and its ``last`` cursor (ns) — never splitting a time group.

        With ``since`` the page holds the first ``count`` trades strictly after it; if the page
        would end inside a group of trades sharing one timestamp, the group is moved to the next
        page entirely (or, if it alone fills the page, included entirely), so resuming with
        ``since=last`` neither skips nor repeats a trade.
        https://docs.kraken.com/api/docs/rest-api/get-recent-trades
        """
        if since_ns is None:
            trades = self.recent(count, now_ns)
            return trades, trades[-1].ns if trades else now_ns
        out: list[Trade] = []
        for trade in self.iter_after(since_ns, now_ns):
            if len(out) >= count and trade.ns != out[-1].ns:
                break
            out.append(trade)
        if len(out) > count:
            group_ns = out[-1].ns
            trimmed = [t for t in out if t.ns != group_ns]
            out = trimmed if trimmed else out
        return out, out[-1].ns if out else since_ns

    def price_units(self, now_ns: int) -> int:
        """Return the last trade price in units (the anchor if there is no trade yet)."""
        last = self.last_trade(now_ns)
        if last is not None:
            return last.price
        return max(1, round(self.anchor(now_ns) * float(10**self.pair.pair_decimals)))

    def vwap(self, trades: list[Trade]) -> Decimal:
        """Return the volume-weighted price of ``trades`` in price units."""
        volume = sum(t.volume for t in trades)
        if not volume:
            return Decimal(0)
        return Decimal(sum(t.price * t.volume for t in trades)) / Decimal(volume)
