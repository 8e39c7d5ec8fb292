"""The level-2 order book of one pair and per-subscriber depth views.

Levels are integer price units -> integer qty units. :meth:`Book.step` moves the book around
the tape's last price (levels that would cross it are removed, the tail is refilled so depth 1000
is always available) and applies a few random qty changes, inserts and deletes near the top.

A :class:`BookView` is what one WS subscriber with depth N believes; :meth:`BookView.diff`
produces Kraken-style updates: changed or new levels inside the top N, ``qty 0`` for deleted
levels, and — because a delete leaves a hole — the level that moves into the top N is sent in the
same message (PROTOCOL §6.5 "refill"). Levels merely pushed out by better ones are not sent: the
client truncates to N itself, exactly as Kraken expects.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field

from kraken_cli.protocol.checksum import book_checksum
from kraken_cli.sandbox.market import Pair
from kraken_cli.sandbox.wire import Raw, units_text

MIN_LEVELS = 1050
Level = tuple[int, int]


@dataclass
class Side:
    """One side of the book: sorted prices (ascending) and qty per price."""

    prices: list[int] = field(default_factory=list)
    qty: dict[int, int] = field(default_factory=dict)
    stamp: dict[int, int] = field(default_factory=dict)

    def set(self, price: int, qty: int, now_s: int) -> None:
        """Insert, change or (qty 0) delete a level."""
        if qty <= 0:
            if price in self.qty:
                del self.qty[price]
                del self.stamp[price]
                self.prices.pop(bisect.bisect_left(self.prices, price))
            return
        if price not in self.qty:
            bisect.insort(self.prices, price)
        self.qty[price] = qty
        self.stamp[price] = now_s


class Book:
    """One pair's L2 book with deterministic random evolution."""

    def __init__(self, pair: Pair, seed: int, mid: int, now_s: int) -> None:
        self.pair = pair
        self.rng = random.Random(f"{seed}:{pair.key}:book")
        self.asks = Side()
        self.bids = Side()
        self.lot = 10**pair.lot_decimals
        # typical gap between levels: ~1e-5 of the price, at least one tick
        self.gap = max(pair.tick_units, round(mid * 1e-5))
        self.changes: list[tuple[str, int, int]] = []
        self._fill(mid, now_s)
        self.changes.clear()

    # -- helpers ----------------------------------------------------------------------------
    def _qty(self) -> int:
        size = float(self.pair.typical_volume) * math.exp(self.rng.gauss(0, 1.3))
        return max(1, round(size * float(self.lot)))

    def _set(self, side: str, price: int, qty: int, now_s: int) -> None:
        (self.asks if side == "a" else self.bids).set(price, qty, now_s)
        self.changes.append((side, price, max(qty, 0)))

    def _fill(self, mid: int, now_s: int) -> None:
        """Top up both sides to MIN_LEVELS, extending away from the mid."""
        tick = self.pair.tick_units
        while len(self.asks.prices) < MIN_LEVELS:
            last = self.asks.prices[-1] if self.asks.prices else mid
            step = self.rng.randint(1, 2 * self.gap) // tick * tick or tick
            self._set("a", last + step, self._qty(), now_s)
        while len(self.bids.prices) < MIN_LEVELS:
            last = self.bids.prices[0] if self.bids.prices else mid + 1
            step = self.rng.randint(1, 2 * self.gap) // tick * tick or tick
            if last - step <= 0:
                break
            self._set("b", last - step, self._qty(), now_s)

    def best_ask(self) -> int:
        """Return the lowest ask price (units)."""
        return self.asks.prices[0]

    def best_bid(self) -> int:
        """Return the highest bid price (units)."""
        return self.bids.prices[-1]

    def top(self, side: str, depth: int) -> list[Level]:
        """Return the best ``depth`` levels of a side, best first."""
        if side == "a":
            return [(p, self.asks.qty[p]) for p in self.asks.prices[:depth]]
        return [(p, self.bids.qty[p]) for p in reversed(self.bids.prices[-depth:])]

    def has(self, side: str, price: int) -> bool:
        """Return whether a level exists."""
        return price in (self.asks.qty if side == "a" else self.bids.qty)

    # -- evolution --------------------------------------------------------------------------
    def step(self, mid: int, now_s: int, ops: int = 3) -> list[tuple[str, int, int]]:
        """Recentre on ``mid``, apply ``ops`` random changes near the top; return changes."""
        self.changes = []
        tick = self.pair.tick_units
        while self.asks.prices and self.asks.prices[0] <= mid:
            self._set("a", self.asks.prices[0], 0, now_s)
        while self.bids.prices and self.bids.prices[-1] >= mid:
            self._set("b", self.bids.prices[-1], 0, now_s)
        if not self.asks.prices or self.asks.prices[0] - mid > 3 * self.gap:
            self._set("a", mid + tick, self._qty(), now_s)
        if (not self.bids.prices or mid - self.bids.prices[-1] > 3 * self.gap) and mid > tick:
            self._set("b", mid - tick, self._qty(), now_s)
        for _ in range(ops):
            side = "a" if self.rng.random() < 0.5 else "b"
            book_side = self.asks if side == "a" else self.bids
            rank = min(int(self.rng.expovariate(1 / 6)), len(book_side.prices) - 1)
            price = book_side.prices[rank] if side == "a" else book_side.prices[-1 - rank]
            roll = self.rng.random()
            if roll < 0.5:
                self._set(side, price, self._qty(), now_s)
            elif roll < 0.75:
                self._set(side, price, 0, now_s)
            else:
                offset = self.rng.randint(1, max(1, self.gap // tick)) * tick
                new = price + offset if side == "a" else price - offset
                if (
                    new > 0
                    and not self.has(side, new)
                    and ((side == "a" and new > mid) or (side == "b" and new < mid))
                ):
                    self._set(side, new, self._qty(), now_s)
        self._fill(mid, now_s)
        return self.changes

    def take(self, side: str, volume: int, limit: int | None, now_s: int) -> list[Level]:
        """Consume liquidity (a buy eats asks up to ``limit``); return (price, qty) fills."""
        fills: list[Level] = []
        self.changes = []
        book_side = self.asks if side == "buy" else self.bids
        remaining = volume
        while remaining > 0 and book_side.prices:
            price = book_side.prices[0] if side == "buy" else book_side.prices[-1]
            if limit is not None and (price > limit if side == "buy" else price < limit):
                break
            available = book_side.qty[price]
            took = min(available, remaining)
            fills.append((price, took))
            remaining -= took
            self._set("a" if side == "buy" else "b", price, available - took, now_s)
        return fills


def level_json(pair: Pair, level: Level) -> dict[str, Raw]:
    """Render a level as WS v2 numbers with full precision (trailing zeros kept)."""
    return {
        "price": Raw(units_text(level[0], pair.pair_decimals)),
        "qty": Raw(units_text(level[1], pair.lot_decimals)),
    }


def checksum_of(pair: Pair, asks: list[Level], bids: list[Level]) -> int:
    """Return Kraken's CRC32 over the top 10 of each side at pair precision."""
    pd, ld = pair.pair_decimals, pair.lot_decimals
    return book_checksum(
        [(units_text(p, pd), units_text(q, ld)) for p, q in asks[:10]],
        [(units_text(p, pd), units_text(q, ld)) for p, q in bids[:10]],
    )


class BookView:
    """What one subscriber with depth N holds; produces snapshot and refill-aware diffs."""

    def __init__(self, book: Book, depth: int) -> None:
        self.book = book
        self.depth = depth
        self.asks: dict[int, int] = {}
        self.bids: dict[int, int] = {}

    def snapshot(self) -> tuple[list[Level], list[Level], int]:
        """Return (asks, bids, checksum) of the current top N and remember them."""
        asks = self.book.top("a", self.depth)
        bids = self.book.top("b", self.depth)
        self.asks, self.bids = dict(asks), dict(bids)
        return asks, bids, checksum_of(self.book.pair, asks, bids)

    def _diff_side(self, side: str, held: dict[int, int]) -> tuple[list[Level], dict[int, int]]:
        new = self.book.top(side, self.depth)
        new_map = dict(new)
        out: list[Level] = [
            (price, 0) for price in held if price not in new_map and not self.book.has(side, price)
        ]
        out.extend((price, qty) for price, qty in new if held.get(price) != qty)
        return out, new_map

    def diff(self) -> tuple[list[Level], list[Level], int] | None:
        """Return (ask changes, bid changes, checksum) since the last call, or None."""
        ask_changes, self.asks = self._diff_side("a", self.asks)
        bid_changes, self.bids = self._diff_side("b", self.bids)
        if not ask_changes and not bid_changes:
            return None
        asks = sorted(self.asks.items())
        bids = sorted(self.bids.items(), reverse=True)
        return ask_changes, bid_changes, checksum_of(self.book.pair, asks, bids)
