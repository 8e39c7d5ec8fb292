"""The book engine as it was before issue 17 (commit 634e7d2), kept only as the benchmark's
"before": ``bench/stream.py`` measures it in the same run as today's engine (target: 2x).

It decoded with ``json.JSONDecoder(parse_float=str)`` (see ``decode`` below); the engine is the
file ``kraken_cli/client/book.py`` of that commit, unchanged but for this docstring and
``norm_decimal`` (imported: it did not change).
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import Any
from zlib import crc32

from kraken_cli.client.book import norm_decimal  # unchanged

Level = tuple[str, str]


class BookSide:
    """One side of the book: sorted integer keys and ``key -> (price, qty, fragment)``."""

    __slots__ = ("_top", "is_bid", "keys", "levels")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.keys: list[int] = []
        self.levels: dict[int, tuple[str, str, str]] = {}
        # This side's top-10 checksum text; None when a change touched the top 10.
        self._top: bytes | None = None

    def top_text(self) -> bytes:
        """Return the checksum text of the top 10 levels (price+qty fragments)."""
        top = self._top
        if top is None:
            levels = self.levels
            top = "".join([levels[k][2] for k in self.keys[:10]]).encode()
            self._top = top
        return top

    def best(self) -> int | None:
        """Return the best key (scaled price; negative for bids) or None when empty."""
        return self.keys[0] if self.keys else None

    def top(self, n: int | None = None) -> list[list[str]]:
        """Return ``[[price, qty], ...]`` best first, all levels or the top ``n``."""
        levels = self.levels
        keys = self.keys if n is None else self.keys[:n]
        return [[levels[k][0], levels[k][1]] for k in keys]

    def pairs(self) -> list[Level]:
        """Return ``(price, qty)`` tuples best first."""
        levels = self.levels
        return [(levels[k][0], levels[k][1]) for k in self.keys]


class Book:
    """An L2 book for one symbol at one subscribed depth, verified against Kraken's checksum."""

    __slots__ = ("asks", "bids", "depth", "price_decimals", "qty_decimals", "symbol", "truncated")

    def __init__(self, symbol: str, depth: int, price_decimals: int, qty_decimals: int) -> None:
        self.symbol = symbol
        self.depth = depth
        self.price_decimals = price_decimals
        self.qty_decimals = qty_decimals
        self.asks = BookSide(False)
        self.bids = BookSide(True)
        #: Levels dropped by the last truncation, as ``(side, price)``; only kept when not None.
        self.truncated: list[tuple[str, str]] | None = None

    # -- applying wire data ------------------------------------------------------------------
    def apply_snapshot(
        self, asks: Iterable[Mapping[str, Any]], bids: Iterable[Mapping[str, Any]]
    ) -> None:
        """Replace the book with a snapshot's levels."""
        self.asks = BookSide(False)
        self.bids = BookSide(True)
        self.apply_update(asks, bids)

    def apply_update(
        self, asks: Iterable[Mapping[str, Any]], bids: Iterable[Mapping[str, Any]]
    ) -> None:
        """Apply the levels of one message in order (qty 0 deletes), then truncate to depth."""
        pdec = self.price_decimals
        qdec = self.qty_decimals
        pdec1 = pdec + 1
        qdec1 = qdec + 1
        for sign, side, wire in ((1, self.asks, asks), (-1, self.bids, bids)):
            keys = side.keys
            levels = side.levels
            for lv in wire:
                p = lv["price"]
                q = lv["qty"]
                # Fast path: the wire text already carries the pair's precision (2026 feeds do).
                if not (
                    p.__class__ is str
                    and (dot := p.find(".")) > 0
                    and len(p) - dot == pdec1
                    and "e" not in p
                ):
                    p = norm_decimal(p, pdec)
                if not (
                    q.__class__ is str
                    and (dot := q.find(".")) > 0
                    and len(q) - dot == qdec1
                    and "e" not in q
                ):
                    q = norm_decimal(q, qdec)
                digits = p.replace(".", "")
                k = sign * int(digits)
                qfrag = q.replace(".", "").lstrip("0")
                if qfrag:
                    if k in levels:
                        # keys[9] exists whenever a key at or inside it does
                        if len(keys) <= 10 or k <= keys[9]:
                            side._top = None
                    else:
                        i = bisect_left(keys, k)
                        keys.insert(i, k)
                        if i < 10:
                            side._top = None
                    levels[k] = (p, q, digits.lstrip("0") + qfrag)
                elif levels.pop(k, None) is not None:
                    i = bisect_left(keys, k)
                    del keys[i]
                    if i < 10:
                        side._top = None
            depth = self.depth
            if len(keys) > depth:
                dropped = keys[depth:]
                del keys[depth:]
                if self.truncated is not None:
                    name = "bid" if sign < 0 else "ask"
                    self.truncated.extend((name, levels[k][0]) for k in dropped)
                for k in dropped:
                    del levels[k]

    # -- reading -----------------------------------------------------------------------------
    def checksum(self) -> int:
        """Return the CRC32 of the top 10 asks then bids, as Kraken computes it."""
        return crc32(self.bids.top_text(), crc32(self.asks.top_text()))

    def crossed(self) -> bool:
        """Return True when the best bid is at or above the best ask (a broken book)."""
        ask = self.asks.best()
        bid = self.bids.best()
        return ask is not None and bid is not None and -bid >= ask

    def snapshot(self, levels: int | None = None) -> tuple[list[list[str]], list[list[str]]]:
        """Return ``(bids, asks)`` as ``[[price, qty], ...]`` best first."""
        return self.bids.top(levels), self.asks.top(levels)


#: How the stream decoded each message before issue 17.
decode = json.JSONDecoder(parse_float=str).decode
